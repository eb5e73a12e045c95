# Makes ambiguous.pt: a checkpoint with two dicts that both hold the seed model's keys, so that only
# stateDictKey can choose. Run with PyTorch (Debian's python3-torch): /usr/bin/python3 make_ambiguous.py
import torch

sd = torch.load("../seed.weights.pt")
torch.save({"epoch": 3, "model": sd, "ema": {k: -v for k, v in sd.items()}}, "ambiguous.pt")
