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
# - seed.protocol{3,4,5}.pt, gru_seed.protocol{3,4,5}.pt: the golden seed and gru_seed weights in a training checkpoint
#   (epoch, state_dict, an Adam optimizer's state after one step, numpy's random state) saved with
#   torch.save(..., pickle_protocol=N). Protocols 4 and 5 write FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL;
#   3 and later write numpy's bytes as SHORT_BINBYTES and BINBYTES.
# - seed.module.protocol4.pt: the whole seed module, with a non-persistent buffer (EMPTY_SET, ADDITEMS), protocol 4.
import numpy
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


def checkpoint(state_dict):
    """A training checkpoint holding state_dict, as a training loop saves it."""
    parameters = [value.clone().requires_grad_() for value in state_dict.values()]
    optimizer = torch.optim.Adam(parameters)
    sum(parameter.square().sum() for parameter in parameters).backward()
    optimizer.step()
    numpy.random.seed(0)
    return {"epoch": 3, "state_dict": state_dict, "optimizer": optimizer.state_dict(), "numpy_rng": numpy.random.get_state()}


gru_sd = torch.load("../gru_seed.weights.pt")
for protocol in (3, 4, 5):
    torch.save(checkpoint(sd), f"seed.protocol{protocol}.pt", pickle_protocol=protocol)
    torch.save(checkpoint(gru_sd), f"gru_seed.protocol{protocol}.pt", pickle_protocol=protocol)


class SeedModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)
        self.register_buffer("scale", torch.ones(2), persistent=False)  # not in state_dict()


module = SeedModule()
module.load_state_dict(sd)
torch.save(module, "seed.module.protocol4.pt", pickle_protocol=4)
