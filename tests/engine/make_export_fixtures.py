#!/usr/bin/python3
"""Bundles made by tools/export_bundle.py from torchvision networks, for test_export_bundle.

usage: make_export_fixtures.py OUT_DIR

For each of resnet18, resnet50, resnet101, vgg16, mobilenet_v2 (seeded random weights, BatchNorm
running statistics randomised too so that eval-mode BatchNorm is not the identity):
  OUT_DIR/<arch>/              the bundle, exported at a nominal 64x64 input
  OUT_DIR/<arch>/logits_64x64.txt   torchvision's logits for input(2, 3, 64, 64)
  OUT_DIR/<arch>/logits_72x96.txt   torchvision's logits for input(1, 3, 72, 96) (not the nominal size)
where input(shape) = linspace(-2, 2, numel).reshape(shape), rebuilt the same way by the C++ test.

Fine-tuned weights through the command line (a 10-class ResNet-18 head):
  OUT_DIR/finetuned_checkpoint.pt  {'epoch': 3, 'state_dict': DataParallel(model).state_dict()}
  OUT_DIR/finetuned_model.pt       torch.save(model), a whole pickled model
  OUT_DIR/finetuned_labels.txt     ten names
  OUT_DIR/finetuned/               export_bundle.py resnet18 --weights finetuned_checkpoint.pt --labels ...
  OUT_DIR/finetuned_logits_64x64.txt  that model's torchvision logits for input(2, 3, 64, 64)
"""
import os
import subprocess
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "export_bundle.py")
sys.path.insert(0, os.path.dirname(TOOL))
import export_bundle  # noqa: E402

ARCHS = ["resnet18", "resnet50", "resnet101", "vgg16", "mobilenet_v2"]
SIZE = 64


def fixed_input(*shape):
    n = 1
    for d in shape:
        n *= d
    return torch.linspace(-2, 2, n).reshape(*shape)


def randomise_batchnorm(model):
    """Fresh BatchNorm layers hold mean 0 / variance 1 and weight 1 / bias 0: an identity in eval mode."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)


def write_logits(model, x, path):
    with torch.no_grad():
        logits = model.eval()(x)
    with open(path, "w") as f:
        f.write(" ".join("%.9g" % v for v in logits.flatten().tolist()) + "\n")


def random_model(arch, classes, seed):
    torch.manual_seed(seed)
    model = export_bundle.build_torchvision(arch, classes)
    randomise_batchnorm(model)
    return model.eval()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for seed, arch in enumerate(ARCHS):
        model = random_model(arch, 1000, seed)
        folder = os.path.join(out, arch)
        export_bundle.export(arch, model, folder, ["class_%d" % i for i in range(1000)], SIZE,
                             "%s test fixture (random weights)" % arch)
        write_logits(model, fixed_input(2, 3, SIZE, SIZE), os.path.join(folder, "logits_64x64.txt"))
        write_logits(model, fixed_input(1, 3, 72, 96), os.path.join(folder, "logits_72x96.txt"))

    model = random_model("resnet18", 10, 100)
    torch.save({"epoch": 3, "state_dict": nn.DataParallel(model).state_dict()},
               os.path.join(out, "finetuned_checkpoint.pt"))
    torch.save(model, os.path.join(out, "finetuned_model.pt"))
    labels = os.path.join(out, "finetuned_labels.txt")
    with open(labels, "w") as f:
        f.write("".join("bird_%d\n" % i for i in range(10)))
    write_logits(model, fixed_input(2, 3, SIZE, SIZE), os.path.join(out, "finetuned_logits_64x64.txt"))
    subprocess.run([sys.executable, TOOL, "resnet18", os.path.join(out, "finetuned"), "--input-size", str(SIZE),
                    "--weights", os.path.join(out, "finetuned_checkpoint.pt"), "--labels", labels], check=True)


if __name__ == "__main__":
    main()
