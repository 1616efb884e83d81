#!/usr/bin/python3
"""Python's side of the classifier-export tests (tests/engine/test_export.cpp).

usage:
  check_exported_classifier.py make-bundle OUT_DIR
      writes a tiny niwt-bundle made by PyTorch: `stages` is an nn.ModuleList (children named
      "0", "1"), with a `neck` (Linear + ReLU) between pooling and classifier.
  check_exported_classifier.py run MODEL.pt INPUT.json OUTPUT.json
      torch.jit.load(MODEL.pt); INPUT.json holds {"features": {"shape": [N, F], "values": [...]}}
      and optionally "images" in the same form; writes {"forward": [...], "forward_images": [...],
      "class_names": [...], "seen": [...], "format": "..."} with the logits flattened row-major.
"""
import json
import os
import sys
from typing import List

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixture_bundle import conv_stages  # noqa: E402  (the same two stages as the loader's fixture)


class Staged(nn.Module):
    stage_names: List[str]

    def __init__(self):
        super().__init__()
        self.stages = conv_stages()
        self.neck = nn.Sequential(nn.Linear(6, 5), nn.ReLU())
        self.classifier = nn.Linear(5, 4)
        self.stage_names = ["conv_a", "conv_b"]

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.classifier(self.neck(x.mean([2, 3])))


def make_bundle(out):
    torch.manual_seed(3)
    os.makedirs(out, exist_ok=True)
    torch.jit.script(Staged().eval()).save(os.path.join(out, "bundle.pt"))
    with open(os.path.join(out, "bundle.json"), "w") as f:
        json.dump({"format": "niwt-bundle/1", "name": "python-neck",
                   "input": {"width": 8, "height": 8, "color": "RGB",
                             "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}, f)


def tensor(spec):
    return torch.tensor(spec["values"], dtype=torch.float32).reshape(spec["shape"])


def run(model_path, input_path, output_path):
    model = torch.jit.load(model_path)
    model.eval()
    with open(input_path) as f:
        inputs = json.load(f)
    result = {"class_names": list(model.class_names), "seen": list(model.seen), "format": model.format,
              "training": model.training}
    with torch.no_grad():
        result["forward"] = model(tensor(inputs["features"])).flatten().tolist()
        if "images" in inputs:
            result["forward_images"] = model.forward_images(tensor(inputs["images"])).flatten().tolist()
    with open(output_path, "w") as f:
        json.dump(result, f)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "make-bundle":
        make_bundle(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
