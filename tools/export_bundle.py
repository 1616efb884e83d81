#!/usr/bin/python3
"""Wraps a torchvision network (your weights) as a staged "niwt-bundle/1" for NIWT Explorer.

usage: export_bundle.py ARCH OUT_DIR (--weights FILE | --random [--seed S]) [--labels FILE]
                        [--input-size N] [--name TEXT]

ARCH: resnet18, resnet34, resnet50, resnet101, resnet152, vgg16, mobilenet_v2.
--weights FILE: torch.save of model.state_dict() (a {'state_dict': ...} checkpoint and
  DataParallel's "module." prefix are accepted) or a whole pickled model. The number of classes
  follows the file's classifier (a fine-tuned 200-class head works).
--random: no weights, random initialisation (torchvision's pretrained weights cannot be fetched
  here; a random network only makes sense for tests). One of --weights / --random is required.
--seed S: the random initialisation's seed with --random (default 0).
--labels FILE: class names, one a line (default: class_0, class_1, ...).
--input-size N: the nominal square input (default 224); bundle.json records each stage's shape
  at that size. Any input size still runs.

Writes OUT_DIR/bundle.pt (TorchScript: stages, stage_names, classifier), bundle.json and
labels.txt, each first into OUT_DIR/.tmp and then renamed into place. OUT_DIR must be new, empty
or an earlier bundle. Before writing, the scripted bundle's logits are compared with torchvision's
own forward on a random input. Runs with Debian's python3-torch and python3-torchvision.

Stages (what a user can pick for importances and Grad-CAM):
  ResNet: stem (conv1, bn1, relu, maxpool), then one stage per residual block: layer1.0 ... layer4.N
  VGG-16: conv1_1 ... conv5_3 (conv + ReLU; each max-pool opens the following stage, so conv5_3 is
          the 14x14 map Grad-CAM uses), fc6 = pool5 + AdaptiveAvgPool2d(7) + fc6 as a 7x7 conv
          + ReLU (4096x1x1), fc7 = fc7 as a 1x1 conv + ReLU; the classifier is fc8. The mean over
          a 1x1 map is the identity, so the logits equal torchvision's at any input size.
  MobileNetV2: stem, block1 ... block17, head_conv (as in the shared MobileNetV2 bundle)
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import warnings
from typing import List

import torch
import torch.nn as nn

PROG = "export_bundle.py"
FORMAT = "niwt-bundle/1"
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
MIN_INPUT_SIZE = 32  # five stride-2 steps in every supported network


class ExportError(Exception):
    """A one-line message for the user (already names the file where there is one)."""


# arch -> (display name, torchvision constructor name, state_dict key of the classifier weight)
ARCHS = {
    "resnet18": ("ResNet-18", "resnet18", "fc.weight"),
    "resnet34": ("ResNet-34", "resnet34", "fc.weight"),
    "resnet50": ("ResNet-50", "resnet50", "fc.weight"),
    "resnet101": ("ResNet-101", "resnet101", "fc.weight"),
    "resnet152": ("ResNet-152", "resnet152", "fc.weight"),
    "vgg16": ("VGG-16", "vgg16", "classifier.6.weight"),
    "mobilenet_v2": ("MobileNetV2", "mobilenet_v2", "classifier.1.weight"),
}


def canonical_arch(name: str) -> str:
    """'ResNet-50', 'resnet_50' and 'mobilenetv2' name the same networks as resnet50 / mobilenet_v2."""
    squashed = name.lower().replace("-", "").replace("_", "")
    for arch in ARCHS:
        if arch.replace("_", "") == squashed:
            return arch
    raise ExportError("unknown architecture '%s' (known: %s)" % (name, ", ".join(ARCHS)))


def build_torchvision(arch: str, num_classes: int) -> nn.Module:
    """torchvision's network with random initialisation (never downloads anything)."""
    import torchvision.models as models
    return getattr(models, ARCHS[arch][1])(weights=None, num_classes=num_classes)


class StagedBundle(nn.Module):
    """The niwt-bundle/1 module: forward(x) = classifier(spatial mean of stages(x))."""
    stage_names: List[str]

    def __init__(self, stages: List[nn.Module], names: List[str], classifier: nn.Linear):
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.stage_names = list(names)
        self.classifier = classifier

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.classifier(x.mean([2, 3]))


def resnet_stages(model):
    stages = [nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)]
    names = ["stem"]
    for layer in ("layer1", "layer2", "layer3", "layer4"):
        for index, block in enumerate(getattr(model, layer)):
            stages.append(block)
            names.append("%s.%d" % (layer, index))
    return stages, names, model.fc


