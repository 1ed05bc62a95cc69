"""Active learning on MOT17: label quality against clicks for each selection strategy.

For each budget (share of the full manual cost of all sequences, one pool) and strategy, the
shipped synthetic-only model labels the candidate detections (conf >= ``--min-conf``) of the
seven MOT17 YOLOX halves with the simulated oracle annotator; the labels are scored against
ground truth with TrackEval. Also: the ceiling (every node of every level asked, unlimited
budget) and frame-based labelling at the same clicks (every k-th frame labelled by hand,
interpolated). The x-axis of the plot is the effort actually spent (the split over levels is
fitted to what each level can take, ``label_sequences(fit_split=True)``; with
``--no-fit-split`` a level that runs out of questions passes its share on and the last levels
leave it unspent; up to ``--passes`` passes, 2 as ``spam label``, spend what a pass left).

    python benchmarks/active_mot17.py --half val --out runs/active_mot17.json \
        --plot docs/active_mot17.png
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from post_options import add_post_options, post_kwargs

from spamlabels.active import (
    OracleAnnotator,
    ensemble_selection,
    frame_based_labels,
    frame_step_for_budget,
    label_sequences,
    parse_budget,
)
from spamlabels.core import SCORE_MAPS, Tracks
from spamlabels.engine import LabelInputs, load_label_inputs
from spamlabels.io import MOTSequence
from spamlabels.nn import load_checkpoint
from spamlabels.track.spam import SpamTracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")
ENSEMBLE = [Path(__file__).resolve().parent / "weights" / f"spam_synth_v{v}.pt" for v in (3, 5, 6)]
"""The checkpoints that join the shipped one in the ``ensemble`` baseline: synthetic-only,
made by the commands of benchmarks/weights/README.md."""
METRICS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1")


def _score(inputs: LabelInputs, tracks: dict[str, Tracks]) -> dict[str, float]:
    c = inputs.evaluate(tracks).combined
    return {m: round(float(c[m]), 2) for m in METRICS}


def _plot(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    zero = [r["HOTA"] for r in rows if r["method"] == "hierarchical" and r["budget"] == 0]
    if not zero:
        raise SystemExit("--plot needs the 0 % run of hierarchical (add budget 0)")
    base = zero[0]
    styles = {"hierarchical": ("C3", "o", "ours (entropy, weak boxes first | hierarchical; "
                                          "review of tracks and ends)"),
              "paper": ("C7", "o", "paper's order (entropy | hierarchical)"),
              "random": ("C0", "^", "random | random"),
              "entbox": ("C1", "v", "box entropy | random"),
              "entimg": ("C5", "<", "image entropy | random"),
              "coreset": ("C4", ">", "coreset | hierarchical"),
              "consistency": ("C6", "D", "consistency | hierarchical"),
              "ensemble": ("C8", "P", "ensemble | hierarchical"),
              "frame-based": ("C2", "s", "frame-based + interpolation")}  # fmt: skip
    ceiling = [r for r in rows if r["method"] == "ceiling"]
    groups = _groups(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), dpi=110)
    for ax, methods in ((axes[0], [m for m in styles if m != "frame-based"]),
                        (axes[1], ["hierarchical", "frame-based"])):  # fmt: skip
        for method in methods:
            color, marker, label = styles[method]
            start = [] if method == "frame-based" else [(0.0, 0.0, 0.0)]  # the 0 % labels
            pts = sorted(start + [_point(g, base) for (m, b), g in groups.items()
                                  if m == method and b > 0])  # fmt: skip
            if len(pts) > 1:
                x, y, err = zip(*pts, strict=True)
                ax.errorbar(x, y, yerr=err if any(err) else None, color=color, marker=marker,
                            label=label, lw=1.2, ms=4, capsize=2)  # fmt: skip
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


def _groups(rows: list[dict[str, Any]]) -> dict[tuple[str, float], list[dict[str, Any]]]:
    """Rows by (method, nominal budget); more than one row per key with ``--replicates``."""
    out: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for r in rows:
        if r["method"] != "ceiling":
            out.setdefault((r["method"], r["budget"]), []).append(r)
    return out


def _point(group: list[dict[str, Any]], base: float) -> tuple[float, float, float]:
    """(mean effort %, mean HOTA gain over ``base``, standard deviation or 0) of a group."""
    hota = [r["HOTA"] for r in group]
    sd = float(np.std(hota, ddof=1)) if len(hota) > 1 else 0.0
    return float(np.mean([r["effort"] for r in group])), float(np.mean(hota)) - base, sd


def _cell(group: list[dict[str, Any]]) -> str:
    """``HOTA (effort %)``, or ``mean ± sd (mean effort %)`` for replicates."""
    effort, hota, sd = _point(group, 0.0)
    spread = f" ± {sd:.2f}" if len(group) > 1 else ""
    return f"{hota:.2f}{spread} ({effort:.2f} %)"


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table of docs/benchmarks.md section 7: HOTA (effort %) per budget and method; with
    replicates, mean ± standard deviation over them (effort: mean), and a second table of the
    paired differences ours - baseline (mean ± standard error over the replicates)."""
    groups = _groups(rows)
    methods = list(dict.fromkeys(m for m, _ in groups))
    budgets = sorted({b for _, b in groups})
    lines = ["| budget | " + " | ".join(methods) + " |", "|---" * (len(methods) + 1) + "|"]
    for b in budgets:
        cells = [_cell(groups[m, b]) if (m, b) in groups else "" for m in methods]
        lines.append(f"| {b:g} % | " + " | ".join(cells) + " |")
    for r in rows:
        if r["method"] == "ceiling":
            lines.append(f"| ceiling | {r['HOTA']:.2f} ({r['effort']:.1f} %) |"
                         + " |" * (len(methods) - 1))  # fmt: skip
    others = [m for m in methods if m not in ("hierarchical", "frame-based")]
    paired = [b for b in budgets if len(groups.get(("hierarchical", b), [])) > 1]
    if others and paired:
        title = "ours - baseline, HOTA (mean ± standard error over the replicates, paired):"
        lines += ["", title, "", "| budget | " + " | ".join(others) + " |",
                  "|---" * (len(others) + 1) + "|"]  # fmt: skip
        for b in paired:
            ours = {r["run_budget"]: r["HOTA"] for r in groups["hierarchical", b]}
            cells = []
            for m in others:
                d = [ours[r["run_budget"]] - r["HOTA"] for r in groups.get((m, b), [])
                     if r["run_budget"] in ours]  # fmt: skip
                cells.append(f"{np.mean(d):+.2f} ± {np.std(d, ddof=1) / np.sqrt(len(d)):.2f}"
                             if len(d) > 1 else "")  # fmt: skip
            lines.append(f"| {b:g} % | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _frame_based(gts: dict[str, tuple[Tracks, int]], clicks: int
                 ) -> tuple[dict[str, Tracks], int, int] | None:  # fmt: skip
    """Frame-based labels within ``clicks``: (labels per sequence, clicks spent, frame step),
    or ``None`` when no step fits."""
    step = frame_step_for_budget([g for g, _ in gts.values()], clicks)
    if step is None:
        return None
    labels, spent = {}, 0
    for name, (gt, _) in gts.items():
        labels[name], c = frame_based_labels(gt, step)
        spent += c
    return labels, spent, step


