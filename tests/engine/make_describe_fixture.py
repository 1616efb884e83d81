#!/usr/bin/python3
"""Writes a small data set of two-coloured "birds" and a niwt-bundle that sees their colours, for
the end-to-end tests of `niwt describe` and `niwt run --typed` (tests/engine/cli_describe.sh).

usage: make_describe_fixture.py OUT_DIR

OUT_DIR/data/<class>/img<i>.png    12 noisy 16x16 images per class: the top half (the "head") in
                                   the class's head colour, the bottom half (the "wings") in its
                                   wing colour; red, green or blue
OUT_DIR/data/attributes.csv        CUB-style part::value attributes (0..100): has_crown_color,
                                   has_forehead_color, has_nape_color (the head) and
                                   has_wing_color, each ::red ::green ::blue
OUT_DIR/unseen.txt                 the split (classes:FILE): the three one-colour birds are unseen
OUT_DIR/bundle/                    bundle.pt + bundle.json: stage "split" puts the top and bottom
                                   halves into channels 0-2 and 3-5, stage "gate" is relu(x + 1),
                                   so a pooled feature is (head RGB, wing RGB) / 2 + 1

Nine classes: the six two-colour birds (head colour != wing colour) are seen, the three one-colour
birds (red/red, green/green, blue/blue) unseen. Every head colour and every wing colour occurs among
the seen classes, so a linear map from attributes to importances learned on them also covers the
unseen combinations; and only the blue/blue bird has both halves blue, so a classifier learned from
"blue head and blue wings" should rank its images first.
"""
import os
import struct
import sys
import zlib
from typing import List

import torch
import torch.nn as nn

SIZE = 16
COLOURS = {"red": (220, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 220)}
# (folder name, head colour, wing colour, seen)
CLASSES = [
    ("001.Alder_Finch", "red", "green", True),
    ("002.Birch_Finch", "red", "blue", True),
    ("003.Cedar_Finch", "green", "red", True),
    ("004.Dune_Finch", "green", "blue", True),
    ("005.Elm_Finch", "blue", "red", True),
    ("006.Fern_Finch", "blue", "green", True),
    ("007.Le_Conte_Sparrow", "red", "red", False),
    ("008.Green_Jay", "green", "green", False),
    ("009.Blue_Grosbeak", "blue", "blue", False),
]
IMAGES_PER_CLASS = 12
HEAD_PARTS = [("crown", 90), ("forehead", 85), ("nape", 80)]


def png(path, pixels):
    """pixels: SIZE rows of SIZE (r, g, b) tuples -> an 8-bit RGB PNG (no external modules)."""
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def write_images(root, generator):
    for name, head, wing, _ in CLASSES:
        folder = os.path.join(root, "data", name)
        os.makedirs(folder, exist_ok=True)
        for i in range(IMAGES_PER_CLASS):
            noise = torch.randint(0, 30, (SIZE, SIZE, 3), generator=generator).tolist()
            rows = []
            for y in range(SIZE):
                colour = COLOURS[head] if y < SIZE // 2 else COLOURS[wing]
                rows.append([tuple(min(255, c + n) for c, n in zip(colour, noise[y][x])) for x in range(SIZE)])
            png(os.path.join(folder, "img%02d.png" % i), rows)


def write_attributes(root, generator):
    colours = list(COLOURS)
    header = ["class"]
    for part, _ in HEAD_PARTS + [("wing", 90)]:
        header += ["has_%s_color::%s" % (part, c) for c in colours]
    lines = [",".join(header)]
    for name, head, wing, _ in CLASSES:
        row = [name]
        for part, strong in HEAD_PARTS + [("wing", 90)]:
            wanted = wing if part == "wing" else head
            for c in colours:
                jitter = float(torch.randint(-4, 5, (1,), generator=generator))
                row.append("%g" % ((strong if c == wanted else 6) + jitter))
        lines.append(",".join(row))
    with open(os.path.join(root, "data", "attributes.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(root, "unseen.txt"), "w") as f:
        f.write("".join(name + "\n" for name, _, _, seen in CLASSES if not seen))


class Split(nn.Module):
    """RGB -> 6 channels: the top half's colours (0-2) and the bottom half's (3-5), zero elsewhere."""

    def __init__(self):
        super().__init__()
        top = torch.zeros(1, 1, SIZE, 1)
        top[:, :, : SIZE // 2, :] = 1
        self.register_buffer("top", top)

    def forward(self, x):
        return torch.cat([x * self.top, x * (1 - self.top)], 1)


class Gate(nn.Module):
    def forward(self, x):
        return torch.relu(x + 1.0)


class Staged(nn.Module):
    stage_names: List[str]

    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([Split(), Gate()])
        self.classifier = nn.Linear(6, len(CLASSES))
        self.stage_names = ["split", "gate"]

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.classifier(x.mean([2, 3]))


def write_bundle(root):
    folder = os.path.join(root, "bundle")
    os.makedirs(folder, exist_ok=True)
    torch.jit.script(Staged().eval()).save(os.path.join(folder, "bundle.pt"))
    meta = {
        "format": "niwt-bundle/1",
        "name": "two-colour fixture",
        "input": {"width": SIZE, "height": SIZE, "color": "RGB", "range": [0, 1],
                  "mean": [0, 0, 0], "std": [1, 1, 1], "center_crop": 1.0},
        "stages": [{"name": "split", "channels": 6, "height": SIZE, "width": SIZE},
                   {"name": "gate", "channels": 6, "height": SIZE, "width": SIZE}],
        "classifier": {"in": 6, "out": len(CLASSES)},
    }
    import json
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump(meta, f)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_describe_fixture.py OUT_DIR")
    root = sys.argv[1]
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(5)
    write_images(root, generator)
    write_attributes(root, generator)
    write_bundle(root)


if __name__ == "__main__":
    main()
