#!/usr/bin/env python3
"""Independent golden outputs for dspn4j, written with PyTorch in float64.

Run by hand, never by the build:

    /usr/bin/python3 golden/generate.py            # Debian's python3-torch (1.13) or any recent PyTorch

Writes golden/ops.npz. Each op case stores, under "<case>/":
  x0, x1, ...   the inputs (float64; index tensors are fixed in the case and stored as idx)
  out           op(x)
  w             a fixed upstream weight; the scalar checked is f = sum(0.3 * out**3 + w * out)
  grad0, ...    df/dx_i
  v0, ...       random directions
  hvp0, ...     d/dx_i <grad f, v>  (second order: the gradient of the gradient dotted with v)
and "meta/generator_version" (int64). GENERATOR_VERSION changes whenever the content changes.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

GENERATOR_VERSION = 1
torch.set_default_dtype(torch.float64)


def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return 0.5 + 2.0 * rng.random(shape)


def away_from_zero(rng, shape):
    return (0.2 + 1.8 * rng.random(shape)) * rng.choice([-1.0, 1.0], size=shape)


def huber_gen(rng, shape):
    small = 0.1 + 0.8 * rng.random(shape)
    large = 1.1 + 1.5 * rng.random(shape)
    m = np.where(rng.random(shape) < 0.5, small, large)
    return m * rng.choice([-1.0, 1.0], size=shape)


def clamp_gen(rng, shape):
    small = 0.45 * rng.random(shape)
    large = 0.6 + rng.random(shape)
    m = np.where(rng.random(shape) < 0.5, small, large)
    return m * rng.choice([-1.0, 1.0], size=shape)


GATHER_IDX = torch.tensor([[0, 0, 3], [2, 1, 2]])
SCATTER_IDX = torch.tensor([[0, 0], [2, 1]])

# name -> (input shapes, generator, function of the input list)
CASES = {
    "add": ([(2, 3), (3,)], normal, lambda x: x[0] + x[1]),
    "sub": ([(2, 1, 3), (4, 1)], normal, lambda x: x[0] - x[1]),
    "mul": ([(2, 3), (2, 1)], normal, lambda x: x[0] * x[1]),
    "div": ([(2, 3), (3,)], positive, lambda x: x[0] / x[1]),
    "scale": ([(2, 3)], normal, lambda x: x[0] / 342.0),
    "neg": ([(4,)], normal, lambda x: -x[0]),
    "affine": ([(4,)], normal, lambda x: x[0] * -1.5 + 0.25),
    "exp": ([(2, 2)], normal, lambda x: torch.exp(x[0])),
    "log": ([(2, 2)], positive, lambda x: torch.log(x[0])),
    "sqrt": ([(2, 2)], positive, lambda x: torch.sqrt(x[0])),
    "pow": ([(3,)], positive, lambda x: x[0] ** 2.5),
    "abs": ([(5,)], away_from_zero, lambda x: torch.abs(x[0])),
    "relu": ([(6,)], away_from_zero, lambda x: torch.relu(x[0])),
    "sigmoid": ([(5,)], normal, lambda x: torch.sigmoid(x[0])),
    "tanh": ([(5,)], normal, lambda x: torch.tanh(x[0])),
    "clamp": ([(8,)], clamp_gen, lambda x: torch.clamp(x[0], -0.5, 0.5)),
    "smooth_l1": ([(8,)], huber_gen,
                  lambda x: F.smooth_l1_loss(x[0], torch.zeros_like(x[0]), reduction="none", beta=1.0)),
    "sum_dims02": ([(2, 3, 2)], normal, lambda x: x[0].sum(dim=(0, 2))),
    "sum_keepdim": ([(2, 3)], normal, lambda x: x[0].sum(dim=1, keepdim=True)),
    "mean0": ([(2, 3)], normal, lambda x: x[0].mean(dim=0)),
    "max1": ([(2, 4)], normal, lambda x: x[0].max(dim=1).values),
    "matmul": ([(3, 4), (4, 2)], normal, lambda x: x[0] @ x[1]),
    "bmm": ([(2, 3, 4), (2, 4, 2)], normal, lambda x: x[0] @ x[1]),
    "matmul_bcast": ([(3, 4), (2, 4, 5)], normal, lambda x: x[0] @ x[1]),
    "reshape": ([(2, 6)], normal, lambda x: x[0].reshape(3, 4) * x[0].reshape(3, 4)),
    "permute": ([(2, 3, 4)], normal, lambda x: x[0].permute(2, 0, 1)),
    "transpose": ([(3, 4), (4, 3)], normal, lambda x: x[0].t() * x[1]),
    "expand": ([(1, 3)], normal, lambda x: x[0].expand(4, 3)),
    "concat": ([(2, 3), (2, 2)], normal, lambda x: torch.cat([x[0], x[1]], dim=1)),
    "slice": ([(3, 5)], normal, lambda x: x[0][:, 1:4]),
    "pad_slice": ([(2, 2)], normal, lambda x: F.pad(x[0], (0, 0, 1, 1))),
    "gather": ([(2, 4)], normal, lambda x: torch.gather(x[0], 1, GATHER_IDX)),
    "scatter_add": ([(2, 3), (2, 2)], normal, lambda x: x[0].scatter_add(1, SCATTER_IDX, x[1])),
    "sort_weights": ([(2, 5), (2, 5)], normal,
                     lambda x: torch.sort(x[0], dim=1, descending=True).values * x[1]),
    "conv2d_s2p1": ([(2, 2, 5, 5), (3, 2, 3, 3), (3,)], normal,
                    lambda x: F.conv2d(x[0], x[1], x[2], stride=2, padding=1)),
    "conv2d_2x2": ([(1, 3, 4, 4), (2, 3, 2, 2)], normal, lambda x: F.conv2d(x[0], x[1])),
    "conv2d_1x1": ([(2, 3, 2, 2), (4, 3, 1, 1), (4,)], normal, lambda x: F.conv2d(x[0], x[1], x[2])),
    "max_pool": ([(1, 2, 5, 5)], normal, lambda x: F.max_pool2d(x[0], 3, stride=2, padding=1)),
}


def op_case(name, shapes, gen, fn, rng):
    xs = [torch.tensor(gen(rng, s), requires_grad=True) for s in shapes]
    out = fn(xs)
    w = torch.tensor(rng.standard_normal(tuple(out.shape)))
    f = (0.3 * out ** 3 + w * out).sum()
    grads = torch.autograd.grad(f, xs, create_graph=True)
    vs = [torch.tensor(rng.standard_normal(s)) for s in shapes]
    h = sum((g * v).sum() for g, v in zip(grads, vs))
    hvps = torch.autograd.grad(h, xs, allow_unused=True)
    rec = {"out": out, "w": w}
    for i, x in enumerate(xs):
        rec[f"x{i}"] = x
        rec[f"grad{i}"] = grads[i]
        rec[f"v{i}"] = vs[i]
        rec[f"hvp{i}"] = hvps[i] if hvps[i] is not None else torch.zeros_like(x)
    return {f"{name}/{k}": v.detach().numpy().astype(np.float64) for k, v in rec.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    rng = np.random.default_rng(20191206)
    arrays = {"meta/generator_version": np.array([GENERATOR_VERSION], dtype=np.int64)}
    for name, (shapes, gen, fn) in CASES.items():
        arrays.update(op_case(name, shapes, gen, fn, rng))
    path = os.path.join(args.out, "ops.npz")
    np.savez(path, **arrays)
    print(f"wrote {path}: {len(CASES)} op cases, torch {torch.__version__}, generator v{GENERATOR_VERSION}")


if __name__ == "__main__":
    main()