def _table_from(paths: list[Path], plot: Path | None) -> None:
    """Print the table of earlier ``--out`` JSONs (rows pooled; the runs must share their
    set-up and must not repeat a (method, budget, run budget)) and draw ``plot``."""
    saved = [json.loads(p.read_text()) for p in paths]
    setup = ("detector", "half", "min_conf", "score_map", "full_cost", "fit_split", "passes")
    # files written before these options: raw scores, one pass
    old: dict[str, Any] = {"score_map": "none", "passes": 1}
    if len({tuple(s.get(k, old.get(k)) for k in setup) for s in saved}) > 1:
        raise SystemExit(f"--table-from: the runs differ in {', '.join(setup)}")
    rows = [r for s in saved for r in s["rows"]]
    keys = [(r["method"], r["budget"], r.get("run_budget")) for r in rows]
    if len(set(keys)) < len(keys):  # e.g. two files whose `hierarchical` are different orders
        dup = sorted({k for k in keys if keys.count(k) > 1}, key=str)[0]
        raise SystemExit(f"--table-from: more than one run of {dup} (method, budget, "
                         "run budget): rename one file's method first")  # fmt: skip
    print(markdown(rows))
    if plot:
        first = saved[0]
        _plot(rows, plot, f"MOT17 {first['detector']} {first['half']} halves, "
              f"conf >= {first['min_conf']}, oracle annotator")  # fmt: skip


