#!/usr/bin/env python3
"""Test curves of the shipped MNIST models, from their own records.

    /usr/bin/python3 golden/plot_mnist_models.py [--out docs/img/mnist-models-test-last.png]

Reads models/mnist-{dspn,mlp,rnn}/metrics.jsonl (the evaluations every 250 steps and at each epoch's
end, on the whole bundled test split) and draws test_last (Chamfer loss of the final set, mask as a
feature) against the training step, one line per model. Needs Debian's python3-matplotlib.
"""
import argparse
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = {"dspn": "DSPN", "mlp": "MLP baseline (mask + 1)", "rnn": "RNN (LSTM) baseline (mask + 1)"}


def evaluations(path):
    """step -> test_last, the last record of each step winning (a resumed run repeats none after the cut)."""
    out = {}
    with open(path) as fd:
        for line in fd:
            m = json.loads(line)
            if "test_last" in m and "epoch" in m:
                out[m["step"]] = m["test_last"]
    return sorted(out.items())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "img", "mnist-models-test-last.png"))
    args = p.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 4))
    for d, label in NAMES.items():
        ev = evaluations(os.path.join(ROOT, "models", "mnist-" + d, "metrics.jsonl"))
        ev = [(s, v) for s, v in ev if s > 0]
        ax.plot([s for s, _ in ev], [v for _, v in ev], marker="o", ms=3, lw=1.2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("training step (batch 32)")
    ax.set_ylabel("test_last (Chamfer, whole test split)")
    ax.set_title("MNIST set auto-encoding on the bundled 9,000 / 1,000 digits")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
