#!/usr/bin/env python3
"""Golden outputs for the CLEVR image encoder (ConvEncoder = ResNet34 trunk + head,
docs/reference-behaviour.md §4), written with PyTorch in float64; and, with --bench, the PyTorch side
of the speed comparison.

Run by hand, never by the build:

    /usr/bin/python3 golden/generate_resnet.py            # writes golden/resnet.npz
    /usr/bin/python3 golden/generate_resnet.py --out /tmp/resnet.npz   # elsewhere, to compare with the committed file
    /usr/bin/python3 golden/generate_resnet.py --bench    # float32 forward+backward, batch 32, 128x128, 2 threads

The model has ~25M parameters, so its weights are not stored: they come from a documented seeded
generator that src/test/java/org/dspn4j/nn/SeededWeights.java implements identically.

    mix64(z)        = SplitMix64's finaliser (all arithmetic mod 2^64):
                      z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb; z ^ (z >> 31)
    u(stream, i)    = (mix64((stream << 32) + i + 0x9e3779b97f4a7c15) >> 11) * 2^-53        in [0, 1)
    value           = lo + (hi - lo) * u(stream, i)                                          (in float64)

Element i (row-major) of the k-th tensor of named_parameters() (k = 0, 1, ...) uses stream k and:
    rank-4 weight (convolution)   lo, hi = -a, a with a = sqrt(6 / (fan_in + fan_out)),
                                  fan_in = in*kh*kw, fan_out = out*kh*kw (the Xavier bound)
    rank-1 weight (batch norm γ)  lo, hi = 0.5, 1.5
    bias of a batch norm (β)      lo, hi = -0.5, 0.5
    bias of a convolution         lo, hi = -0.1, 0.1
The images (B, 3, H, W) use stream 1000 with [0, 1); the loss weights w (B, D) stream 1001 with [-1, 1).
Batch-norm buffers start at PyTorch's values (running_mean 0, running_var 1, num_batches_tracked 0).

The case (B = 2, 128x128, D = 512, the authors' true sizes), loss L = sum(w * encode(images)):
  1. training mode: forward (batch statistics; the running statistics are updated once), dL/d(all);
  2. evaluation mode, with the running statistics that step 1 left: forward, dL/d(all).
Stored under "train/" and "eval/":
  act/NN        output of Sequential entry NN: 00..07 = layers.0..7, 08..10 = end.0..2
  out           (B, D), loss (1,)
  grad/image    dL/d(images)
  grad/<name>   dL/d(parameter) for every parameter
Tensors with more than 20,000 elements (except train/grad/image, stored in full) are stored as a
digest under <key>/: sum, l2 (Euclidean norm), amax (max |x|), idx (64 flat indices drawn with numpy's
default_rng(seed = 7919 + running count)), val (the values there). Also:
  state/<name>   every batch-norm buffer after step 1
  keys/state_dict, keys/parameters, keys/buffers: "name<TAB>d0,d1,..." lines (UTF-8 bytes, uint8) of
                 the encoder built on torchvision's resnet34() when torchvision is importable (as the
                 authors do), else on the plain torch.nn trunk below (checked identical when both exist)
  gen/<name>     the first 16 generated values of a few tensors, to check the generators agree bit for bit
  meta/generator_version, meta/torchvision_checked (1 when the plain trunk was checked against torchvision)
"""
import argparse
import math
import os
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn as nn

GENERATOR_VERSION = 1
B, SIDE, LATENT = 2, 128, 512
IMAGE_STREAM, LOSS_STREAM = 1000, 1001
FULL_LIMIT = 20000
DIGEST_POINTS = 64


# ---------------------------------------------------------------- the model (torchvision layout, plain torch.nn)

