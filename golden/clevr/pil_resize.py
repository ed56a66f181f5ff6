#!/usr/bin/python3
"""Reference outputs of Pillow's bilinear resize for dspn4j's RgbImage.resizeBilinear.

Run by hand with Debian's python3-pil (never called by the build):

    /usr/bin/python3 golden/clevr/pil_resize.py                     # writes src/test/resources/clevr/pil/
    /usr/bin/python3 golden/clevr/pil_resize.py --out /tmp/pil      # elsewhere, to compare with the committed files

It does what the DSPN authors' preprocess-images.py does to each CLEVR image --
Image.open(path).convert("RGB").resize(size, Image.BILINEAR), the call behind torchvision's
Resize((128, 128)) -- on a few committed test images, and stores the uint8 results as PNG under
src/test/resources/clevr/pil/ together with cases.txt, which PilResizeTest reads:
one line per case, "<input> <width> <height> <expected>", paths relative to src/test/resources/clevr/.

Inputs: the three fixture renders in mini/images/val/ (480x320; CLEVR_val_000000.png is RGBA)
and two noise images written here from a fixed numpy seed: noise_120x80.png (RGB; the same
3.75 x 2.5 downscale factors as 480x320 -> 128x128 at a tenth of the size) and noise_37x23.png
(RGBA with random alpha, to check that alpha is dropped without compositing).
"""
import argparse
import os

import numpy as np
import PIL
from PIL import Image

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "src", "test", "resources", "clevr"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "pil"),
                    help="folder to write into (default: src/test/resources/clevr/pil)")
    OUT = ap.parse_args().out
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(20191208)
    Image.fromarray(rng.randint(0, 256, (80, 120, 3), dtype=np.uint8), "RGB").save(
        os.path.join(OUT, "noise_120x80.png"))
    Image.fromarray(rng.randint(0, 256, (23, 37, 4), dtype=np.uint8), "RGBA").save(
        os.path.join(OUT, "noise_37x23.png"))

    cases = [
        ("mini/images/val/CLEVR_val_000000.png", 128, 128),
        ("mini/images/val/CLEVR_val_000001.png", 128, 128),
        ("mini/images/val/CLEVR_val_000015.png", 128, 128),
        ("pil/noise_120x80.png", 32, 32),      # downscale 3.75 x 2.5, as 480x320 -> 128x128
        ("pil/noise_120x80.png", 128, 128),    # upscale 1.07 x 1.6
        ("pil/noise_120x80.png", 120, 47),     # vertical pass only
        ("pil/noise_120x80.png", 53, 80),      # horizontal pass only
        ("pil/noise_37x23.png", 128, 128),     # upscale, RGBA input
        ("pil/noise_37x23.png", 5, 3),         # strong downscale
    ]
    lines = []
    for src, w, h in cases:
        path = os.path.join(OUT, src[len("pil/"):]) if src.startswith("pil/") else os.path.join(ROOT, src)
        img = Image.open(path).convert("RGB")  # the noise images just written, the fixture renders
        out = img.resize((w, h), Image.BILINEAR)
        name = os.path.splitext(os.path.basename(src))[0] + "_%dx%d.png" % (w, h)
        out.save(os.path.join(OUT, name))
        lines.append("%s %d %d pil/%s" % (src, w, h, name))
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("# written by golden/clevr/pil_resize.py with Pillow %s\n" % PIL.__version__)
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
