#!/usr/bin/env python3
"""Golden trace of the full CLEVR-state DSPN at the authors' sizes (ResNet34 + head, RN-FSPool set
encoder H = D = 512, N = 10, T = 10, eta = 800, lambda = 0.1, Hungarian on the final set), batch 2,
128x128 images, one training step in float64. Run by hand, never by the build:

    /usr/bin/python3 golden/generate_clevr_trace.py      # writes golden/clevr_state_trace.npz
    /usr/bin/python3 golden/generate_clevr_trace.py --out /tmp/clevr_state_trace.npz   # elsewhere, to compare

No weights are stored. They come from the seeded generator documented in generate_resnet.py
(u(stream, i) via SplitMix64's finaliser), implemented identically in Java
(src/test/java/org/dspn4j/nn/SeededWeights.java):
  * input_encoder.*: exactly generate_resnet.seeded_weights (streams 0, 1, ... over its parameters);
  * set_encoder.* and set_decoder.*: the k-th of their parameters (state_dict order, set_encoder first,
    DSPN's own copy of the encoder skipped) uses stream 2000 + k with range
      rank >= 2 weight: Xavier bound +-sqrt(6/(fan_in+fan_out)) (fan over the trailing 1x1 kernel dims),
      bias: +-0.1,  pool.weight: [-1.5, 1.5),  starting_set: [0, 1),  starting_mask: [0.2, 0.8).
Images: stream 1000 in [0, 1). Targets are stored (small).
Stored: input/target_set (2,18,10), input/target_mask (2,10); out/sets (11,2,18,10), out/masks (11,2,10),
out/inner_losses (10), out/z, out/target_repr (2,512), out/set_loss (1), out/repr_loss (1), out/loss (1);
grad/<name> in full for tensors up to 20,000 elements, else a digest grad/<name>/{sum,l2,idx,val}
(idx = 64 evenly spaced flat indices i*n//64).
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate_resnet as gr  # noqa: E402
import reference_model as rm  # noqa: E402

GENERATOR_VERSION = 1
torch.set_default_dtype(torch.float64)


def set_range(name, shape):
    if name.endswith("starting_set"):
        return 0.0, 1.0
    if name.endswith("starting_mask"):
        return 0.2, 0.8
    if name.endswith("pool.weight"):
        return -1.5, 1.5
    if name.endswith("bias"):
        return -0.1, 0.1
    field = 1
    for d in shape[2:]:
        field *= d
    a = math.sqrt(6.0 / (shape[1] * field + shape[0] * field))
    return -a, a


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "clevr_state_trace.npz"))
    path = ap.parse_args().out
    b, n, d = 2, 10, 512
    enc = gr.ConvEncoder(gr.plain_trunk(), d)
    net = rm.SetNet("clevr-state", "dspn", n, d, d, 10, 800.0, input_encoder=enc)
    gr.seeded_weights(net.input_encoder)
    k = 0
    with torch.no_grad():
        for name, p in net.named_parameters():  # named_parameters skips the shared encoder's second name
            if name.startswith("input_encoder."):
                continue
            lo, hi = set_range(name, tuple(p.shape))
            p.copy_(torch.from_numpy(gr.uniform(2000 + k, p.numel(), lo, hi).reshape(tuple(p.shape))))
            k += 1
    images = torch.from_numpy(gr.uniform(1000, b * 3 * 128 * 128, 0.0, 1.0).reshape(b, 3, 128, 128))
    rng = np.random.default_rng(11)
    ts = np.zeros((b, 18, n))
    tm = np.zeros((b, n))
    for i, size in enumerate((3, 5)):
        for j in range(size):
            ts[i, 0:3, j] = rng.uniform(-1, 1, 3) / 1.0
            ts[i, 2, j] = rng.choice([0.7, 0.35]) / 3
            for lo, hi in ((3, 5), (5, 13), (13, 16), (16, 18)):
                ts[i, lo + rng.integers(0, hi - lo), j] = 1.0
            tm[i, j] = 1.0
    target_set, target_mask = torch.from_numpy(ts), torch.from_numpy(tm)
    net.train()
    out = net(images, target_set, target_mask)
    (sets, masks, inner), target_repr, z = out
    loss, per_step, repr_loss = rm.outer_loss(net, out, target_set, target_mask)
    named = list(net.named_parameters())
    grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
    rec = {"meta/generator_version": np.array([GENERATOR_VERSION], dtype=np.int64),
           "input/target_set": ts, "input/target_mask": tm}
    for key, v in (("sets", torch.stack(sets)), ("masks", torch.stack(masks)), ("inner_losses", torch.stack(inner)),
                   ("z", z), ("target_repr", target_repr), ("set_loss", per_step.reshape(-1)),
                   ("repr_loss", repr_loss.reshape(1)), ("loss", loss.reshape(1))):
        rec["out/" + key] = np.array(v.detach().numpy(), dtype=np.float64, order="C")
    for (name, p), g in zip(named, grads):
        g = np.zeros(tuple(p.shape)) if g is None else g.detach().numpy()
        flat = np.array(g, dtype=np.float64).reshape(-1)
        if flat.size <= 20000:
            rec["grad/" + name] = np.array(g, dtype=np.float64, order="C")
        else:
            idx = (np.arange(64, dtype=np.int64) * flat.size) // 64
            rec[f"grad/{name}/sum"] = np.array([flat.sum()])
            rec[f"grad/{name}/l2"] = np.array([np.sqrt((flat * flat).sum())])
            rec[f"grad/{name}/idx"] = idx
            rec[f"grad/{name}/val"] = flat[idx]
    np.savez_compressed(path, **rec)
    print(f"wrote {path}: loss {loss.item():.6f}, inner losses {[round(x.item(), 6) for x in inner]}")


if __name__ == "__main__":
    main()