class BasicBlock(nn.Module):
    """torchvision's BasicBlock: conv3x3(stride)-bn-relu-conv3x3-bn, + identity or 1x1 conv(stride)+bn, relu."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


def plain_trunk():
    """resnet34() without avgpool and fc, as nn.Sequential (the authors' children()[:-2])."""
    mods = [nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(3, stride=2, padding=1)]
    cin = 64
    for s, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        stage = []
        for b in range(blocks):
            stage.append(BasicBlock(cin, width, 2 if s > 0 and b == 0 else 1))
            cin = width
        mods.append(nn.Sequential(*stage))
    return nn.Sequential(*mods)


def torchvision_trunk():
    try:
        import torchvision
    except ImportError:
        return None
    return nn.Sequential(*list(torchvision.models.resnet34().children())[:-2])


class ConvEncoder(nn.Module):
    """The authors' ConvEncoder: trunk, then conv 512->512 3x3/2 pad 1, BN, conv 512->D 2x2; no ReLU."""

    def __init__(self, trunk, latent):
        super().__init__()
        self.layers = trunk
        self.end = nn.Sequential(nn.Conv2d(512, 512, 3, stride=2, padding=1), nn.BatchNorm2d(512),
                                 nn.Conv2d(512, latent, 2))

    def forward(self, x):
        x = self.end(self.layers(x))
        return x.view(x.size(0), -1)


# ---------------------------------------------------------------- the seeded generator

def mix64(z):
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(stream, n, lo, hi):
    """n values lo + (hi - lo) * u(stream, i), i = 0..n-1, float64."""
    with np.errstate(over="ignore"):
        i = np.arange(n, dtype=np.uint64)
        z = mix64((np.uint64(stream) << np.uint64(32)) + i + np.uint64(0x9E3779B97F4A7C15))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return lo + (hi - lo) * u


def param_range(name, shape, shapes):
    if name.endswith("weight") and len(shape) == 4:
        fan_in = shape[1] * shape[2] * shape[3]
        fan_out = shape[0] * shape[2] * shape[3]
        a = math.sqrt(6.0 / (fan_in + fan_out))
        return -a, a
    if name.endswith("weight") and len(shape) == 1:
        return 0.5, 1.5
    if name.endswith("bias"):
        sibling = shapes[name[:-len("bias")] + "weight"]
        return (-0.5, 0.5) if len(sibling) == 1 else (-0.1, 0.1)
    raise ValueError(f"no generator rule for {name} {shape}")


def seeded_weights(model):
    named = list(model.named_parameters())
    shapes = {n: tuple(p.shape) for n, p in named}
    with torch.no_grad():
        for k, (name, p) in enumerate(named):
            lo, hi = param_range(name, tuple(p.shape), shapes)
            p.copy_(torch.from_numpy(uniform(k, p.numel(), lo, hi).reshape(tuple(p.shape))))


# ---------------------------------------------------------------- recording

def key_lines(items):
    text = "".join(f"{n}\t{','.join(str(d) for d in t.shape)}\n" for n, t in items)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


class Recorder:
    def __init__(self):
        self.arrays = {}
        self.digests = 0

    def put(self, key, t, full=False):
        a = np.ascontiguousarray(t.detach().numpy() if torch.is_tensor(t) else t)
        if full or a.size <= FULL_LIMIT:
            self.arrays[key] = a
            return
        flat = a.reshape(-1).astype(np.float64)
        rng = np.random.default_rng(7919 + self.digests)
        self.digests += 1
        idx = np.sort(rng.choice(flat.size, size=DIGEST_POINTS, replace=False)).astype(np.int64)
        self.arrays[key + "/sum"] = np.array([flat.sum()])
        self.arrays[key + "/l2"] = np.array([np.sqrt(np.dot(flat, flat))])
        self.arrays[key + "/amax"] = np.array([np.abs(flat).max()])
        self.arrays[key + "/idx"] = idx
        self.arrays[key + "/val"] = flat[idx]


def run_mode(enc, images, w, rec, prefix):
    acts = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: acts.append(out.clone()))
             for m in list(enc.layers) + list(enc.end)]
    images = images.clone().requires_grad_()
    out = enc(images)
    for h in hooks:
        h.remove()
    loss = (w * out).sum()
    names = [n for n, _ in enc.named_parameters()]
    grads = torch.autograd.grad(loss, [images] + [p for _, p in enc.named_parameters()])
    for i, a in enumerate(acts):
        rec.put(f"{prefix}act/{i:02d}", a)
    rec.put(f"{prefix}out", out)
    rec.put(f"{prefix}loss", loss.reshape(1))
    rec.put(f"{prefix}grad/image", grads[0], full=prefix == "train/")
    for n, g in zip(names, grads[1:]):
        rec.put(f"{prefix}grad/{n}", g)
    return out


