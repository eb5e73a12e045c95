# Makes the quantized files of the loader tests: the golden seed model after dynamic quantization, which LstmGen
# refuses (its weights become integers packed for PyTorch's own kernels). Run with PyTorch (Debian's python3-torch):
#   /usr/bin/python3 make_quantized.py
# - seed.quantized.pt: the state_dict after quantize_dynamic of the LSTM and the Linear head.
# - seed.quantized_head.pt: the whole module (torch.save(model)) with only the head quantized, whose state_dict keeps
#   the LSTM's float weights beside the head's packed ones.
# - seed.quantized.scripted.pt: the model of seed.quantized.pt through torch.jit.script.
import torch
from torch import nn


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def seed():
    model = Lstm()
    model.load_state_dict(torch.load("../seed.weights.pt"))
    return model.eval()


quantized = torch.quantization.quantize_dynamic(seed(), {nn.LSTM, nn.Linear}, dtype=torch.qint8)
torch.save(quantized.state_dict(), "seed.quantized.pt")
torch.jit.save(torch.jit.script(quantized), "seed.quantized.scripted.pt")
torch.save(torch.quantization.quantize_dynamic(seed(), {nn.Linear}, dtype=torch.qint8), "seed.quantized_head.pt")
