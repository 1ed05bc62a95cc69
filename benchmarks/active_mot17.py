"""Active learning on MOT17: label quality against clicks for each selection strategy.

For each budget (share of the full manual cost of all sequences, one pool) and strategy, the
shipped synthetic-only model labels the candidate detections (conf >= ``--min-conf``) of the
seven MOT17 YOLOX halves with the simulated oracle annotator; the labels are scored against
ground truth with TrackEval. Also: the ceiling (every node of every level asked, unlimited
budget) and frame-based labelling at the same clicks (every k-th frame labelled by hand,
interpolated). The x-axis of the plot is the effort actually spent (a level that runs out of
questions leaves part of its share unspent).

    python benchmarks/active_mot17.py --half val --out runs/active_mot17.json \
        --plot docs/active_mot17.png
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from spamlabels.active import (
    OracleAnnotator,
    ensemble_selection,
    frame_based_labels,
    frame_step_for_budget,
    label_sequences,
    parse_budget,
)
from spamlabels.core import Tracks
from spamlabels.engine import LabelInputs, load_label_inputs
from spamlabels.io import MOTSequence
from spamlabels.nn import load_checkpoint

SEQS = ("02", "04", "05", "09", "10", "11", "13")
METRICS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1")


def _score(inputs: LabelInputs, tracks: dict[str, Tracks]) -> dict[str, float]:
    c = inputs.evaluate(tracks).combined
    return {m: round(float(c[m]), 2) for m in METRICS}


def _plot(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = next(r["HOTA"] for r in rows if r["method"] == "hierarchical" and r["budget"] == 0)
    styles = {"hierarchical": ("C3", "o", "ours (entropy | hierarchical)"),
              "random": ("C0", "^", "random | random"),
              "entbox": ("C1", "v", "box entropy | random"),
              "entimg": ("C5", "<", "image entropy | random"),
              "coreset": ("C4", ">", "coreset | hierarchical"),
              "consistency": ("C6", "D", "consistency | hierarchical"),
              "ensemble": ("C8", "P", "ensemble | hierarchical"),
              "frame-based": ("C2", "s", "frame-based + interpolation")}  # fmt: skip
    ceiling = [r for r in rows if r["method"] == "ceiling"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), dpi=110)
    for ax, methods in ((axes[0], [m for m in styles if m != "frame-based"]),
                        (axes[1], ["hierarchical", "frame-based"])):  # fmt: skip
        for method in methods:
            color, marker, label = styles[method]
            start = set() if method == "frame-based" else {(0.0, 0.0)}  # the 0 % labels
            pts = sorted(start | {(r["effort"], r["HOTA"] - base) for r in rows
                                  if r["method"] == method})  # fmt: skip
            if len(pts) > 1:
                ax.plot(*zip(*pts, strict=True), color=color, marker=marker, label=label, lw=1.2,
                        ms=4)  # fmt: skip
        if ceiling:
            top = ceiling[0]
            label = f"ceiling: all decisions correct ({top['effort']:.0f} % effort)"
            ax.axhline(top["HOTA"] - base, color="k", ls="--", label=label)
        ax.set_xlabel("annotation effort (% of the full manual cost, clicks spent)")
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("HOTA gain over the 0 % labels")
    axes[0].set_title("selection strategies (same levels, split, clicks)", fontsize=9)
    axes[1].set_title("ours vs frame-based labelling at equal clicks", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table of docs/benchmarks.md section 7: HOTA (effort %) per budget and method."""
    methods = [m for m in dict.fromkeys(r["method"] for r in rows) if m != "ceiling"]
    budgets = sorted({r["budget"] for r in rows if r["method"] != "ceiling"})
    lines = ["| budget | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for b in budgets:
        cells = []
        for m in methods:
            r = next((x for x in rows if x["method"] == m and x["budget"] == b), None)
            cells.append(f"{r['HOTA']:.2f} ({r['effort']:.2f} %)" if r else "")
        lines.append(f"| {b:g} % | " + " | ".join(cells) + " |")
    for r in rows:
        if r["method"] == "ceiling":
            lines.append(f"| ceiling | {r['HOTA']:.2f} ({r['effort']:.1f} %) |"
                         + " |" * (len(methods) - 1))  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    """Print one line per (method, budget); write JSON and the plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--detector", default="YOLOX")
    ap.add_argument("--min-conf", type=float, default=0.1)
    ap.add_argument("--budgets", nargs="+", default=["0", "1", "2", "3.3", "5", "10", "20"])
    ap.add_argument("--strategies", nargs="+",
                    default=["hierarchical", "random", "entbox", "entimg", "coreset",
                             "consistency", "ensemble"])  # fmt: skip
    runs = Path("runs/train")
    ap.add_argument("--ensemble", nargs="+", type=Path,
                    default=[runs / f"spam_synth_v{v}.pt" for v in (3, 5, 6)],
                    help="checkpoints joining the shipped one in the ensemble")  # fmt: skip
    ap.add_argument("--no-ceiling", action="store_true")
    ap.add_argument("--no-frame-based", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--table-from", type=Path, default=None,
                    help="print the table (and --plot) of an earlier --out JSON only")  # fmt: skip
    args = ap.parse_args()
    if args.table_from:
        saved = json.loads(args.table_from.read_text())
        print(markdown(saved["rows"]))
        if args.plot:
            _plot(saved["rows"], args.plot, f"MOT17 {saved['detector']} {saved['half']} halves, "
                  f"conf >= {saved['min_conf']}, oracle annotator")  # fmt: skip
        return
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}") for s in SEQS]
    inputs = load_label_inputs(seqs, args.half, args.min_conf)
    tasks, truth, gts, full = inputs.tasks, inputs.truth, inputs.gts, inputs.full_cost
    ensemble = None
    if "ensemble" in args.strategies:
        missing = [str(p) for p in args.ensemble if not p.is_file()]
        if missing:  # made by the training commands of docs/benchmarks.md section 6
            print(f"ensemble left out: no {', '.join(missing)}", flush=True)
            args.strategies.remove("ensemble")
        else:
            ensemble = ensemble_selection([load_checkpoint(p) for p in args.ensemble])
    print(f"{len(tasks)} sequences ({args.half}), full manual cost {full} clicks", flush=True)
    rows: list[dict[str, Any]] = []

    def record(method: str, budget: float, clicks: int, scores: dict[str, float],
               seconds: float, extra: str = "") -> None:  # fmt: skip
        row = {"method": method, "budget": budget, "clicks": clicks, **scores,
               "effort": round(100 * clicks / full, 3), "seconds": round(seconds, 1)}  # fmt: skip
        rows.append(row)
        print(f"{method:13s} budget {budget:5.1f} %: {clicks:6d} clicks ({row['effort']:.2f} %) "
              + " ".join(f"{m} {scores[m]:.2f}" for m in METRICS) + f" [{seconds:.0f} s]{extra}",
              flush=True)  # fmt: skip

    for budget_text in args.budgets:
        clicks = parse_budget(f"{budget_text}%", full)
        for strategy in args.strategies if clicks else args.strategies[:1]:
            t0 = time.perf_counter()
            pick = ensemble if strategy == "ensemble" else strategy
            res = label_sequences(tasks, OracleAnnotator(truth), clicks, strategy=pick)
            record(strategy, float(budget_text), res.clicks, _score(inputs, res.tracks),
                   time.perf_counter() - t0)  # fmt: skip
        if clicks and not args.no_frame_based:
            step = frame_step_for_budget([g for g, _ in gts.values()], clicks)
            if step is not None:
                labels, spent = {}, 0
                for name, (gt, _) in gts.items():
                    labels[name], c = frame_based_labels(gt, step)
                    spent += c
                record("frame-based", float(budget_text), spent, _score(inputs, labels), 0.0,
                       f" every {step} frames")  # fmt: skip
    if not args.no_ceiling:
        t0 = time.perf_counter()
        res = label_sequences(tasks, OracleAnnotator(truth), 10**9, ask_all=True)
        record("ceiling", 100.0, res.clicks, _score(inputs, res.tracks), time.perf_counter() - t0)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"half": args.half, "detector": args.detector,
                                        "min_conf": args.min_conf, "full_cost": full,
                                        "rows": rows}, indent=1) + "\n")  # fmt: skip
    print(markdown(rows))
    if args.plot:
        _plot(rows, args.plot, f"MOT17 {args.detector} {args.half} halves, conf >= "
              f"{args.min_conf}, oracle annotator")  # fmt: skip


if __name__ == "__main__":
    main()
