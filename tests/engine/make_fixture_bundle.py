#!/usr/bin/python3
"""Writes a tiny niwt-bundle made by PyTorch itself, for the C++ bundle-loader tests.

usage: make_fixture_bundle.py OUT_DIR

OUT_DIR/good/      bundle.pt (torch.jit.script of a 2-stage CNN) + bundle.json + labels.txt
OUT_DIR/good/expected_logits.txt   logits of forward(x) for x = linspace(-1, 1) over 2x3x8x8
OUT_DIR/state_dict/  bundle.pt = torch.save(model.state_dict()) + the same bundle.json
OUT_DIR/no_stages/   a TorchScript module without `stages`
"""
import hashlib
import json
import os
import sys
from typing import List

import torch
import torch.nn as nn


def conv_stages():
    """The fixtures' two stages, "conv_a" (3 -> 4 channels) and "conv_b" (4 -> 6, stride 2)."""
    return nn.ModuleList([
        nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()),
        nn.Sequential(nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU()),
    ])


class Staged(nn.Module):
    stage_names: List[str]

    def __init__(self):
        super().__init__()
        self.stages = conv_stages()
        self.classifier = nn.Linear(6, 5)
        self.stage_names = ["conv_a", "conv_b"]

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.classifier(x.mean([2, 3]))


class NoStages(nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = nn.Linear(6, 5)

    def forward(self, x):
        return self.classifier(x)


def meta():
    return {
        "format": "niwt-bundle/1",
        "name": "fixture",
        "input": {"width": 8, "height": 8, "color": "RGB", "range": [0, 1],
                  "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "center_crop": 1.0},
        "labels": "labels.txt",
        "stages": [{"name": "conv_a", "channels": 4, "height": 8, "width": 8},
                   {"name": "conv_b", "channels": 6, "height": 4, "width": 4}],
        "classifier": {"in": 6, "out": 5},
    }


def write(folder, save):
    os.makedirs(folder, exist_ok=True)
    save(os.path.join(folder, "bundle.pt"))
    # As tools/export_bundle.py: the loader verifies bundle.pt against it.
    with open(os.path.join(folder, "bundle.pt"), "rb") as f:
        checksum = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump(dict(meta(), sha256=checksum), f)
    with open(os.path.join(folder, "labels.txt"), "w") as f:
        f.write("a\nb\nc\nd\ne\n")


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    model = Staged().eval()
    scripted = torch.jit.script(model)
    write(os.path.join(out, "good"), scripted.save)
    x = torch.linspace(-1, 1, 2 * 3 * 8 * 8).reshape(2, 3, 8, 8)
    with torch.no_grad():
        logits = model(x)
    with open(os.path.join(out, "good", "expected_logits.txt"), "w") as f:
        f.write(" ".join("%.9g" % v for v in logits.flatten().tolist()) + "\n")
    write(os.path.join(out, "state_dict"), lambda p: torch.save(model.state_dict(), p))
    write(os.path.join(out, "no_stages"), torch.jit.script(NoStages()).save)


if __name__ == "__main__":
    main()
