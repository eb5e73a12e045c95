"""Option cases beyond the product owner's Golden/pytorch, in its format (see that README), from real PyTorch.

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_options.py`, in this folder). Writes, per case,
<name>.weights.safetensors, <name>.weights.pt and <name>.io.safetensors.

- proj_wide_lstm2: a projected 2-layer LSTM whose H (37) is no multiple of 4 or of any vector width and whose
  proj_size (19) spans two vectors of 16, with lengths and initial states.
"""
import json
import struct

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CASES = [
    # name, I, H, O, T, B, L, proj_size, lengths, seed
    ("proj_wide_lstm2", 3, 37, 2, 9, 3, 2, 19, [9, 4, 7], 11),
]


class Net(nn.Module):
    def __init__(self, I, H, O, L, proj_size):
        super().__init__()
        self.lstm = nn.LSTM(I, H, num_layers=L, batch_first=True, proj_size=proj_size)
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


def make(name, I, H, O, T, B, L, P, lengths, seed):
    torch.manual_seed(seed)
    net = Net(I, H, O, L, P).eval()
    x = torch.randn(B, T, I)
    for b, n in enumerate(lengths):
        x[b, n:] = 0
    h0 = 0.5 * torch.randn(L, B, P)
    c0 = 0.5 * torch.randn(L, B, H)
    with torch.no_grad():
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, (h_n, c_n) = net.lstm(packed, (h0, c0))
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        last = torch.stack([out[b, n - 1] for b, n in enumerate(lengths)])
        y_last = net.fc(last)
        y_final = net.fc(h_n[-1])
        y_seq = net.fc(out)
        for b, n in enumerate(lengths):
            y_seq[b, n:] = 0
    state = net.state_dict()
    save_safetensors(f"{name}.weights.safetensors", state)
    torch.save(state, f"{name}.weights.pt")
    metadata = {
        "model": "lstm", "input_size": str(I), "hidden_size": str(H), "output_size": str(O), "seq_len": str(T),
        "batch": str(B), "num_layers": str(L), "bidirectional": "0", "proj_size": str(P), "bias": "1",
        "initial_state": "1", "lengths": ",".join(map(str, lengths)), "prefix": "lstm.", "fc_prefix": "fc.",
        "feature_size": str(P), "seed": str(seed),
    }
    save_safetensors(f"{name}.io.safetensors", {
        "x": x, "h0": h0, "c0": c0, "out": out, "h_n": h_n, "c_n": c_n, "y_last": y_last, "y_final": y_final, "y_seq": y_seq,
    }, metadata)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case in CASES:
        make(*case)
