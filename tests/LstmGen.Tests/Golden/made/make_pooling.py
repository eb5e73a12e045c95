"""Classifiers that pool the LSTM's or GRU's outputs over time before their Linear head, as the README's pooling
recipes run them, from real PyTorch, on a padded batch (pack_padded_sequence, pooled over each sequence's own steps).

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_pooling.py`, in this folder). Writes mean_pooled.pt and
max_pooled.pt (the modules' state_dicts) and pooling.io.safetensors: `x` [B, T, I], `lengths` (stored as F32, [B]),
`mean_y` and `max_y` [B, O], the two classifiers' outputs.

- mean_pooled: a bidirectional nn.LSTM, fc(mean of out over the valid steps).
- max_pooled: an nn.GRU, fc(max of out over the valid steps).
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from make_options import save_safetensors

I, H, O, T, SEED = 6, 10, 3, 9, 37
LENGTHS = [9, 4, 7]


class MeanPooled(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(I, H, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * H, O)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])
        return self.fc(out.sum(1) / lengths.unsqueeze(1).float())


class MaxPooled(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(I, H, batch_first=True)
        self.fc = nn.Linear(H, O)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True, total_length=x.shape[1])
        padded = torch.arange(x.shape[1]).unsqueeze(0) >= lengths.unsqueeze(1)
        return self.fc(out.masked_fill(padded.unsqueeze(2), float("-inf")).max(1).values)


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    mean_model, max_model = MeanPooled().eval(), MaxPooled().eval()
    lengths = torch.tensor(LENGTHS)
    x = torch.randn(len(LENGTHS), T, I)
    with torch.no_grad():
        mean_y, max_y = mean_model(x, lengths), max_model(x, lengths)
    torch.save(mean_model.state_dict(), "mean_pooled.pt")
    torch.save(max_model.state_dict(), "max_pooled.pt")
    save_safetensors("pooling.io.safetensors", {"x": x, "lengths": lengths.float(), "mean_y": mean_y, "max_y": max_y})