def mobilenet_v2_stages(model):
    features = list(model.features)
    names = ["stem"] + ["block%d" % i for i in range(1, len(features) - 1)] + ["head_conv"]
    return features, names, model.classifier[1]  # classifier[0] is dropout: identity in eval


def vgg16_stages(model):
    """Per conv layer; a max-pool opens the stage after it. fc6/fc7 become convolutions (see top)."""
    stages, names = [], []
    pending = []  # max-pool waiting for the next conv
    block, conv_in_block = 1, 0
    layers = list(model.features)
    i = 0
    while i < len(layers):
        layer = layers[i]
        if isinstance(layer, nn.MaxPool2d):
            pending.append(layer)
            block, conv_in_block = block + 1, 0
            i += 1
            continue
        if not isinstance(layer, nn.Conv2d) or not isinstance(layers[i + 1], nn.ReLU):
            raise ExportError("unexpected VGG layout at features.%d (%s)" % (i, type(layer).__name__))
        conv_in_block += 1
        stages.append(nn.Sequential(*pending, layer, nn.ReLU()))
        names.append("conv%d_%d" % (block, conv_in_block))
        pending = []
        i += 2
    fc6, fc7, fc8 = model.classifier[0], model.classifier[3], model.classifier[6]
    pool_side = model.avgpool.output_size
    pool_side = pool_side[0] if isinstance(pool_side, tuple) else pool_side
    channels = fc6.in_features // (pool_side * pool_side)
    fc6_conv = nn.Conv2d(channels, fc6.out_features, pool_side)
    # Linear on flatten(N, C, 7, 7) is a 7x7 convolution with the same weights in (C, H, W) order.
    fc6_conv.weight = nn.Parameter(fc6.weight.detach().reshape(fc6.out_features, channels, pool_side, pool_side))
    fc6_conv.bias = nn.Parameter(fc6.bias.detach())
    fc7_conv = nn.Conv2d(fc7.in_features, fc7.out_features, 1)
    fc7_conv.weight = nn.Parameter(fc7.weight.detach().reshape(fc7.out_features, fc7.in_features, 1, 1))
    fc7_conv.bias = nn.Parameter(fc7.bias.detach())
    stages.append(nn.Sequential(*pending, nn.AdaptiveAvgPool2d(pool_side), fc6_conv, nn.ReLU()))
    names.append("fc6")
    stages.append(nn.Sequential(fc7_conv, nn.ReLU()))
    names.append("fc7")
    return stages, names, fc8


def staged_module(arch: str, model: nn.Module) -> StagedBundle:
    """The staged form of a torchvision model (sharing its parameters), in eval mode."""
    model.eval()
    if arch.startswith("resnet"):
        parts = resnet_stages(model)
    elif arch == "vgg16":
        parts = vgg16_stages(model)
    else:
        parts = mobilenet_v2_stages(model)
    return StagedBundle(*parts).eval()


# ---- reading the user's weights -------------------------------------------------------------

def shape_text(tensor) -> str:
    return "[" + ", ".join(str(d) for d in tensor.shape) + "]"


