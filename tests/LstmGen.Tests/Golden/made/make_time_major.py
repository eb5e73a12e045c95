"""Cases of modules built with PyTorch's default batch_first=False, in Golden/pytorch's format (see its README), from
real PyTorch: x is [T, B, I], out [T, B, F] and y_seq [T, B, O] (time-major); h0, h_n, c0, c_n, y_last and y_final
have the same layouts as there, which batch_first does not change. Metadata "batch_first" is "0".

Run with Debian's PyTorch 1.13 (`/usr/bin/python3 make_time_major.py`, in this folder). Writes, per case,
<name>.weights.safetensors, <name>.weights.pt and <name>.io.safetensors.

- tm_lstm: the seed's sizes, a batch of 19 (whole groups of SIMD lanes and a rest), zero initial state.
- tm_wide_lstm: a batch whose work is split over cores by Forward(Tensor), zero initial state.
- tm_lens_gru2: a 2-layer GRU over a padded batch of 10.
- tm_all_lstm2: every option at once: bidirectional, projected, 2 layers, lengths and initial states.
- tm_bi_proj_lstm2: the same module kind over a batch of full-length sequences from a zero state.
- tm_h0_bi_gru: a bidirectional GRU from initial states.
- tm_h0_lstm2: a 2-layer LSTM from initial states (batches that run in blocks of sequences).
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from make_options import save_safetensors

CASES = [
    # name, cell, I, H, O, T, B, L, bidirectional, proj_size, lengths, initial_state, seed
    ("tm_lstm", "lstm", 5, 8, 2, 7, 19, 1, False, 0, None, False, 21),
    ("tm_wide_lstm", "lstm", 32, 96, 4, 20, 24, 1, False, 0, None, False, 22),
    ("tm_lens_gru2", "gru", 16, 32, 3, 9, 10, 2, False, 0, [9, 3, 7, 1, 9, 5, 8, 2, 6, 4], False, 23),
    ("tm_all_lstm2", "lstm", 4, 12, 3, 8, 3, 2, True, 5, [8, 3, 6], True, 24),
    ("tm_bi_proj_lstm2", "lstm", 4, 12, 3, 8, 5, 2, True, 5, None, False, 25),
    ("tm_h0_bi_gru", "gru", 6, 10, 2, 6, 4, 1, True, 0, None, True, 26),
    ("tm_h0_lstm2", "lstm", 16, 32, 3, 9, 9, 2, False, 0, None, True, 27),
]


class Net(nn.Module):
    def __init__(self, cell, I, H, O, L, bidirectional, proj_size):
        super().__init__()
        if cell == "lstm":
            self.rnn = nn.LSTM(I, H, num_layers=L, bidirectional=bidirectional, proj_size=proj_size)
        else:
            self.rnn = nn.GRU(I, H, num_layers=L, bidirectional=bidirectional)
        D = 2 if bidirectional else 1
        self.fc = nn.Linear(D * (proj_size or H), O)


def make(name, cell, I, H, O, T, B, L, bidirectional, P, lengths, initial_state, seed):
    torch.manual_seed(seed)
    net = Net(cell, I, H, O, L, bidirectional, P).eval()
    D = 2 if bidirectional else 1
    H_out = P or H
    x = torch.randn(T, B, I)
    valid = lengths or [T] * B
    for b, n in enumerate(valid):
        x[n:, b] = 0
    io = {"x": x}
    state = None
    if initial_state:
        h0 = 0.5 * torch.randn(L * D, B, H_out)
        io["h0"] = h0
        if cell == "lstm":
            c0 = 0.5 * torch.randn(L * D, B, H)
            io["c0"] = c0
            state = (h0, c0)
        else:
            state = h0
    with torch.no_grad():
        packed = pack_padded_sequence(x, torch.tensor(valid), enforce_sorted=False)
        out, final = net.rnn(packed, state)
        out, _ = pad_packed_sequence(out, total_length=T)
        h_n, c_n = final if cell == "lstm" else (final, None)
        last = torch.stack([out[n - 1, b] for b, n in enumerate(valid)])
        y_last = net.fc(last)
        y_final = net.fc(torch.cat([h_n[(L - 1) * D + d] for d in range(D)], 1))
        y_seq = net.fc(out)
        for b, n in enumerate(valid):
            y_seq[n:, b] = 0
    io.update({"out": out, "h_n": h_n})
    if c_n is not None:
        io["c_n"] = c_n
    io.update({"y_last": y_last, "y_final": y_final, "y_seq": y_seq})
    state_dict = net.state_dict()
    save_safetensors(f"{name}.weights.safetensors", state_dict)
    torch.save(state_dict, f"{name}.weights.pt")
    metadata = {
        "model": cell, "input_size": str(I), "hidden_size": str(H), "output_size": str(O), "seq_len": str(T),
        "batch": str(B), "num_layers": str(L), "bidirectional": str(int(bidirectional)), "proj_size": str(P),
        "bias": "1", "initial_state": str(int(initial_state)), "lengths": ",".join(map(str, lengths or [])),
        "prefix": "rnn.", "fc_prefix": "fc.", "feature_size": str(D * H_out), "seed": str(seed), "batch_first": "0",
    }
    save_safetensors(f"{name}.io.safetensors", io, metadata)


if __name__ == "__main__":
    torch.set_num_threads(1)
    for case in CASES:
        make(*case)
