"""A text classifier as the README's embedding recipe runs it: nn.Embedding → nn.LSTM(batch_first=True) → nn.Linear on
the last step, from real PyTorch.

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_embedding.py`, in this folder). Writes text_classifier.pt (the
module's state_dict, embedding.weight among it) and text_classifier.io.safetensors: `tokens` (int ids stored as F32,
[B, T]) and `y` [B, O], the classifier's output.
"""
import torch
import torch.nn as nn

from make_options import save_safetensors

VOCAB, I, H, O, T, B, SEED = 50, 6, 10, 3, 9, 2, 31


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, I)
        self.lstm = nn.LSTM(I, H, batch_first=True)
        self.fc = nn.Linear(H, O)

    def forward(self, tokens):
        out, _ = self.lstm(self.embedding(tokens))
        return self.fc(out[:, -1, :])


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    model = Classifier().eval()
    tokens = torch.randint(0, VOCAB, (B, T))
    with torch.no_grad():
        y = model(tokens)
    torch.save(model.state_dict(), "text_classifier.pt")
    save_safetensors("text_classifier.io.safetensors", {"tokens": tokens.float(), "y": y})
