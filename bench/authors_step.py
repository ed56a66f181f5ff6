#!/usr/bin/env python3
"""The authors' own training step (github.com/Cyanogenoid/dspn at be3703b), timed on synthetic
batches: their modules are imported at run time from --authors-code (nothing of theirs is copied
here) and one batch goes through exactly what train.py:main.run does per batch in training:

    (progress, masks, evals, gradn), (y_enc, y_label) = net(input, target_set, target_mask)
    mask feature (--mask-feature): cat the mask to the target set and to every progress step
    mnist:       set_loss = utils.chamfer_loss(torch.stack(progress), target_set.unsqueeze(0))
    clevr-state: set_loss = utils.hungarian_loss(progress[-1], target_set, thread_pool=pool).unsqueeze(0)
                 (their code also builds the stacked/repeated a and b, unused); supervised:
                 loss = set_loss.mean() + huber_repr * smooth_l1_loss(y_enc, y_label).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    the .item() reads train.py makes for its tracker and tensorboard scalars (the writer is not run)

with the hyperparameters of their scripts/mnist.sh (FSEncoder, dim 256, latent 64, T = 10, inner lr
800, Adam lr 0.01) and scripts/clevr.sh (RNFSEncoder, ResNet34 ConvEncoder, dim 512, latent 512,
T = 10, Adam lr 0.0003, huber-repr 0.1), at batch 32 (128 x 128 images for CLEVR).

--device cuda runs it where train.py does: the net and every batch on the GPU (net.cuda(),
input.cuda(), torch.backends.cudnn.benchmark = True), the timer read after
torch.cuda.synchronize(); peak_gpu_mb is then torch.cuda.max_memory_allocated (the most the step's
tensors held at once), gpu_reserved_mb what PyTorch's caching allocator took from the card.

Data loading is excluded (as in `dspn4j bench`): every batch is drawn before its timer starts.
The Hungarian assignment (scipy.optimize.linear_sum_assignment per sample) runs serially in this
process by default; --pool N runs it in a multiprocessing pool of N workers as train.py does
(mp.Pool(10)); the workers' memory is then not in the peak RSS.

Prints one human line and one JSON line:
    {"median_s": ..., "times_s": [...], "cpu_s": ..., "peak_rss_mb": ..., ...}

cpu_s is the median process CPU time (all threads) of the timed steps.

    /usr/bin/python3 bench/authors_step.py --authors-code DIR [--task mnist|clevr-state] \
        [--batch 32] [--warmup 1] [--steps 3] [--threads 2] [--pool 0] [--device cpu|cuda] [--profile N]
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time
import types


def vm_hwm_mb():
    """Peak resident memory of this process (Linux VmHWM), in MB. Not ru_maxrss: Linux carries that
    over from the parent across exec, so a child of a large JVM would report the JVM's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def stub_modules():
    """model.py imports matplotlib.pyplot (plots only), data.py h5py and train.py tensorboardX; none
    of them is used by a training step, so stand-ins keep them from being required."""
    for name in ("matplotlib", "matplotlib.pyplot", "h5py", "tensorboardX"):
        if name not in sys.modules:
            mod = types.ModuleType(name)
            mod.use = lambda *a, **k: None
            sys.modules[name] = mod
    sys.modules["matplotlib"].pyplot = sys.modules["matplotlib.pyplot"]


def isa_info(torch):
    """What the PyTorch build uses here: ATen's kernels, OpenBLAS's core, oneDNN's ISA."""
    info = {}
    cfg = torch.__config__.show()
    if "CPU capability usage:" in cfg:
        info["aten"] = cfg.split("CPU capability usage:")[1].split()[0]
    try:
        ob = ctypes.CDLL("libopenblas.so.0")
        ob.openblas_get_corename.restype = ctypes.c_char_p
        info["openblas"] = ob.openblas_get_corename().decode()
    except (OSError, AttributeError):
        pass
    try:
        isa = ctypes.CDLL("libdnnl.so.2").dnnl_get_effective_cpu_isa()
        names = {0x1: "SSE4.1", 0x3: "AVX", 0x7: "AVX2", 0x27: "AVX-512", 0x67: "AVX-512 VNNI",
                 0xE7: "AVX-512 BF16", 0x3E7: "AVX-512 AMX", 0x407: "AVX2 VNNI"}
        info["onednn"] = names.get(isa, hex(isa))
    except (OSError, AttributeError):
        pass
    return info


