"""Where the active-labelling ceiling comes from: every question of some levels asked.

The oracle answers every node of the chosen levels (no budget limit; ``ask_all``), the model
decides everything else. MOT17 YOLOX validation halves, conf >= 0.1, GNN_node on.

    python benchmarks/active_ceiling_parts.py --parts 0 1-9 7-9
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from spamlabels.active import STRATEGIES, LevelBudget, OracleAnnotator
from spamlabels.active.labeler import _Session
from spamlabels.engine import load_label_inputs
from spamlabels.io import MOTSequence
from spamlabels.track.spam import SpamTracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


class OnlyLevels(LevelBudget):
    """Unlimited clicks at ``levels``, none elsewhere."""

    def __init__(self, levels: set[int], n_levels: int) -> None:
        super().__init__(10**12, [1.0 / n_levels] * n_levels)
        self.levels = levels

    def allowance(self, level: int) -> float:
        return float(10**12) if level in self.levels else 0.0


def _levels(text: str) -> set[int]:
    lo, _, hi = text.partition("-")
    return set(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    """Print clicks and label quality for each ``--parts`` entry."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--parts", nargs="+", default=["0", "1-9", "7-9"],
                    help="levels asked, e.g. 0 (GNN_node), 1-9, 7-9")  # fmt: skip
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX") for s in SEQS]
    inputs = load_label_inputs(seqs, args.half, 0.1)
    for part in args.parts:
        session = _Session(SpamTracker(), inputs.tasks, OracleAnnotator(inputs.truth),
                           STRATEGIES["hierarchical"], 0, ask_all=True)  # fmt: skip
        budget = OnlyLevels(_levels(part), session.num_levels())
        session.run(budget)
        tracks = session.results()
        c = inputs.evaluate(tracks)
        m = c.combined
        print(f"levels {part}: {budget.used} clicks ({100 * budget.used / inputs.full_cost:.2f} %)"
              f" HOTA {m['HOTA']:.2f} DetA {m['DetA']:.2f} AssA {m['AssA']:.2f} "
              f"MOTA {m['MOTA']:.2f} IDF1 {m['IDF1']:.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
