# Makes the checkpoint and head files of the loader tests. Run with PyTorch (Debian's python3-torch):
#   /usr/bin/python3 make_checkpoints.py
# - checkpoint_metrics.pt: the seed model's state_dict under 'state_dict', beside a top-level tensor ('best_acc')
#   and a Lightning-style callback entry holding a tensor, so three dicts hold tensors and one holds the model.
# - nobias_head.pt: the seed LSTM with a Linear head without bias (nn.Linear(8, 2, bias=False));
#   nobias_head.io.pt: an input [3, 7, 5] and that module's output [3, 2], computed by PyTorch.
# - embedding_nohead.pt: nn.Embedding(100, 8) before an nn.LSTM(8, 8) and no head: the embedding table has the
#   recurrent features' width but is not a head.
# - mlp_head.pt: the seed-sized LSTM with an MLP head, nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)):
#   head.0 reads the features, but the model's output is head.2's.
# - rnn_head.pt: the seed weights under 'rnn.' and 'head.' instead of 'lstm.' and 'fc.'.
# - bare_lstm.pt: an nn.LSTM(5, 8) saved on its own (keys weight_ih_l0, …).
import torch
from torch import nn

sd = torch.load("../seed.weights.pt")
torch.save({"epoch": 3, "best_acc": torch.tensor(0.9), "state_dict": sd,
            "callbacks": {"ModelCheckpoint": {"best_model_score": torch.tensor(0.25)}}}, "checkpoint_metrics.pt")


class NoBiasHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, batch_first=True)
        self.fc = nn.Linear(8, 2, bias=False)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


model = NoBiasHead()
model.load_state_dict({k: v for k, v in sd.items() if k != "fc.bias"})
torch.save(model.state_dict(), "nobias_head.pt")
torch.manual_seed(13)
x = torch.randn(3, 7, 5)
with torch.no_grad():
    torch.save({"input": x, "output": model(x)}, "nobias_head.io.pt")


class EmbeddingNoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(100, 8)
        self.lstm = nn.LSTM(8, 8, batch_first=True)


torch.manual_seed(14)
torch.save(EmbeddingNoHead().state_dict(), "embedding_nohead.pt")


class MlpHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, batch_first=True)
        self.head = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))


torch.manual_seed(15)
torch.save(MlpHead().state_dict(), "mlp_head.pt")

torch.save({k.replace("lstm.", "rnn.").replace("fc.", "head."): v for k, v in sd.items()}, "rnn_head.pt")
torch.manual_seed(16)
torch.save(nn.LSTM(5, 8, batch_first=True).state_dict(), "bare_lstm.pt")
