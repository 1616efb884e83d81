#!/usr/bin/python3
"""The Python-driven PyTorch baseline for `niwt bench extract`: full importance extraction.

"Eager" here means PyTorch driven from Python the way a research script does it: a
torch.utils.data Dataset decoding with PIL, a DataLoader with worker processes, and per batch
one Python call per stage. The network itself is the bundle's TorchScript (bundle.pt is the only
form a niwt bundle has), loaded with torch.jit.load; its stages are called one by one from Python.

Per batch, the same work as core/engine/importance.cpp imageImportances:
  torch.no_grad forward through stages[0..stage]; activations.requires_grad_(); the later stages
  (autograd on), spatial mean over (2, 3), the bundle's optional `neck`, logits of a random linear
  head (classes x features, weights randn * head_scale, bias 0), each image's random target logit
  gathered and summed, backward, importances = grad.sum((2, 3)).
Preprocessing as core/pipeline/image_batches.cpp: large JPEGs decoded at 1/2 or 1/4 scale when the
crop still covers the input (PIL's draft, libjpeg's DCT scaling as OpenCV's IMREAD_REDUCED_*),
EXIF orientation applied, centre square crop of side round(center_crop * min(w, h)), resize to
width x height as OpenCV does it, in torch: INTER_AREA when shrinking (its area table, rounding
to 8 bits; PIL's BOX filter samples the box instead of weighting by area), INTER_LINEAR when
enlarging (its 11-bit fixed-point weights and SIMD rounding; PIL's BILINEAR rounds between its
two passes and differs by a grey level on a fifth of the pixels). Then RGB/BGR/gray, range,
(x - mean) / std.
One batch is run untimed first (warm-up), as the C++ bench does.
--network-only decodes every batch first, untimed, and times the network on them alone (the C++
bench's "network" figure); otherwise decoding in the DataLoader's workers overlaps the network.

usage: eager_extract_bench.py BUNDLE_DIR STAGE IMAGE_LIST [--batch-size N] [--threads N]
                              [--workers N] [--classes N] [--seed N] [--device cpu|cuda]
                              [--channels-last] [--network-only] [--head-scale S] [--dump DIR]
Prints one JSON line: {"eager_images_per_s": ..., "images": N, "seconds": ...} (and a few details).
--dump DIR writes head_weight.txt, head_bias.txt, targets.txt and importances.txt (first line
"rows cols", then one row a line) for the timed pass, so a test can recompute them in C++.
"""
import argparse
import functools
import json
import math
import os
import sys
import time

import torch
from PIL import Image, ImageOps


def read_input_spec(bundle_dir):
    with open(os.path.join(bundle_dir, "bundle.json")) as f:
        meta = json.load(f)
    spec = meta.get("input", {})
    color = spec.get("color", "RGB")
    channels = 1 if color == "gray" else 3
    lo, hi = spec.get("range", [0, 1])
    return {
        "width": int(spec["width"]), "height": int(spec["height"]), "color": color,
        "range": (float(lo), float(hi)),
        "mean": [float(v) for v in spec.get("mean", [0.0] * channels)],
        "std": [float(v) for v in spec.get("std", [1.0] * channels)],
        "center_crop": float(spec.get("center_crop", 1.0)),
    }


@functools.lru_cache(maxsize=None)
def area_table(src, dst):
    """dst x src weights of OpenCV's INTER_AREA (resize.cpp computeResizeAreaTab)."""
    scale = src / dst
    table = torch.zeros(dst, src, dtype=torch.float64)
    for d in range(dst):
        fs1 = d * scale
        fs2 = fs1 + scale
        s1, s2 = int(math.ceil(fs1)), int(math.floor(fs2))
        s2 = min(s2, src)
        s1 = min(s1, s2)
        cell = min(scale, src - fs1)
        if s1 - fs1 > 1e-3:
            table[d, s1 - 1] = (s1 - fs1) / cell
        for j in range(s1, s2):
            table[d, j] = 1.0 / cell
        if fs2 - s2 > 1e-3:
            table[d, s2] = min(min(fs2 - s2, 1.0), cell) / cell
    return table


def resize_area(pixels, width, height):
    """H x W x C uint8 -> height x width x C uint8, as cv::resize(..., INTER_AREA) when shrinking."""
    h, w = pixels.shape[0], pixels.shape[1]
    x = pixels.to(torch.float64).permute(2, 0, 1)
    out = area_table(h, height) @ x @ area_table(w, width).t()
    return out.round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0)


