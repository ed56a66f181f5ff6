#!/usr/bin/env python3
"""PyTorch's time and peak memory for one MNIST DSPN training step (golden/reference_model.py):
decode with create_graph, Chamfer over all T+1 steps (the authors' all-pairs form), outer backward,
Adam. Prints one JSON line: {"median_s": ..., "times_s": [...], "peak_rss_mb": ...}.

    /usr/bin/python3 bench/mnist_step.py --batch 32 --steps 3 --threads 2 [--device cuda]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import reference_model as rm  # noqa: E402


def vm_hwm_mb():
    """Peak resident memory of this process (Linux VmHWM). ru_maxrss is not used: Linux carries it
    over from the parent across exec, so a child started by a large JVM would report the JVM's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    net = rm.SetNet("mnist", "dspn", 342, 64, 256, 10, 800.0).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(args.steps + 1):  # the first step warms up
        b = args.batch
        sets = np.zeros((b, 2, 342), dtype=np.float32)
        masks = np.zeros((b, 342), dtype=np.float32)
        for i in range(b):
            n = int(rng.integers(100, 250))
            sets[i, :, :n] = rng.random((2, n))
            masks[i, :n] = 1
        ts, tm = torch.from_numpy(sets).to(dev), torch.from_numpy(masks).to(dev)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = net(None, ts, tm)
        loss, _, _ = rm.outer_loss(net, out, ts, tm)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    peak_mb = vm_hwm_mb()
    print(json.dumps({"median_s": statistics.median(times[1:]), "times_s": times[1:], "peak_rss_mb": peak_mb,
                      "torch": torch.__version__, "threads": args.threads, "batch": args.batch}))


if __name__ == "__main__":
    main()