def paper_args(task):
    """train.py's argparse namespace with the flags of scripts/mnist.sh or scripts/clevr.sh."""
    common = dict(decoder="DSPN", baseline=False, mask_feature=True, iters=10, inner_lr=800.0)
    if task == "mnist":
        return argparse.Namespace(dataset="mnist", encoder="FSEncoder", dim=256, latent=64, lr=0.01, loss="chamfer",
                                  supervised=False, huber_repr=1.0, **common)
    return argparse.Namespace(dataset="clevr-state", encoder="RNFSEncoder", dim=512, latent=512, lr=0.0003,
                              loss="hungarian", supervised=True, huber_repr=0.1, **common)


def batch(torch, np, rng, task, b):
    """A synthetic batch of the dataset's shapes and value ranges (data.py: MNISTSet, CLEVR state)."""
    if task == "mnist":
        sets = np.zeros((b, 2, 342), dtype=np.float32)
        masks = np.zeros((b, 342), dtype=np.float32)
        for i in range(b):
            n = int(rng.integers(100, 250))
            sets[i, :, :n] = rng.random((2, n))
            masks[i, :n] = 1
        return torch.zeros(b, dtype=torch.long), torch.from_numpy(sets), torch.from_numpy(masks)
    images = rng.standard_normal((b, 3, 128, 128), dtype=np.float32)
    sets = np.zeros((b, 18, 10), dtype=np.float32)
    masks = np.zeros((b, 10), dtype=np.float32)
    for i in range(b):
        n = int(rng.integers(3, 11))
        sets[i, 0:3, :n] = rng.uniform(-1, 1, (3, n))
        for lo, k in ((3, 2), (5, 8), (13, 3), (16, 2)):  # material, colour, shape, size one-hots
            sets[i, lo + rng.integers(0, k, n), np.arange(n)] = 1
        masks[i, :n] = 1
    return torch.from_numpy(images), torch.from_numpy(sets), torch.from_numpy(masks)


def train_step(torch, F, utils, net, optimizer, args, sample, pool):
    """train.py:main.run, one training batch (no tensorboard writer, no progress bar)."""
    input, target_set, target_mask = sample
    (progress, masks, evals, gradn), (y_enc, y_label) = net(input, target_set, target_mask)
    if args.mask_feature:
        target_set = torch.cat([target_set, target_mask.unsqueeze(dim=1)], dim=1)
        progress = [torch.cat([p, m.unsqueeze(dim=1)], dim=1) for p, m in zip(progress, masks)]
    if args.loss == "chamfer":
        set_loss = utils.chamfer_loss(torch.stack(progress), target_set.unsqueeze(0))
    else:
        a = torch.stack(progress)
        b = target_set.repeat(a.size(0), 1, 1, 1)
        a = a.view(-1, a.size(2), a.size(3))
        b = b.view(-1, b.size(2), b.size(3))
        set_loss = utils.hungarian_loss(progress[-1], target_set, thread_pool=pool).unsqueeze(0)
    if args.supervised and not args.baseline:
        repr_loss = args.huber_repr * F.smooth_l1_loss(y_enc, y_label)
        loss = set_loss.mean() + repr_loss.mean()
    else:
        loss = set_loss.mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    # the tracker's and the writer's reads
    set_loss[-1].item()
    loss.item()
    loss.item()
    set_loss[-1].mean().item()
    evals[0].mean().item()
    evals[-1].mean().item()
    max(g.item() for g in gradn)
    sum(g.item() for g in gradn)
    if args.supervised:
        repr_loss.item()
    evals[-1].detach().cpu().item()
    return loss.item()


