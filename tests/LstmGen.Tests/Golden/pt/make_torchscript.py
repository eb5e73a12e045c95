# Makes the TorchScript files of the loader tests: models saved with torch.jit.save, as they are deployed to LibTorch.
# Run with PyTorch (Debian's python3-torch):
#   /usr/bin/python3 make_torchscript.py
# - seed.scripted.pt, seed.traced.pt: the golden seed model (nn.LSTM + nn.Linear on the last step), through
#   torch.jit.script and torch.jit.trace (a traced module's classes have mangled names, __torch__.___torch_mangle_N).
# - gru_seed.scripted.pt: the golden GRU seed model, scripted.
# - bi_lstm2.scripted.pt: the golden bi_lstm2 case (2 layers, bidirectional; pytorch/bi_lstm2.weights.pt), scripted.
# - bare_lstm.scripted.pt: bare_lstm.pt's nn.LSTM(5, 8) scripted on its own: its keys have no prefix.
# - seed.frozen.pt: the scripted seed model after torch.jit.freeze, which turns the weights into constants of the
#   code: no named tensor is left.
import torch
from torch import nn


class Lstm(nn.Module):
    def __init__(self, rnn, hidden, outputs):
        super().__init__()
        self.lstm = rnn
        self.fc = nn.Linear(hidden, outputs)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class Gru(nn.Module):
    def __init__(self, rnn, hidden, outputs):
        super().__init__()
        self.gru = rnn
        self.fc = nn.Linear(hidden, outputs)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out[:, -1, :])


def loaded(module, path):
    module.load_state_dict(torch.load(path))
    return module.eval()


seed = loaded(Lstm(nn.LSTM(5, 8, batch_first=True), 8, 2), "../seed.weights.pt")
torch.jit.save(torch.jit.script(seed), "seed.scripted.pt")
torch.jit.save(torch.jit.trace(seed, torch.zeros(1, 7, 5)), "seed.traced.pt")
torch.jit.save(torch.jit.freeze(torch.jit.script(seed)), "seed.frozen.pt")
torch.jit.save(torch.jit.script(loaded(Gru(nn.GRU(5, 8, batch_first=True), 8, 2), "../gru_seed.weights.pt")), "gru_seed.scripted.pt")
bi_lstm2 = Lstm(nn.LSTM(7, 13, num_layers=2, bidirectional=True, batch_first=True), 26, 3)
torch.jit.save(torch.jit.script(loaded(bi_lstm2, "../pytorch/bi_lstm2.weights.pt")), "bi_lstm2.scripted.pt")
torch.jit.save(torch.jit.script(loaded(nn.LSTM(5, 8, batch_first=True), "bare_lstm.pt")), "bare_lstm.scripted.pt")