def read_state_dict(path: str) -> dict:
    """The tensors of a state_dict file, a checkpoint holding one, or a pickled model."""
    if not os.path.exists(path):
        raise ExportError("%s: no such file" % path)
    if os.path.isdir(path):
        raise ExportError("%s: is a folder, expected a weights file" % path)
    with open(path, "rb") as f:
        magic = f.read(4)
    # torch.save writes a zip archive (PK..); files from torch < 1.6 are plain pickles (0x80 ..).
    if magic != b"PK\x03\x04" and magic[:1] != b"\x80":
        raise ExportError("%s: not a PyTorch file (torch.save writes a zip archive)" % path)
    try:
        with warnings.catch_warnings():  # TorchScript files: torch.load's dispatch warning
            warnings.simplefilter("ignore")
            loaded = torch.load(path, map_location="cpu")
    except Exception as e:  # torch raises many kinds for files that are not its own
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ExportError("%s: cannot be read with torch.load (%s)" % (path, first_line))
    if isinstance(loaded, torch.jit.ScriptModule) and hasattr(loaded, "stage_names"):
        raise ExportError("%s: already a niwt bundle's TorchScript, not torchvision weights" % path)
    if isinstance(loaded, nn.Module):
        loaded = loaded.state_dict()
    if isinstance(loaded, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            inner = loaded.get(key)
            if isinstance(inner, nn.Module):
                inner = inner.state_dict()
            if isinstance(inner, dict) and inner and all(torch.is_tensor(v) for v in inner.values()):
                loaded = inner
                break
    if not isinstance(loaded, dict) or not loaded:
        raise ExportError("%s: holds a %s, expected a state_dict or a model" % (path, type(loaded).__name__))
    tensors = {k: v for k, v in loaded.items() if torch.is_tensor(v)}
    if not tensors:
        raise ExportError("%s: the dictionary holds no tensors (keys: %s)" % (path, ", ".join(list(loaded)[:5])))
    # DataParallel / DistributedDataParallel save every key under "module.".
    while all(k.startswith("module.") for k in tensors):
        tensors = {k[len("module."):]: v for k, v in tensors.items()}
    return tensors


def fit_weights(arch: str, weights: dict, path: str) -> nn.Module:
    """torchvision's `arch` with `weights` loaded; the number of classes follows the file."""
    classifier_key = ARCHS[arch][2]
    head = weights.get(classifier_key)
    if head is None or head.dim() != 2:
        raise ExportError("%s: does not fit %s: no 2-D classifier weight '%s' (first keys: %s)"
                          % (path, arch, classifier_key, ", ".join(list(weights)[:3])))
    model = build_torchvision(arch, int(head.shape[0]))
    expected = model.state_dict()
    problems = []
    for key, target in expected.items():
        if key not in weights:
            # BatchNorm's step counter has no effect in eval mode; older checkpoints lack it.
            if not key.endswith("num_batches_tracked"):
                problems.append("key '%s' %s is missing from the file" % (key, shape_text(target)))
        elif weights[key].shape != target.shape:
            problems.append("key '%s' has shape %s in the file but %s expected"
                            % (key, shape_text(weights[key]), shape_text(target)))
    for key in weights:
        if key not in expected:
            problems.append("unexpected key '%s' %s in the file" % (key, shape_text(weights[key])))
    if problems:
        more = " (and %d more problems)" % (len(problems) - 1) if len(problems) > 1 else ""
        raise ExportError("%s: does not fit %s: %s%s" % (path, arch, problems[0], more))
    with torch.no_grad():
        model.load_state_dict(weights, strict=False)
    return model.eval()


def read_labels(path: str, count: int) -> List[str]:
    if not os.path.isfile(path):
        raise ExportError("%s: no such file" % path)
    try:
        with open(path, encoding="utf-8") as f:
            labels = [line.rstrip("\r\n") for line in f]
    except (OSError, UnicodeDecodeError) as e:
        raise ExportError("%s: cannot read (%s)" % (path, e))
    while labels and not labels[-1].strip():
        labels.pop()
    if len(labels) != count:
        raise ExportError("%s: %d labels, but the classifier has %d outputs" % (path, len(labels), count))
    return labels


# ---- writing the bundle ---------------------------------------------------------------------

def check_logits(scripted, model, size: int) -> None:
    """The scripted bundle must reproduce torchvision's forward (float32 sums in another order)."""
    x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours, theirs = scripted(x), model(x)
    difference = (ours - theirs).abs().max().item()
    tolerance = 1e-4 * max(1.0, theirs.abs().max().item())
    if not difference <= tolerance:
        raise ExportError("internal check failed: the staged network's logits differ from torchvision's "
                          "by %.3g (tolerance %.3g)" % (difference, tolerance))


def stage_shapes(staged: StagedBundle, size: int) -> List[dict]:
    shapes = []
    x = torch.zeros(1, 3, size, size)
    with torch.no_grad():
        for name, stage in zip(staged.stage_names, staged.stages):
            x = stage(x)
            shapes.append({"name": name, "channels": int(x.shape[1]), "height": int(x.shape[2]),
                           "width": int(x.shape[3])})
    return shapes


def prepare_out_dir(out_dir: str) -> str:
    """Checks OUT_DIR may be written; returns its (fresh) .tmp folder."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ExportError("%s: exists and is not a folder" % out_dir)
    if os.path.isdir(out_dir):
        entries = [e for e in os.listdir(out_dir) if e != ".tmp"]
        meta_file = os.path.join(out_dir, "bundle.json")
        if entries:
            try:
                with open(meta_file, encoding="utf-8") as f:
                    is_bundle = json.load(f).get("format") == FORMAT
            except (OSError, ValueError, AttributeError):
                is_bundle = False
            if not is_bundle:
                raise ExportError("%s: not empty and not a %s folder (no valid bundle.json); "
                                  "refusing to overwrite it" % (out_dir, FORMAT))
    tmp = os.path.join(out_dir, ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)  # left by an interrupted run
    os.makedirs(tmp)
    return tmp


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export(arch: str, model: nn.Module, out_dir: str, labels: List[str], input_size: int, name: str) -> dict:
    """Writes the bundle for torchvision `model` (of `arch`) into out_dir; returns bundle.json's content."""
    staged = staged_module(arch, model)
    scripted = torch.jit.script(staged)
    check_logits(scripted, model.eval(), input_size)
    classifier = staged.classifier
    if len(labels) != classifier.out_features:
        raise ExportError("%d labels for %d classifier outputs" % (len(labels), classifier.out_features))
    meta = {
        "format": FORMAT,
        "name": name,
        "input": {"width": input_size, "height": input_size, "color": "RGB", "range": [0, 1],
                  "mean": IMAGENET_MEAN, "std": IMAGENET_STD, "center_crop": 0.875},
        "labels": "labels.txt",
        "stages": stage_shapes(staged, input_size),
        "classifier": {"in": classifier.in_features, "out": classifier.out_features},
        "source": {"architecture": arch, "torchvision": __import__("torchvision").__version__},
    }
    tmp = prepare_out_dir(out_dir)
    scripted.save(os.path.join(tmp, "bundle.pt"))
    # The loader checks bundle.pt against this, so a file damaged on disk or in transfer is refused.
    meta["sha256"] = sha256_of(os.path.join(tmp, "bundle.pt"))
    with open(os.path.join(tmp, "labels.txt"), "w", encoding="utf-8") as f:
        f.write("".join(label + "\n" for label in labels))
    with open(os.path.join(tmp, "bundle.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    for file in ("bundle.pt", "labels.txt", "bundle.json"):  # bundle.json last: it marks a bundle
        with open(os.path.join(tmp, file), "rb") as f:
            os.fsync(f.fileno())
        os.replace(os.path.join(tmp, file), os.path.join(out_dir, file))
    os.rmdir(tmp)
    return meta


def parse_args(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="architectures: " + ", ".join(ARCHS))
    parser.add_argument("arch", metavar="ARCH")
    parser.add_argument("out_dir", metavar="OUT_DIR")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", metavar="FILE", help="state_dict, checkpoint or pickled model")
    source.add_argument("--random", action="store_true", help="random weights (for tests)")
    parser.add_argument("--labels", metavar="FILE", help="class names, one a line")
    parser.add_argument("--input-size", metavar="N", type=int, default=224, help="nominal input side (224)")
    parser.add_argument("--name", metavar="TEXT", help="the bundle's name in bundle.json")
    parser.add_argument("--seed", type=int, default=0, help="seed for --random (0)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        arch = canonical_arch(args.arch)
        if not MIN_INPUT_SIZE <= args.input_size <= 4096:
            raise ExportError("--input-size must be between %d and 4096, got %d" % (MIN_INPUT_SIZE, args.input_size))
        if args.weights:
            model = fit_weights(arch, read_state_dict(args.weights), args.weights)
            source = "weights: " + os.path.basename(args.weights)
        elif args.random:
            torch.manual_seed(args.seed)
            model = build_torchvision(arch, 1000).eval()
            source = "RANDOM weights (seed %d)" % args.seed
            print("%s: warning: random weights (--random): the bundle runs but has learned nothing" % PROG,
                  file=sys.stderr)
        else:
            raise ExportError("no weights: give --weights FILE (torchvision's pretrained weights cannot be "
                              "downloaded here; a saved resnet50-*.pth works) or --random for a test network")
        classes = model.state_dict()[ARCHS[arch][2]].shape[0]
        labels = read_labels(args.labels, classes) if args.labels else ["class_%d" % i for i in range(classes)]
        name = args.name or "%s (torchvision), %dx%d, %d classes, %s" % (
            ARCHS[arch][0], args.input_size, args.input_size, classes, source)
        meta = export(arch, model, args.out_dir, labels, args.input_size, name)
    except ExportError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("%s: %s: %s" % (PROG, e.filename or args.out_dir, e.strerror or e), file=sys.stderr)
        return 1
    last = meta["stages"][-1]
    print("%s: wrote %s (%s: %d stages, %s .. %s %dx%dx%d, %d classes)" % (
        PROG, args.out_dir, arch, len(meta["stages"]), meta["stages"][0]["name"], last["name"],
        last["channels"], last["height"], last["width"], classes), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
