#!/usr/bin/env python3
"""Training-dynamics audit: the authors' training loop and dspn4j's, from the same initial weights on
the same batches, step by step.

    /usr/bin/python3 golden/authors_dynamics.py --authors-code DIR [--steps 300] [--decoder dspn]
                                                [--work /tmp/dyn] [--plot docs/img/mnist-dynamics-300.png]

DIR is a checkout of github.com/Cyanogenoid/dspn (commit be3703b); nothing of it is copied here. The
script

1. trains dspn4j (`./dspn4j train mnist --backend cpu`, seed 1, the paper's MNIST hyperparameters,
   F32) for --steps steps and reads its per-step `train_loss` / `train_last` from metrics.jsonl;
2. writes the same initial weights (`./dspn4j export-weights --seed 1`, the authors' state_dict
   names) and the same batches in the same order (`org.dspn4j.bench.MnistTrainingBatches`);
3. runs the authors' own `train.py` (its `main()`, unmodified, with the arguments of their
   `scripts/mnist.sh` plus --no-cuda --train-only --epochs 1) in a separate process, on the CPU at
   float32, with their data loader replaced by those batches, their freshly built net loaded with
   those weights, and their TensorBoard writer replaced by a recorder of the values it is given
   (`metric/set-loss`, `metric/set-last` per step: the same quantities as our train_loss and
   train_last). `matplotlib`, `h5py`, `tensorboardX` (and `tqdm` when missing) are stubbed, CUDA
   calls are the identity, and their process pool is not started (Chamfer loss does not use it);
4. prints where the two curves separate and draws both on one plot.

Needs Debian's python3-torch, python3-torchvision, python3-scipy, Maven, and python3-matplotlib for
--plot only. --steps 5 takes about 3 minutes on 2 vCPUs (mostly Maven building the bench classes);
the default 300 steps take longer (both sides train).
"""
import argparse
import json
import os
import subprocess
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MNIST_ARGS = ["--loss", "chamfer", "--encoder", "FSEncoder", "--lr", "0.01", "--dim", "256",
              "--dataset", "mnist", "--latent", "64", "--mask-feature", "--inner-lr", "800"]
AUTHORS_DECODER = {"dspn": ["--decoder", "DSPN"], "mlp": ["--decoder", "MLPDecoder", "--baseline"],
                   "rnn": ["--decoder", "RNNDecoder", "--baseline"]}


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def ours(args):
    """Our run, initial weights and batches (steps 1 and 2 of the docstring)."""
    work = args.work
    os.makedirs(work, exist_ok=True)
    launcher = os.path.join(ROOT, "dspn4j")
    run_dir = args.ours_run or os.path.join(work, "ours")
    if not os.path.exists(os.path.join(run_dir, "metrics.jsonl")):
        run([launcher, "train", "mnist", "--decoder", args.decoder, "--seed", "1", "--backend", "cpu",
             "--threads", str(args.threads), "--steps", str(args.steps), "--epochs", "100",
             "--eval-every", str(args.steps), "-q", "--out", run_dir])
    init = os.path.join(work, "init.npz")
    if not os.path.exists(init):
        run([launcher, "export-weights", "--model", "mnist", "--decoder", args.decoder, "--seed", "1",
             "--out", init])
    batches = os.path.join(work, "batches.npz")
    if not os.path.exists(batches):
        run(["mvn", "-B", "-q", "-Pbench", "-DskipTests", "test-compile"], cwd=ROOT)
        cp_file = os.path.join(ROOT, "target", "bench-classpath.txt")
        run(["mvn", "-B", "-q", "-Pbench", "dependency:build-classpath", "-Dmdep.outputFile=" + cp_file,
             "-Dmdep.includeScope=test"], cwd=ROOT, stdout=subprocess.DEVNULL)
        cp = ":".join([os.path.join(ROOT, "target", "test-classes"), os.path.join(ROOT, "target", "classes"),
                       open(cp_file).read().strip()])
        run(["java", "-cp", cp, "org.dspn4j.bench.MnistTrainingBatches", str(args.steps), "1", "32", batches])
    loss, last = [], []
    with open(os.path.join(run_dir, "metrics.jsonl")) as fd:
        for line in fd:
            r = json.loads(line)
            if "train_loss" in r:
                loss.append(r["train_loss"])
                last.append(r["train_last"])
    return loss[:args.steps], last[:args.steps]


def stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def authors_worker(args):
    """Runs the authors' train.py main() on our batches and weights; writes the recorded curves."""
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    recorded = {"metric/set-loss": [], "metric/set-last": []}

    class Recorder:
        def __init__(self, *a, **k):
            pass

        def add_scalar(self, tag, value, global_step=None):
            if tag in recorded:
                recorded[tag].append(float(value))

        def __getattr__(self, name):
            return lambda *a, **k: None

    class Anything(types.ModuleType):
        def __getattr__(self, name):
            return lambda *a, **k: None

    stub("tensorboardX", SummaryWriter=Recorder)
    stub("h5py")
    mpl = stub("matplotlib", use=lambda *a, **k: None)
    sys.modules["matplotlib.pyplot"] = Anything("matplotlib.pyplot")
    mpl.pyplot = sys.modules["matplotlib.pyplot"]
    try:
        import tqdm  # noqa: F401
    except ImportError:
        class Bar(list):
            def set_postfix(self, **k):
                pass
        stub("tqdm", tqdm=lambda it, **k: Bar(it))

    sys.path.insert(0, args.authors_code)
    import data
    import model
    import torch.multiprocessing

    z = np.load(os.path.join(args.work, "batches.npz"))
    sets, masks, labels = z["sets"], z["masks"], z["labels"]
    batches = [(torch.from_numpy(labels[s].astype(np.int64)), torch.from_numpy(sets[s]),
                torch.from_numpy(masks[s])) for s in range(args.steps)]
    # the weights file also holds meta/ entries (format version), which are not parameters
    weights = {k: torch.from_numpy(v) for k, v in np.load(os.path.join(args.work, "init.npz")).items()
               if not k.startswith("meta/")}

    class NoPool:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return None

        def __exit__(self, *exc):
            return False

    build = model.build_net

    def build_with_our_weights(a):
        net = build(a)
        net.load_state_dict(weights, strict=True)
        return net

    model.build_net = build_with_our_weights
    data.MNISTSet = lambda *a, **k: None
    data.get_loader = lambda dataset, **k: batches
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.multiprocessing.Pool = NoPool
    real_check_output = subprocess.check_output
    subprocess.check_output = lambda cmd, *a, **k: (b"unknown\n" if cmd[:2] == ["git", "rev-parse"]
                                                    else real_check_output(cmd, *a, **k))

    run_dir = os.path.join(args.work, "authors")
    os.makedirs(os.path.join(run_dir, "logs"), exist_ok=True)
    os.chdir(run_dir)
    sys.argv = (["train.py"] + MNIST_ARGS + AUTHORS_DECODER[args.decoder]
                + ["--no-cuda", "--train-only", "--epochs", "1", "--name", "dynamics"])
    sys.modules.pop("train", None)
    import importlib.util
    spec = importlib.util.spec_from_file_location("train", os.path.join(args.authors_code, "train.py"))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    train.main()
    with open(os.path.join(args.work, "authors.json"), "w") as fd:
        json.dump({"train_loss": recorded["metric/set-loss"], "train_last": recorded["metric/set-last"],
                   "torch": torch.__version__, "threads": torch.get_num_threads()}, fd)


def separation(a, b):
    """First step (1-based) where the relative difference reaches each threshold, or None."""
    rel = [abs(x - y) / max(abs(y), 1e-30) for x, y in zip(a, b)]
    out = {}
    for t in (1e-6, 1e-4, 1e-2, 1e-1):
        out[t] = next((i + 1 for i, r in enumerate(rel) if r >= t), None)
    return rel, out


