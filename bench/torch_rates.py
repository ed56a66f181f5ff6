#!/usr/bin/env python3
"""PyTorch's rate on the rows of org.dspn4j.bench.ProductRate, on the same machine: the largest matrix
products and ResNet34 3x3 convolutions (forward, input gradient, weight gradient) of the two training
steps, F32, Gaussian inputs, the gradient of the output taken as the input itself, best of 10 wall-clock
calls after 10 warm-up calls, on 1 and on 2 threads (or the thread counts given). This is the library
the authors' code runs on (torch.matmul through its BLAS, convolutions through oneDNN), so the two
tables side by side show where a step's time goes op by op; the step itself is compared by
`./dspn4j bench mnist-step|clevr-step --authors-code DIR`.

    /usr/bin/python3 bench/torch_rates.py [threads ...]
"""
import os
import sys
import time

try:
    import torch
except ImportError:
    sys.exit("torch_rates.py: PyTorch is not installed for " + sys.executable + " (Debian: apt-get install python3-torch)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from authors_step import isa_info  # noqa: E402


def best_seconds(op):
    for _ in range(10):
        op()
    best = float("inf")
    for _ in range(10):
        t0 = time.perf_counter()
        op()
        best = min(best, time.perf_counter() - t0)
    return best


def row(what, threads, gflop, op):
    s = best_seconds(op)
    plural = " " if threads == 1 else "s"
    print(f"{what:<58} {threads} thread{plural} {s * 1e3:8.2f} ms {gflop / s:6.0f} GFLOP/s")


def cpu_model():
    """The model name with its family and model numbers, as `./dspn4j bench` prints it."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "cpu family", "model") and key not in fields:
                    fields[key] = value.strip()
    except OSError:
        pass
    model = fields.get("model name", "unknown CPU")
    if "cpu family" in fields and "model" in fields:
        model += f" (family {fields['cpu family']}, model {fields['model']})"
    return model


def main():
    try:
        counts = [int(a) for a in sys.argv[1:]] or [1, 2]
    except ValueError:
        counts = [0]
    if any(c < 1 for c in counts):
        sys.exit("torch_rates.py: thread counts must be whole numbers of at least 1, got " + " ".join(sys.argv[1:]))
    isa = ", ".join(f"{k} {v}" for k, v in isa_info(torch).items())
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical CPUs; torch {torch.__version__}: {isa}")
    conv_backward = torch.ops.aten.convolution_backward
    torch.manual_seed(1)
    with torch.no_grad():
        for threads in counts:
            torch.set_num_threads(threads)
            w256, h256 = torch.randn(256, 256), torch.randn(32, 256, 342)
            row("MNIST  matmul (256,256)·(32,256,342)", threads, 2.0 * 256 * 256 * 342 * 32 / 1e9,
                lambda: torch.matmul(w256, h256))
            w512, h512 = torch.randn(512, 512), torch.randn(32, 512, 100)
            row("CLEVR  matmul (512,512)·(32,512,100)", threads, 2.0 * 512 * 512 * 100 * 32 / 1e9,
                lambda: torch.matmul(w512, h512))
            for ch, side in ((64, 32), (128, 16), (256, 8), (512, 4)):
                x, w = torch.randn(32, ch, side, side), torch.randn(ch, ch, 3, 3)
                gflop = 2.0 * 32 * side * side * ch * ch * 9 / 1e9
                shape = f"(32,{ch},{side},{side})·({ch},{ch},3,3)"

                def backward(mask, x=x, w=w):
                    return conv_backward(x, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)

                row("CLEVR  conv2d 3x3 " + shape, threads, gflop,
                    lambda x=x, w=w: torch.nn.functional.conv2d(x, w, padding=1))
                row("CLEVR  conv2dBackwardInput 3x3 " + shape, threads, gflop, lambda: backward([True, False, False]))
                row("CLEVR  conv2dBackwardWeight 3x3 " + shape, threads, gflop, lambda: backward([False, True, False]))


if __name__ == "__main__":
    main()
