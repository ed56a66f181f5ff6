#!/usr/bin/env python3
"""Independent golden outputs for dspn4j, written with PyTorch in float64.

Run by hand, never by the build:

    /usr/bin/python3 golden/generate.py            # Debian's python3-torch (1.13) or any recent PyTorch
    /usr/bin/python3 golden/generate.py --out /tmp/golden   # elsewhere, to compare with the committed files

Writes <out>/ops.npz (single ops), <out>/optim.npz (torch.optim.Adam), <out>/models.npz (whole models, see
MODEL_CASES) and, for each of golden/roundtrip/mnist_{dspn,mlp}_weights.npz that exists (weights written by
`dspn4j export-weights`, see golden/README.md; --weights names another folder holding them),
<out>/roundtrip/mnist_<decoder>_{input,trace}.npz; <out> is golden/ unless --out is given.
Each op case stores, under "<case>/":
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

import reference_model as rm

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
    return {f"{name}/{k}": np.ascontiguousarray(v.detach().numpy(), dtype=np.float64) for k, v in rec.items()}


class DirectLatent(torch.nn.Module):
    """A stand-in input encoder for the CLEVR set cases: z is a parameter, the images are ignored."""

    def __init__(self, b, d):
        super().__init__()
        self.z = torch.nn.Parameter(torch.randn(b, d))

    def forward(self, images):
        return self.z


def random_sets(rng, b, c, n, min_size):
    """Targets: random features in [0, 1) for the first size_b slots, zero padding, mask 1/0."""
    sets = np.zeros((b, c, n))
    masks = np.zeros((b, n))
    for i in range(b):
        size = rng.integers(min_size, n + 1)
        sets[i, :, :size] = rng.random((c, size))
        masks[i, :size] = 1.0
    return torch.tensor(sets), torch.tensor(masks)


# name -> (task, decoder, B, N, latent, hidden, T, eta, options)
MODEL_CASES = {
    "mnist_dspn": ("mnist", "dspn", 3, 10, 8, 16, 3, 800.0, {}),
    "mnist_dspn_eval": ("mnist", "dspn", 3, 10, 8, 16, 3, 800.0, {"eval": True}),
    "mnist_dspn_f32ratios": ("mnist", "dspn", 2, 9, 6, 12, 2, 400.0, {"float32_ratios": True}),
    "mnist_mlp": ("mnist", "mlp", 3, 10, 8, 16, 0, 0.0, {}),
    "mnist_rnn_plus1": ("mnist", "rnn", 3, 10, 8, 16, 0, 0.0, {"plus1": True}),
    "clevr_state_dspn": ("clevr-state", "dspn", 2, 4, 8, 16, 3, 200.0, {}),
    "clevr_box_dspn_all_steps": ("clevr-box", "dspn", 2, 3, 8, 16, 2, 200.0, {"hungarian_all": True}),
    "clevr_box_mlp": ("clevr-box", "mlp", 2, 3, 8, 16, 0, 0.0, {}),
    "clevr_state_rnn": ("clevr-state", "rnn", 2, 4, 8, 16, 0, 0.0, {}),
}


def model_case(name, spec, seed):
    task, decoder, b, n, latent, hidden, iters, eta, opt = spec
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    c = {"mnist": 2, "clevr-box": 4, "clevr-state": 18}[task]
    inp = DirectLatent(b, latent) if task != "mnist" else None
    net = rm.SetNet(task, decoder, n, latent, hidden, iters, eta, plus1=opt.get("plus1", False),
                    float32_ratios=opt.get("float32_ratios", False), input_encoder=inp)
    with torch.no_grad():  # move every parameter off its initial value so zero biases do not hide bugs
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    target_set, target_mask = random_sets(rng, b, c, n, max(1, n // 2))
    rec = {}
    for pname, p in net.named_parameters():
        rec[f"param/{pname}"] = p
    rec["input/target_set"] = target_set
    rec["input/target_mask"] = target_mask
    if opt.get("eval"):
        net.eval()
        with torch.no_grad():
            (sets, masks, inner), _, z = net(None, target_set, target_mask)
        rec["out/z"] = z
    else:
        out = net(None, target_set, target_mask)
        (sets, masks, inner), target_repr, z = out
        loss, per_step, repr_loss = rm.outer_loss(net, out, target_set, target_mask,
                                                  hungarian_all=opt.get("hungarian_all", False))
        params = [p for _, p in net.named_parameters()]
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for (pname, p), g in zip(net.named_parameters(), grads):
            rec[f"grad/{pname}"] = g if g is not None else torch.zeros_like(p)
        rec["out/loss"] = loss.reshape(1)
        rec["out/set_loss"] = per_step.reshape(-1)
        rec["out/z"] = z
        rec["out/target_repr"] = target_repr
        if repr_loss is not None:
            rec["out/repr_loss"] = repr_loss.reshape(1)
    rec["out/sets"] = torch.stack(sets)
    rec["out/masks"] = torch.stack(masks)
    if inner:
        rec["out/inner_losses"] = torch.stack(inner)
    header = np.array([b, n, latent, hidden, iters], dtype=np.int64)
    arrays = {f"{name}/{k}": np.ascontiguousarray(v.detach().numpy(), dtype=np.float64) for k, v in rec.items()}
    arrays[f"{name}/config"] = header
    arrays[f"{name}/eta"] = np.array([eta])
    return arrays


def adam_case(rng):
    """torch.optim.Adam on f(p) = sum(0.3 p^3 + w p) for 5 steps, lr 0.01 (PyTorch semantics)."""
    p = torch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = torch.tensor(rng.standard_normal((3, 4)))
    opt = torch.optim.Adam([p], lr=0.01)
    rec = {"adam/p0": p.detach().clone(), "adam/w": w}
    grads = []
    for _ in range(5):
        opt.zero_grad()
        f = (0.3 * p ** 3 + w * p).sum()
        f.backward()
        grads.append(p.grad.detach().clone())
        opt.step()
    rec["adam/p5"] = p.detach().clone()
    st = opt.state[p]
    rec["adam/exp_avg"] = st["exp_avg"]
    rec["adam/exp_avg_sq"] = st["exp_avg_sq"]
    return {k: np.ascontiguousarray(v.numpy(), dtype=np.float64) for k, v in rec.items()}


ROUNDTRIP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "roundtrip")


def roundtrip(decoder, iters, eta, seed, weights_dir, out_dir):
    """Loads weights that dspn4j wrote (`dspn4j export-weights ... --dtype f64`, see golden/README.md) into
    this reference model with a strict state_dict load, and writes the trace of one training step."""
    wfile = os.path.join(weights_dir, f"mnist_{decoder}_weights.npz")
    w = np.load(wfile)
    state = {k: torch.from_numpy(w[k]) for k in w.files if not k.startswith("meta/")}
    n = state["set_encoder.conv.0.weight"].shape[0]
    latent = state["set_encoder.pool.weight"].shape[0]
    size = 10
    net = rm.SetNet("mnist", decoder, size, latent, n, iters, eta)
    net.load_state_dict(state, strict=True)
    rng = np.random.default_rng(seed)
    target_set, target_mask = random_sets(rng, 3, 2, size, 5)
    np.savez(os.path.join(out_dir, f"mnist_{decoder}_input.npz"), target_set=target_set.numpy(),
             target_mask=target_mask.numpy())
    out = net(None, target_set, target_mask)
    (sets, masks, inner), target_repr, z = out
    loss, per_step, _ = rm.outer_loss(net, out, target_set, target_mask)
    names = [k for k, _ in net.named_parameters()]
    grads = torch.autograd.grad(loss, [p for _, p in net.named_parameters()], allow_unused=True)
    rec = {"sets": torch.stack(sets), "masks": torch.stack(masks), "z": z, "target_repr": target_repr,
           "set_loss": per_step.reshape(-1), "outer_loss": loss}
    if inner:
        rec["inner_losses"] = torch.stack(inner)
    for k, g in zip(names, grads):
        rec[f"grad/{k}"] = g if g is not None else torch.zeros_like(dict(net.named_parameters())[k])
    arrays = {k: np.array(v.detach().numpy(), dtype=np.float64, order="C") for k, v in rec.items()}
    np.savez(os.path.join(out_dir, f"mnist_{decoder}_trace.npz"), **arrays)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="folder to write into (default: golden/); the round-trip files go to its roundtrip/")
    ap.add_argument("--weights", default=ROUNDTRIP,
                    help="folder holding mnist_{dspn,mlp}_weights.npz from dspn4j export-weights (default: golden/roundtrip)")
    args = ap.parse_args()
    rng = np.random.default_rng(20191206)
    arrays = {"meta/generator_version": np.array([GENERATOR_VERSION], dtype=np.int64)}
    for name, (shapes, gen, fn) in CASES.items():
        arrays.update(op_case(name, shapes, gen, fn, rng))
    path = os.path.join(args.out, "ops.npz")
    optim = {"meta/generator_version": np.array([GENERATOR_VERSION], dtype=np.int64)}
    optim.update(adam_case(np.random.default_rng(5)))
    np.savez(os.path.join(args.out, "optim.npz"), **optim)
    np.savez(path, **arrays)
    print(f"wrote {path}: {len(CASES)} op cases, torch {torch.__version__}, generator v{GENERATOR_VERSION}")
    models = {"meta/generator_version": np.array([GENERATOR_VERSION], dtype=np.int64)}
    for i, (name, spec) in enumerate(MODEL_CASES.items()):
        models.update(model_case(name, spec, 100 + i))
    path = os.path.join(args.out, "models.npz")
    np.savez_compressed(path, **models)
    print(f"wrote {path}: {len(MODEL_CASES)} model cases")
    out_dir = os.path.join(args.out, "roundtrip")
    for decoder, iters in (("dspn", 3), ("mlp", 0)):
        wfile = os.path.join(args.weights, f"mnist_{decoder}_weights.npz")
        if os.path.exists(wfile):
            os.makedirs(out_dir, exist_ok=True)
            roundtrip(decoder, iters, 800.0, 7, args.weights, out_dir)
            print(f"wrote {out_dir}/mnist_{decoder}_{{input,trace}}.npz from dspn4j's weights {wfile}")
        else:
            print(f"skipped the {decoder} round trip: no {wfile}")


if __name__ == "__main__":
    main()
