"""Option cases beyond the product owner's Golden/pytorch, in its format (see that README), from real PyTorch.

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_options.py`, in this folder). Writes, per case,
<name>.weights.safetensors, <name>.weights.pt and <name>.io.safetensors.

- proj_wide_lstm2: a projected 2-layer LSTM whose H (37) is no multiple of 4 or of any vector width and whose
  proj_size (19) spans two vectors of 16, with lengths and initial states.
- lanes_lstm2, lanes_gru, lanes_h0_lstm: small models, whose batches run a sequence per SIMD lane: a padded batch
  from initial states, in two groups of 16 (four of 8, nine of 4) and a rest; a padded one from zero, a group and a
  rest; one of a common length from initial states.
- blocks_lstm2: a 2-layer model past the lanes kernel, whose batches run in blocks of 4 sequences: a padded batch from
  initial states, in two blocks and a rest.
"""
import json
import struct

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CASES = [
    # name, cell, I, H, O, T, B, L, proj_size, lengths (None: all T steps), initial states, seed
    ("proj_wide_lstm2", "lstm", 3, 37, 2, 9, 3, 2, 19, [9, 4, 7], True, 11),
    ("lanes_lstm2", "lstm", 5, 8, 2, 7, 37, 2, 0,
     [7, 3, 1, 7, 5, 6, 2, 7, 4, 7, 1, 6, 3, 7, 5, 2, 7, 7, 4, 1, 6, 3, 7, 2, 5, 7, 6, 1, 4, 7, 3, 5, 7, 2, 6, 7, 4], True, 12),
    ("lanes_gru", "gru", 3, 12, 3, 9, 21, 1, 0, [9, 4, 1, 8, 9, 6, 2, 9, 5, 7, 3, 9, 9, 1, 8, 4, 6, 9, 2, 7, 5], False, 13),
    ("lanes_h0_lstm", "lstm", 4, 6, 2, 5, 19, 1, 0, None, True, 14),
    ("blocks_lstm2", "lstm", 16, 32, 3, 9, 11, 2, 0, [9, 2, 6, 9, 1, 4, 8, 3, 9, 5, 7], True, 15),
]


class Net(nn.Module):
    def __init__(self, cell, I, H, O, L, proj_size):
        super().__init__()
        if cell == "lstm":
            self.lstm = nn.LSTM(I, H, num_layers=L, batch_first=True, proj_size=proj_size)
        else:
            self.gru = nn.GRU(I, H, num_layers=L, batch_first=True)
        self.fc = nn.Linear(proj_size or H, O)


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make(name, cell, I, H, O, T, B, L, P, lengths, initial, seed):
    torch.manual_seed(seed)
    net = Net(cell, I, H, O, L, P).eval()
    rnn = net.lstm if cell == "lstm" else net.gru
    x = torch.randn(B, T, I)
    for b, n in enumerate(lengths or []):
        x[b, n:] = 0
    h0 = 0.5 * torch.randn(L, B, P or H)
    c0 = 0.5 * torch.randn(L, B, H)
    if not initial:
        h0, c0 = torch.zeros_like(h0), torch.zeros_like(c0)
    with torch.no_grad():
        sequences = x if lengths is None else pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        if cell == "lstm":
            out, (h_n, c_n) = rnn(sequences, (h0, c0))
        else:
            out, h_n = rnn(sequences, h0)
        if lengths is not None:
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        ends = lengths or [T] * B
        last = torch.stack([out[b, n - 1] for b, n in enumerate(ends)])
        y_last = net.fc(last)
        y_final = net.fc(h_n[-1])
        y_seq = net.fc(out)
        for b, n in enumerate(ends):
            y_seq[b, n:] = 0
    state = net.state_dict()
    save_safetensors(f"{name}.weights.safetensors", state)
    torch.save(state, f"{name}.weights.pt")
    metadata = {
        "model": cell, "input_size": str(I), "hidden_size": str(H), "output_size": str(O), "seq_len": str(T),
        "batch": str(B), "num_layers": str(L), "bidirectional": "0", "proj_size": str(P), "bias": "1",
        "initial_state": "1" if initial else "0", "lengths": ",".join(map(str, lengths or [])), "prefix": f"{cell}.", "fc_prefix": "fc.",
        "feature_size": str(P or H), "seed": str(seed),
    }
    states = {} if not initial else {"h0": h0, "c0": c0} if cell == "lstm" else {"h0": h0}
    finals = {"h_n": h_n, "c_n": c_n} if cell == "lstm" else {"h_n": h_n}
    tensors = {"x": x, **states, "out": out, **finals, "y_last": y_last, "y_final": y_final, "y_seq": y_seq}
    save_safetensors(f"{name}.io.safetensors", tensors, metadata)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case in CASES:
        make(*case)