def final_mean(losses, n):
    """Mean of the last 20 of the first n values (of all n when n < 20)."""
    tail = losses[max(0, n - 20):n]
    return sum(tail) / len(tail)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--authors-code", required=True,
                   help="checkout of github.com/Cyanogenoid/dspn at be3703b (its root or its dspn/ folder)")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--decoder", choices=sorted(AUTHORS_DECODER), default="dspn")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", default="/tmp/dspn4j-dynamics")
    p.add_argument("--plot", help="write the two curves to this PNG")
    p.add_argument("--ours-run", help="an existing run folder of `dspn4j train mnist` with seed 1 and the paper's "
                   "hyperparameters to read our curve from (its first --steps steps), instead of training anew")
    p.add_argument("--authors-worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.authors_code = os.path.abspath(args.authors_code)
    if os.path.exists(os.path.join(args.authors_code, "dspn", "train.py")):  # the repository's root was given
        args.authors_code = os.path.join(args.authors_code, "dspn")
    args.work = os.path.abspath(args.work)
    if not os.path.exists(os.path.join(args.authors_code, "train.py")):
        sys.exit(f"authors_dynamics: --authors-code {args.authors_code}: no train.py there")
    if args.authors_worker:
        authors_worker(args)
        return

    our_loss, our_last = ours(args)
    if not os.path.exists(os.path.join(args.work, "authors.json")):
        run([sys.executable, os.path.abspath(__file__), "--authors-worker", "--authors-code", args.authors_code,
             "--steps", str(args.steps), "--decoder", args.decoder, "--threads", str(args.threads),
             "--work", args.work])
    theirs = json.load(open(os.path.join(args.work, "authors.json")))
    their_loss, their_last = theirs["train_loss"][:args.steps], theirs["train_last"][:args.steps]
    n = min(len(our_loss), len(their_loss))
    if n < args.steps:
        sys.exit(f"authors_dynamics: only {n} steps on both sides (ours {len(our_loss)}, theirs {len(their_loss)})")
    rel, sep = separation(our_loss, their_loss)
    report = {"steps": n, "decoder": args.decoder, "authors_torch": theirs["torch"],
              "first_step_rel_diff": {str(k): v for k, v in sep.items()},
              "rel_diff_at": {str(s): rel[s - 1] for s in (1, 2, 5, 10, 20, 50, 100, 200, 300) if s <= n},
              "max_rel_diff_first_10": max(rel[:10]),
              "ours_final_mean_last_20": final_mean(our_loss, n),
              "authors_final_mean_last_20": final_mean(their_loss, n)}
    print(json.dumps(report, indent=1))
    with open(os.path.join(args.work, "report.json"), "w") as fd:
        json.dump({**report, "ours": our_loss, "authors": their_loss, "ours_last": our_last,
                   "authors_last": their_last}, fd)
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax, bx) = plt.subplots(2, 1, figsize=(7.5, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
        steps = range(1, n + 1)
        ax.plot(steps, their_loss[:n], label="authors' train.py (PyTorch %s, CPU, float32)" % theirs["torch"],
                color="tab:orange", lw=1.6)
        ax.plot(steps, our_loss[:n], label="dspn4j (CPU backend, F32)", color="tab:blue", lw=0.9)
        ax.set_yscale("log")
        ax.set_ylabel("training loss (Chamfer, mean over T+1 steps)")
        ax.set_title(f"MNIST {args.decoder.upper()}: same initial weights, same batches")
        ax.legend()
        bx.plot(steps, rel[:n], color="black", lw=0.8)
        bx.set_yscale("log")
        bx.set_ylabel("|ours − theirs| / theirs")
        bx.set_xlabel("training step")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print("wrote", args.plot)


if __name__ == "__main__":
    main()