class SerialPool:
    """thread_pool.map in this process."""

    @staticmethod
    def map(f, xs):
        return list(map(f, xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--authors-code", required=True,
                    help="a checkout of github.com/Cyanogenoid/dspn at be3703b: its root or its dspn/ folder")
    ap.add_argument("--task", choices=["mnist", "clevr-state"], default="mnist")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3, help="timed steps after the warm-up steps")
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps first (default 1)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pool", type=int, default=0, help="Hungarian in a process pool of this size (0: serially)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                    help="cpu, or cuda as their train.py (net and batches on the GPU)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="after the timed steps, run one more under torch.profiler and print the N ops with "
                         "the most self CPU time, by name and by name and input shapes (0: no profile)")
    a = ap.parse_args()
    if a.batch < 1 or a.steps < 1 or a.threads < 1 or a.pool < 0 or a.warmup < 1 or a.profile < 0:
        ap.error("--batch, --steps, --warmup and --threads must be at least 1, --pool and --profile at least 0")
    code = os.path.abspath(a.authors_code)
    has_modules = lambda d: os.path.isfile(os.path.join(d, "model.py")) and os.path.isfile(os.path.join(d, "dspn.py"))
    if not has_modules(code) and has_modules(os.path.join(code, "dspn")):  # the repository's root was given
        code = os.path.join(code, "dspn")
    if not has_modules(code):
        ap.error(f"--authors-code {a.authors_code}: no model.py and dspn.py there or in its dspn/ folder "
                 "(a checkout of Cyanogenoid/dspn)")

    import numpy as np
    import torch
    import torch.multiprocessing as mp
    import torch.nn.functional as F

    stub_modules()
    sys.path.insert(0, code)
    import model  # noqa: E402  (the authors' model.py)
    import utils  # noqa: E402  (the authors' utils.py)

    cuda = a.device == "cuda"
    if cuda and not torch.cuda.is_available():
        ap.error("--device cuda: PyTorch sees no CUDA device here (torch " + torch.__version__ + ")")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    args = paper_args(a.task)
    net = model.build_net(args)
    if cuda:
        net = net.cuda()
        torch.backends.cudnn.benchmark = True  # as train.py does before training
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr)
    net.train()
    torch.set_grad_enabled(True)
    rng = np.random.default_rng(a.seed)
    pool = mp.Pool(a.pool) if a.pool > 0 else SerialPool()
    times, cpu = [], []
    loss = float("nan")
    try:
        for _ in range(a.warmup + a.steps):  # the first --warmup steps are not timed
            sample = batch(torch, np, rng, a.task, a.batch)
            if cuda:
                sample = [t.cuda() for t in sample]
                torch.cuda.synchronize()
            c0, t0 = time.process_time(), time.perf_counter()
            loss = train_step(torch, F, utils, net, optimizer, args, sample, pool)
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    finally:
        if a.pool > 0:
            pool.close()
            pool.join()
    if a.profile > 0:
        from torch.profiler import ProfilerActivity, profile
        sample = batch(torch, np, rng, a.task, a.batch)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            train_step(torch, F, utils, net, optimizer, args, sample, pool)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=a.profile), file=sys.stderr)
        print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=a.profile),
              file=sys.stderr)
    timed = times[a.warmup:]
    out = {"median_s": statistics.median(timed), "times_s": timed, "cpu_s": statistics.median(cpu[a.warmup:]),
           "warmup": a.warmup,
           "peak_rss_mb": vm_hwm_mb(), "task": a.task,
           "batch": a.batch, "threads": a.threads, "hungarian": f"pool of {a.pool}" if a.pool else "serial",
           "torch": torch.__version__, "isa": isa_info(torch), "last_loss": loss}
    isa = ", ".join(f"{k} {v}" for k, v in out["isa"].items())
    where = f"{a.threads} thread" + ("" if a.threads == 1 else "s")
    warm = f"{a.warmup} warm-up step" + ("" if a.warmup == 1 else "s")
    gpu = ""
    if cuda:
        out["gpu"] = torch.cuda.get_device_name()
        out["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
        out["gpu_reserved_mb"] = torch.cuda.max_memory_reserved() / 2**20
        where = f"CUDA {out['gpu']}"
        gpu = f", device reserved {out['gpu_reserved_mb']:.0f} MB (allocated at most {out['peak_gpu_mb']:.0f} MB)"
    where += ", " + warm
    digits = 3 if cuda else 2
    print(f"authors {a.task} batch {a.batch}, {where}: median {out['median_s']:.{digits}f} s/step "
          f"{[round(t, digits + 1) for t in timed]}, cpu {out['cpu_s']:.2f} s/step, peak RSS {out['peak_rss_mb']:.0f} MB{gpu} "
          f"(torch {torch.__version__}: {isa})")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