def main() -> None:
    """Print one line per (method, budget); write JSON and the plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--detector", default="YOLOX")
    ap.add_argument("--min-conf", type=float, default=0.1)
    ap.add_argument(
        "--score-map",
        choices=SCORE_MAPS,
        default="none",
        help="detector scores to probabilities first (logistic: DPM's margins)",
    )
    ap.add_argument("--budgets", nargs="+", default=["0", "1", "2", "3.3", "5", "10", "20"])
    ap.add_argument("--strategies", nargs="+",
                    default=["hierarchical", "random", "entbox", "entimg", "coreset",
                             "consistency", "ensemble"])  # fmt: skip
    ap.add_argument("--ensemble", nargs="+", type=Path, default=ENSEMBLE,
                    help="checkpoints joining the shipped one in the ensemble "
                         "(default: benchmarks/weights/, made as its README says)")  # fmt: skip
    ap.add_argument("--replicates", type=int, default=1,
                    help="runs per budget and strategy, at budgets spread evenly over "
                         "budget x (1 +- jitter): the outcome of one run is chaotic "
                         "(an answer changes every level above it)")  # fmt: skip
    ap.add_argument("--jitter", type=float, default=0.1)
    ap.add_argument("--no-fit-split", action="store_true",
                    help="the paper's split with roll-over only, instead of the split "
                         "fitted to what each level can take")  # fmt: skip
    ap.add_argument("--passes", type=int, default=2,
                    help="the most passes over the hierarchy (label_sequences(passes=); "
                         "spam label's default 2; 1: the paper's single pass)")  # fmt: skip
    add_post_options(ap)
    ap.add_argument("--no-ceiling", action="store_true")
    ap.add_argument("--no-frame-based", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--table-from", type=Path, nargs="+", default=None,
                    help="print the table (and --plot) of earlier --out JSONs only (the rows "
                         "of several runs on the same data are pooled)")  # fmt: skip
    args = ap.parse_args()
    if args.table_from:
        _table_from(args.table_from, args.plot)
        return
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}") for s in SEQS]
    inputs = load_label_inputs(seqs, args.half, args.min_conf, args.score_map)
    tasks, truth, gts, full = inputs.tasks, inputs.truth, inputs.gts, inputs.full_cost
    ensemble = None
    if "ensemble" in args.strategies:
        missing = [str(p) for p in args.ensemble if not p.is_file()]
        if missing:
            print(f"ensemble left out: no {', '.join(missing)}", flush=True)
            args.strategies.remove("ensemble")
        else:
            ensemble = ensemble_selection([load_checkpoint(p) for p in args.ensemble])
    tracker = SpamTracker(**post_kwargs(args))
    print(f"{len(tasks)} sequences ({args.half}), full manual cost {full} clicks", flush=True)
    rows: list[dict[str, Any]] = []

    def record(method: str, budget: float, clicks: int, scores: dict[str, float], seconds: float,
               extra: str = "", run_budget: float | None = None) -> None:  # fmt: skip
        row = {"method": method, "budget": budget, "clicks": clicks, **scores,
               "effort": round(100 * clicks / full, 3), "seconds": round(seconds, 1),
               "run_budget": budget if run_budget is None else run_budget}  # fmt: skip
        rows.append(row)
        print(f"{method:13s} budget {budget:5.1f} %: {clicks:6d} clicks ({row['effort']:.2f} %) "
              + " ".join(f"{m} {scores[m]:.2f}" for m in METRICS) + f" [{seconds:.0f} s]{extra}",
              flush=True)  # fmt: skip

    for budget_text in args.budgets:
        clicks = parse_budget(f"{budget_text}%", full)
        n = args.replicates if clicks else 1
        scale = np.linspace(1 - args.jitter, 1 + args.jitter, n) if n > 1 else np.ones(1)
        for strategy in args.strategies if clicks else args.strategies[:1]:
            pick = ensemble if strategy == "ensemble" and ensemble else strategy
            for f in scale:
                t0 = time.perf_counter()
                run_budget = round(float(budget_text) * float(f), 4)
                res = label_sequences(tasks, OracleAnnotator(truth), round(clicks * float(f)),
                                      tracker=tracker, strategy=pick,
                                      fit_split=not args.no_fit_split,
                                      passes=args.passes)  # fmt: skip
                record(strategy, float(budget_text), res.clicks, _score(inputs, res.tracks),
                       time.perf_counter() - t0, f" at {run_budget:.3f} %" * (n > 1),
                       run_budget)  # fmt: skip
        fb = _frame_based(gts, clicks) if clicks and not args.no_frame_based else None
        if fb is not None:
            labels, spent, step = fb
            record("frame-based", float(budget_text), spent, _score(inputs, labels), 0.0,
                   f" every {step} frames")  # fmt: skip
    if not args.no_ceiling:
        t0 = time.perf_counter()
        res = label_sequences(tasks, OracleAnnotator(truth), 10**9, tracker=tracker, ask_all=True)
        record("ceiling", 100.0, res.clicks, _score(inputs, res.tracks), time.perf_counter() - t0)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"half": args.half, "detector": args.detector,
                                        "min_conf": args.min_conf, "full_cost": full,
                                        "score_map": args.score_map,
                                        "fit_split": not args.no_fit_split,
                                        "passes": args.passes,
                                        "rows": rows}, indent=1) + "\n")  # fmt: skip
    print(markdown(rows))
    if args.plot:
        _plot(rows, args.plot, f"MOT17 {args.detector} {args.half} halves, conf >= "
              f"{args.min_conf}, oracle annotator")  # fmt: skip


if __name__ == "__main__":
    main()
