"""Which GNN_node questions each selection strategy asks, and what the oracle answers.

For one budget, labels the MOT17 halves with each strategy (as ``active_mot17.py`` does, the
fitted split) and tables the GNN_node questions by kind of box (weak: detector confidence
below the tracker's ``node_keep_conf``, 0.6, which GNN_node may reject; confident: kept
whatever GNN_node says) and by GNN_node probability: how many were asked, the share the
oracle rejected (false positives) and the median box height in pixels.

    python benchmarks/active_node_questions.py --detector FRCNN --half all --budget 10 \
        --strategies hierarchical coreset
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from spamlabels.active import (
    NodeAnswer,
    NodeQuery,
    OracleAnnotator,
    ensemble_selection,
    label_sequences,
    parse_budget,
)
from spamlabels.engine import load_label_inputs
from spamlabels.io import MOTSequence
from spamlabels.nn import load_checkpoint
from spamlabels.track.spam import SpamConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from active_mot17 import ENSEMBLE, SEQS

BINS = (0.0, 0.3, 0.46, 0.54, 0.7, 0.8, 0.9, 1.01)


@dataclass
class LoggingOracle(OracleAnnotator):
    """The oracle, keeping ``(confidence, GNN_node p, rejected, box height)`` per node
    question in ``log``."""

    log: list[tuple[float, float, bool, float]] = field(default_factory=list)

    def answer_node(self, query: NodeQuery) -> NodeAnswer:
        """The oracle's answer, logged."""
        a = super().answer_node(query)
        self.log.append((query.score, query.prob, a.action == "reject", float(query.xywh[3])))
        return a


def main() -> None:
    """Print one table per strategy."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--detector", default="YOLOX")
    ap.add_argument("--budget", default="10", help="percent of the full manual cost")
    ap.add_argument("--strategies", nargs="+", default=["hierarchical", "coreset"])
    ap.add_argument("--ensemble", nargs="+", type=Path, default=ENSEMBLE)
    args = ap.parse_args()
    torch.set_num_threads(2)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}") for s in SEQS]
    inputs = load_label_inputs(seqs, args.half, 0.1)
    clicks = parse_budget(f"{args.budget}%", inputs.full_cost)
    for name in args.strategies:
        if name == "ensemble":
            missing = [str(p) for p in args.ensemble if not p.is_file()]
            if missing:  # made by the training commands of docs/benchmarks.md section 6
                print(f"ensemble left out: no {', '.join(missing)}")
                continue
        pick = (ensemble_selection([load_checkpoint(p) for p in args.ensemble])
                if name == "ensemble" else name)  # fmt: skip
        oracle = LoggingOracle(inputs.truth)
        res = label_sequences(inputs.tasks, oracle, clicks, strategy=pick)
        hota = float(inputs.evaluate(res.tracks).combined["HOTA"])
        log = np.asarray(oracle.log, np.float64).reshape(-1, 4)
        conf, p, rejected, height = log.T
        print(f"\n{name}: HOTA {hota:.2f}, {res.clicks} clicks, {len(log)} GNN_node questions")
        print("| boxes | GNN_node p | asked | false | median height (px) |\n|---|---|---|---|---|")
        keep = SpamConfig().node_keep_conf or 0.6  # boxes at least this confident stay in
        for kind, mask in (("weak", conf < keep), ("confident", conf >= keep)):
            for lo, hi in itertools.pairwise(BINS):
                m = mask & (p >= lo) & (p < hi)
                if m.any():
                    print(f"| {kind} | {lo:.2f}-{min(hi, 1.0):.2f} | {int(m.sum())} | "
                          f"{rejected[m].mean():.2f} | {np.median(height[m]):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
