"""Models built on nn.LSTMCell and nn.GRUCell, stepped over a sequence in a Python loop, from real PyTorch.

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_cells.py`, in this folder). Writes, per case,
<name>.weights.pt (torch.save; cell_gru: a training checkpoint with Adam's state and a dict of metrics), <name>.weights.safetensors and
<name>.io.safetensors: x [B, T, I]; y = fc(h_T) [B, O]; h_n [B, H] (and c_n [B, H] for the LSTM cell) after the
last step, from a zero state. A cell's keys are weight_ih, weight_hh, bias_ih, bias_hh under its attribute's name.
Then seq2seq_cells.pt and seq2seq_same_prefix.pt (see make_seq2seq).
"""
import torch
import torch.nn as nn

from make_options import save_safetensors

CASES = [
    # name, cell, I, H, O, T, B, seed
    ("cell_lstm", "lstm", 4, 7, 3, 6, 2, 21),
    ("cell_gru", "gru", 3, 5, 2, 9, 3, 22),
]


class CellNet(nn.Module):
    def __init__(self, cell, I, H, O):
        super().__init__()
        self.cell = nn.LSTMCell(I, H) if cell == "lstm" else nn.GRUCell(I, H)
        self.fc = nn.Linear(H, O)


def make(name, cell, I, H, O, T, B, seed):
    torch.manual_seed(seed)
    net = CellNet(cell, I, H, O).eval()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    if cell == "gru":  # one training step first, so that the checkpoint's Adam state holds tensors
        net.fc(net.cell(torch.randn(2, I))).square().sum().backward()
        optimizer.step()
    x = torch.randn(B, T, I)
    with torch.no_grad():
        h, c = torch.zeros(B, H), torch.zeros(B, H)
        for t in range(T):
            if cell == "lstm":
                h, c = net.cell(x[:, t], (h, c))
            else:
                h = net.cell(x[:, t], h)
        y = net.fc(h)
    state = net.state_dict()
    save_safetensors(f"{name}.weights.safetensors", state)
    if cell == "gru":
        # Beside the model's, a second dict of tensors: the model's first key must choose between them.
        torch.save({"epoch": 3, "model_state_dict": state, "optimizer": optimizer.state_dict(),
                    "metrics": {"val_acc": torch.tensor(0.75)}}, f"{name}.weights.pt")
    else:
        torch.save(state, f"{name}.weights.pt")
    io = {"x": x, "y": y, "h_n": h}
    if cell == "lstm":
        io["c_n"] = c
    save_safetensors(f"{name}.io.safetensors", io, {"model": cell, "seed": str(seed)})


def make_seq2seq():
    """seq2seq_cells.pt: a checkpoint of two dicts with a recurrent module each, an encoder's nn.LSTM (keys lstm.…) and
    cell_lstm's decoder (keys cell.…, fc.…): a model's prefix picks its dict, also the cell's."""
    torch.manual_seed(23)
    encoder = nn.Module()
    encoder.lstm = nn.LSTM(4, 7, batch_first=True)
    decoder = torch.load("cell_lstm.weights.pt")
    torch.save({"encoder": encoder.state_dict(), "decoder": decoder, "epoch": 5}, "seq2seq_cells.pt")
    # seq2seq_same_prefix.pt: both modules under one name (rnn.weight_ih_l0 and rnn.weight_ih): the nn.LSTM's exact key
    # picks the encoder's dict.
    torch.manual_seed(24)
    encoder, decoder = nn.Module(), nn.Module()
    encoder.rnn = nn.LSTM(4, 7, batch_first=True)
    decoder.rnn, decoder.fc = nn.LSTMCell(4, 7), nn.Linear(7, 3)
    torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, "seq2seq_same_prefix.pt")


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case in CASES:
        make(*case)
    make_seq2seq()