@functools.lru_cache(maxsize=None)
def linear_taps(src, dst, columns):
    """OpenCV's INTER_LINEAR taps for one axis: first source index, its neighbour, and the two
    weights as 11-bit fixed point (resize.cpp: fx in float; columns past a border take the border
    pixel with weight 1, rows keep their weights and read the border row twice)."""
    scale = 1.0 / (dst / src)
    i0, i1, w0, w1 = [], [], [], []
    for d in range(dst):
        f = float(torch.tensor((d + 0.5) * scale - 0.5, dtype=torch.float32))
        i = math.floor(f)
        f = float(torch.tensor(f - i, dtype=torch.float32))
        if columns and i < 0:
            i, f = 0, 0.0
        if columns and i >= src - 1:
            i, f = src - 1, 0.0
        i0.append(min(max(i, 0), src - 1))
        i1.append(min(max(i + 1, 0), src - 1))
        f32 = torch.tensor(f, dtype=torch.float32)
        w0.append(int(((1.0 - f32) * 2048).round()))  # float arithmetic, cvRound (half to even)
        w1.append(int((f32 * 2048).round()))
    return torch.tensor(i0), torch.tensor(i1), torch.tensor(w0, dtype=torch.int64), torch.tensor(w1, dtype=torch.int64)


def resize_linear(pixels, width, height, lanes=16):
    """H x W x C uint8 -> height x width x C uint8, bit for bit as cv::resize(..., INTER_LINEAR):
    a horizontal pass in integers (weights x 2048), then the vertical pass as OpenCV's SIMD code
    rounds it ((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16) + 2) >> 2 over whole vectors of
    `lanes` bytes, and exactly ((b0 r0 + b1 r1 + 2^21) >> 22) over a row's remainder."""
    h, w, c = pixels.shape
    x = pixels.to(torch.int64)
    xi0, xi1, xw0, xw1 = linear_taps(w, width, True)
    rows = x[:, xi0, :] * xw0.view(1, -1, 1) + x[:, xi1, :] * xw1.view(1, -1, 1)  # h x width x c
    yi0, yi1, yw0, yw1 = linear_taps(h, height, False)
    r0 = rows[yi0].reshape(height, -1)
    r1 = rows[yi1].reshape(height, -1)
    b0, b1 = yw0.view(-1, 1), yw1.view(-1, 1)
    vector = (((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16) + 2) >> 2
    exact = (b0 * r0 + b1 * r1 + (1 << 21)) >> 22
    n = r0.shape[1]
    out = torch.where(torch.arange(n).view(1, -1) < n - n % lanes, vector, exact)
    return out.clamp(0, 255).to(torch.uint8).view(height, width, c)


class ImageDataset(torch.utils.data.Dataset):
    """One preprocessed image (C x H x W float) per path; None when it cannot be decoded."""

    def __init__(self, paths, spec):
        self.paths = paths
        self.spec = spec
        s = spec
        self.min_side = int(math.ceil(max(s["width"], s["height"]) / s["center_crop"]))
        channels = 1 if s["color"] == "gray" else 3
        to_range = (s["range"][1] - s["range"][0]) / 255.0
        # v in [0, 255] -> range -> (v - mean) / std as one multiply-add per channel (image_batches.cpp).
        self.scale = torch.tensor([to_range / s["std"][c] for c in range(channels)]).view(channels, 1, 1)
        self.shift = torch.tensor([(s["range"][0] - s["mean"][c]) / s["std"][c] for c in range(channels)]).view(channels, 1, 1)

    def __len__(self):
        return len(self.paths)

    def decode(self, path):
        image = Image.open(path)
        if image.format == "JPEG":
            w, h = image.size
            shorter = min(w, h)
            r = 4 if shorter // 4 >= self.min_side else 2 if shorter // 2 >= self.min_side else 1
            if r > 1:
                image.draft(image.mode, (w // r, h // r))
        image = ImageOps.exif_transpose(image)
        return image

    def __getitem__(self, i):
        s = self.spec
        try:
            image = self.decode(self.paths[i])
            image.load()
        except Exception:  # noqa: BLE001 - an undecodable image is skipped, as the C++ loader does
            return None
        w, h = image.size
        side = max(1, int(math.floor(s["center_crop"] * min(w, h) + 0.5)))
        left, top = (w - side) // 2, (h - side) // 2
        image = image.convert("L" if s["color"] == "gray" else "RGB")
        image = image.crop((left, top, left + side, top + side))
        channels = 1 if s["color"] == "gray" else 3
        # OpenCV: INTER_AREA when shrinking, which it applies only when no side grows.
        if side >= s["width"] and side >= s["height"] and (side, side) != (s["width"], s["height"]):
            pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(side, side, channels)
            pixels = resize_area(pixels, s["width"], s["height"])
        else:
            pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(side, side, channels)
            if (side, side) != (s["width"], s["height"]):
                pixels = resize_linear(pixels, s["width"], s["height"])
        x = pixels.reshape(s["height"], s["width"], channels).permute(2, 0, 1).float()
        if s["color"] == "BGR":
            x = x.flip(0)
        return x * self.scale + self.shift


def collate(items):
    kept = [x for x in items if x is not None]
    return torch.stack(kept) if kept else None


def load_network(bundle_dir, device):
    module = torch.jit.load(os.path.join(bundle_dir, "bundle.pt"), map_location=device)
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    stages = [m for _, m in sorted(module.stages.named_children(), key=lambda kv: int(kv[0]))]
    names = list(module.stage_names)
    neck = getattr(module, "neck", None) if hasattr(module, "neck") else None
    weight = module.classifier.weight
    return stages, names, neck, int(weight.shape[1])


def importances(stages, stage, neck, head_w, head_b, images, targets, channels_last):
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        x = images
        for m in stages[:stage + 1]:
            x = m(x)
    a = x.detach().requires_grad_()
    y = a
    for m in stages[stage + 1:]:
        y = m(y)
    pooled = y.mean((2, 3))
    if neck is not None:
        pooled = neck(pooled)
    logits = torch.addmm(head_b, pooled, head_w.t())
    chosen = logits.gather(1, targets.unsqueeze(1)).sum()
    (grad,) = torch.autograd.grad(chosen, a)
    return grad.sum((2, 3))


def write_matrix(path, m):
    m = m.detach().cpu().double()
    if m.dim() == 1:
        m = m.unsqueeze(1)
    with open(path, "w") as f:
        f.write("%d %d\n" % (m.shape[0], m.shape[1]))
        for row in m.tolist():
            f.write(" ".join("%.9g" % v for v in row) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bundle")
    parser.add_argument("stage", help="the importance stage's name (bundle.json stages[].name)")
    parser.add_argument("image_list", help="a text file with one image path per line")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave as is)")
    parser.add_argument("--workers", type=int, default=1, help="DataLoader worker processes for decoding")
    parser.add_argument("--classes", type=int, default=2, help="rows of the random head (seen classes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--channels-last", action="store_true", help="NHWC images, as the C++ engine")
    parser.add_argument("--network-only", action="store_true",
                        help="decode all batches first (untimed), then time the network alone")
    parser.add_argument("--head-scale", type=float, default=0.01)
    parser.add_argument("--dump", help="folder for the head, targets and importances of the timed pass")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    with open(args.image_list) as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    if not paths:
        sys.exit("eager_extract_bench: %s lists no image" % args.image_list)
    spec = read_input_spec(args.bundle)
    stages, names, neck, features = load_network(args.bundle, device)
    if args.stage not in names:
        sys.exit("eager_extract_bench: the bundle has no stage %r (stages: %s)" % (args.stage, ", ".join(names)))
    stage = names.index(args.stage)
    classes = max(2, args.classes)
    head_w = (torch.randn(classes, features) * args.head_scale).to(device)
    head_b = torch.zeros(classes).to(device)

    dataset = ImageDataset(paths, spec)
    batch = max(1, args.batch_size)

    # Warm-up (first-call allocations, kernel selection), not timed: the first batch, decoded here.
    first = collate([dataset[i] for i in range(min(batch, len(paths)))])
    if first is not None:
        importances(stages, stage, neck, head_w, head_b, first.to(device),
                    torch.randint(classes, (first.shape[0],)).to(device), args.channels_last).cpu()
    if device.type == "cuda":
        torch.cuda.synchronize()

    done, kept_targets, kept_importances = 0, [], []
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=False, num_workers=max(0, args.workers),
                                         collate_fn=collate, pin_memory=device.type == "cuda")
    if args.network_only:
        loader = list(loader)
    start = time.perf_counter()
    for images in loader:
        if images is None:
            continue
        targets = torch.randint(classes, (images.shape[0],)).to(device)
        result = importances(stages, stage, neck, head_w, head_b, images.to(device, non_blocking=True), targets,
                             args.channels_last).cpu()
        done += images.shape[0]
        if args.dump:
            kept_targets.append(targets.cpu())
            kept_importances.append(result)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start

    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
        write_matrix(os.path.join(args.dump, "head_weight.txt"), head_w)
        write_matrix(os.path.join(args.dump, "head_bias.txt"), head_b)
        write_matrix(os.path.join(args.dump, "targets.txt"), torch.cat(kept_targets))
        write_matrix(os.path.join(args.dump, "importances.txt"), torch.cat(kept_importances))
    print(json.dumps({"eager_images_per_s": done / seconds if seconds > 0 else 0.0, "images": done,
                      "seconds": seconds, "failed": len(paths) - done, "threads": torch.get_num_threads(),
                      "workers": max(0, args.workers), "channels_last": args.channels_last,
                      "network_only": args.network_only,
                      "torch_version": torch.__version__}))


if __name__ == "__main__":
    main()