def generate(path):
    torch.set_default_dtype(torch.float64)
    tv = torchvision_trunk()
    enc = ConvEncoder(plain_trunk(), LATENT)
    seeded_weights(enc)
    checked = 0
    if tv is not None:
        tv_enc = ConvEncoder(tv, LATENT)
        ours = [(n, tuple(t.shape)) for n, t in enc.state_dict().items()]
        theirs = [(n, tuple(t.shape)) for n, t in tv_enc.state_dict().items()]
        assert ours == theirs, "the plain trunk's state_dict differs from torchvision's"
        tv_enc.load_state_dict(enc.state_dict())
        x = torch.from_numpy(uniform(IMAGE_STREAM, B * 3 * SIDE * SIDE, 0.0, 1.0).reshape(B, 3, SIDE, SIDE))
        with torch.no_grad():
            tv_enc.eval()
            enc.eval()
            assert torch.equal(tv_enc(x), enc(x)), "the plain trunk computes differently from torchvision's"
            enc.train()
        keys_model = tv_enc
        checked = 1
    else:
        keys_model = enc
    n_params = sum(p.numel() for p in keys_model.layers.parameters())
    assert n_params == 21797672 - (512 * 1000 + 1000), n_params  # torchvision resnet34 minus fc

    rec = Recorder()
    rec.put("meta/generator_version", np.array([GENERATOR_VERSION], dtype=np.int64))
    rec.put("meta/torchvision_checked", np.array([checked], dtype=np.int64))
    rec.put("meta/config", np.array([B, SIDE, LATENT], dtype=np.int64))
    rec.put("keys/state_dict", key_lines(keys_model.state_dict().items()))
    rec.put("keys/parameters", key_lines(keys_model.named_parameters()))
    rec.put("keys/buffers", key_lines(keys_model.named_buffers()))

    images = torch.from_numpy(uniform(IMAGE_STREAM, B * 3 * SIDE * SIDE, 0.0, 1.0).reshape(B, 3, SIDE, SIDE))
    w = torch.from_numpy(uniform(LOSS_STREAM, B * LATENT, -1.0, 1.0).reshape(B, LATENT))
    sd = enc.state_dict()
    for name in ["layers.0.weight", "layers.1.weight", "layers.1.bias", "end.0.bias", "end.2.weight"]:
        rec.put(f"gen/{name}", sd[name].reshape(-1)[:16])
    rec.put("gen/image", images.reshape(-1)[:16])
    rec.put("gen/w", w.reshape(-1)[:16])

    enc.train()
    run_mode(enc, images, w, rec, "train/")
    for n, b in enc.named_buffers():
        rec.put(f"state/{n}", b, full=True)
    enc.eval()
    run_mode(enc, images, w, rec, "eval/")

    np.savez_compressed(path, **rec.arrays)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB, {len(rec.arrays)} arrays, {rec.digests} digests), "
          f"torch {torch.__version__}, torchvision checked: {bool(checked)}")


# ---------------------------------------------------------------- speed

def bench(batch, side, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    enc = ConvEncoder(plain_trunk(), LATENT).float()
    for m in enc.modules():  # the authors' re-initialisation (dspn/model.py:Net.__init__ at be3703b)
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                m.bias.data.zero_()
    enc.train()
    params = list(enc.parameters())
    images = torch.rand(batch, 3, side, side)

    def step():
        loss = enc(images).sum()
        torch.autograd.grad(loss, params)
        return loss.item()

    print(f"PyTorch {torch.__version__} ConvEncoder forward+backward: batch {batch}, {side}x{side}, float32, "
          f"{torch.get_num_threads()} threads")
    step()  # warm-up
    secs = []
    for s in range(steps):
        t0 = time.perf_counter()
        loss = step()
        secs.append(time.perf_counter() - t0)
        print(f"  step {s}: {secs[-1]:.2f} s (loss {loss:.6g})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
    print(f"median {statistics.median(secs):.2f} s/step, peak RSS {peak:.2f} GiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "resnet.npz"))
    ap.add_argument("--bench", action="store_true", help="time forward+backward instead of writing goldens")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--side", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.bench:
        bench(args.batch, args.side, args.steps, args.threads)
    else:
        generate(args.out)


if __name__ == "__main__":
    main()
