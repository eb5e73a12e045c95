"""Cases whose .pt file is in torch.save's legacy format (before PyTorch 1.6: _use_new_zipfile_serialization=False),
in Golden/pytorch's format otherwise (see that README), from real PyTorch.

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_legacy.py`, in this folder). Writes, per case,
<name>.weights.safetensors, <name>.weights.pt (legacy format) and <name>.io.safetensors.

- legacy_bi_gru2: a bidirectional 2-layer GRU with lengths and h0, saved as a training checkpoint: an int64 epoch
  tensor, the model's state_dict and Adam's state (whose storages lie between the model's), and plain values.
- legacy_proj_lstm: a projected LSTM with h0 and c0, saved whole (torch.save(model)).
- legacy_views_lstm2: a 2-layer LSTM whose state_dict is float64 views of one storage, at offsets, half of them
  transposed.

Also seed.legacy.protocol4.pt: ../seed.weights.pt saved again in the legacy format with pickle protocol 4 (whose
pickles start with a FRAME).
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from make_options import save_safetensors

CASES = [
    # name, cell, I, H, O, T, B, L, bidirectional, proj_size, lengths, seed, how the .pt is saved
    ("legacy_bi_gru2", "gru", 4, 6, 3, 8, 3, 2, True, 0, [8, 5, 2], 5, "checkpoint"),
    ("legacy_proj_lstm", "lstm", 3, 10, 2, 6, 2, 1, False, 4, [], 7, "module"),
    ("legacy_views_lstm2", "lstm", 2, 5, 1, 4, 2, 2, False, 0, [], 9, "views"),
]


class GruNet(nn.Module):
    def __init__(self, I, H, O, L, bidirectional):
        super().__init__()
        self.gru = nn.GRU(I, H, num_layers=L, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear((2 if bidirectional else 1) * H, O)


class LstmNet(nn.Module):
    def __init__(self, I, H, O, L, bidirectional, proj_size):
        super().__init__()
        self.lstm = nn.LSTM(I, H, num_layers=L, batch_first=True, bidirectional=bidirectional, proj_size=proj_size)
        self.fc = nn.Linear((2 if bidirectional else 1) * (proj_size or H), O)


def as_views(state):
    """The state_dict as float64 views of one storage: every other tensor stored transposed and viewed back."""
    parts, views, offset = [], {}, 0
    for n, (name, tensor) in enumerate(state.items()):
        stored = tensor.double().t().contiguous() if tensor.dim() == 2 and n % 2 else tensor.double().contiguous()
        parts.append(stored.flatten())
        views[name] = (offset, stored.shape, tensor.dim() == 2 and n % 2)
        offset += stored.numel()
    flat = torch.cat(parts)
    result = {}
    for name, (at, shape, transposed) in views.items():
        view = flat[at:at + shape.numel()].view(shape)
        result[name] = view.t() if transposed else view
    return result


def make(name, cell, I, H, O, T, B, L, bidirectional, P, lengths, seed, saving):
    torch.manual_seed(seed)
    net = (GruNet(I, H, O, L, bidirectional) if cell == "gru" else LstmNet(I, H, O, L, bidirectional, P)).eval()
    rnn = net.gru if cell == "gru" else net.lstm
    D = 2 if bidirectional else 1
    H_out = P or H
    F = D * H_out
    optimizer = None
    if saving == "checkpoint":  # one training step first, so that Adam has state
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        net.fc(rnn(torch.randn(2, T, I))[0][:, -1]).square().sum().backward()
        optimizer.step()
    x = torch.randn(B, T, I)
    lengths = lengths or [T] * B
    for b, n in enumerate(lengths):
        x[b, n:] = 0
    h0 = 0.5 * torch.randn(L * D, B, H_out)
    c0 = 0.5 * torch.randn(L * D, B, H)
    with torch.no_grad():
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, state_n = rnn(packed, h0 if cell == "gru" else (h0, c0))
        h_n, c_n = (state_n, None) if cell == "gru" else state_n
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        y_last = net.fc(torch.stack([out[b, n - 1] for b, n in enumerate(lengths)]))
        y_final = net.fc(torch.cat([h_n[(L - 1) * D + d] for d in range(D)], 1))
        y_seq = net.fc(out)
        for b, n in enumerate(lengths):
            y_seq[b, n:] = 0

    state = net.state_dict()
    save_safetensors(f"{name}.weights.safetensors", state)
    saved = {
        "checkpoint": lambda: {"epoch": torch.tensor(12), "model_state_dict": state, "optimizer": optimizer.state_dict(), "loss": 0.25},
        "module": lambda: net,
        "views": lambda: as_views(state),
    }[saving]()
    torch.save(saved, f"{name}.weights.pt", _use_new_zipfile_serialization=False)

    prefix = "gru." if cell == "gru" else "lstm."
    metadata = {
        "model": cell, "input_size": str(I), "hidden_size": str(H), "output_size": str(O), "seq_len": str(T),
        "batch": str(B), "num_layers": str(L), "bidirectional": str(int(bidirectional)), "proj_size": str(P), "bias": "1",
        "initial_state": "1", "lengths": ",".join(map(str, lengths)) if len(set(lengths)) > 1 else "", "prefix": prefix,
        "fc_prefix": "fc.", "feature_size": str(F), "seed": str(seed),
    }
    io = {"x": x, "h0": h0, "out": out, "h_n": h_n, "y_last": y_last, "y_final": y_final, "y_seq": y_seq}
    if cell == "lstm":
        io.update(c0=c0, c_n=c_n)
    save_safetensors(f"{name}.io.safetensors", io, metadata)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case in CASES:
        make(*case)
    torch.save(torch.load("../seed.weights.pt"), "seed.legacy.protocol4.pt", pickle_protocol=4, _use_new_zipfile_serialization=False)
