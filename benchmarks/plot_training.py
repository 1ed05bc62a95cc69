"""Plot the training curves of ``spam train`` (its ``<weights>.log.jsonl``) to a PNG.

    python benchmarks/plot_training.py runs/train/spam_synth_v1.pt.log.jsonl \
        --out docs/training_spam_synth.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    """Read the JSON lines, draw losses and per-level F1 against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = [json.loads(line) for p in args.logs for line in p.read_text().splitlines() if line]
    rows.sort(key=lambda r: r["step"])
    steps = [r["step"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    ax1.plot(steps, [r["loss"] for r in rows], label="total loss")
    ax1.plot(steps, [r["node_loss"] for r in rows], label="GNN_node loss")
    ax1.set_xlabel("step")
    ax1.set_ylabel("focal loss (summed over steps)")
    ax1.legend()
    ax1.grid(alpha=0.3)
    ax2.plot(steps, [r["node_acc"] for r in rows], "k--", label="GNN_node accuracy")
    for level in range(1, 10):
        key = f"l{level}_f1"
        pts = [(r["step"], r[key]) for r in rows if key in r]
        if pts:
            ax2.plot(*zip(*pts, strict=True), label=f"level {level} edge F1")
    ax2.set_xlabel("step")
    ax2.set_ylim(0, 1)
    ax2.legend(fontsize=7, ncol=2)
    ax2.grid(alpha=0.3)
    fig.suptitle("spam train: synthetic scenes only")
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
