"""Annotation budgets: parsing, the full manual cost, and the split over hierarchy levels.

Click costs (paper §3.3): accept or reject a detection 1, refine a box 2 (its two corners),
associate a node across time 1. Full manual labelling of a sequence costs 2 clicks per
ground-truth box (draw it) plus 1 per association (link it to the previous box of its track):
``2 * boxes + (boxes - tracks)``.

The budget ``B`` is split over the levels of the hierarchy as the paper does for MOT17
(supplementary A.2): 50 % to the last three levels, 30 % to the three before, 20 % to the rest
(GNN_node and the first edge levels), evenly within each group; what a level leaves unspent
rolls over to the next one (design notes §3.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import Tracks

__all__ = [
    "CLICKS_ACCEPT",
    "CLICKS_ASSOCIATE",
    "CLICKS_DRAW",
    "CLICKS_REFINE",
    "CLICKS_REJECT",
    "DEFAULT_SPLIT",
    "LevelBudget",
    "check_passes",
    "check_split",
    "counted_boxes",
    "fit_shares",
    "full_cost",
    "manual_clicks",
    "parse_budget",
    "split_levels",
]

CLICKS_ACCEPT = 1
CLICKS_REJECT = 1
CLICKS_REFINE = 2
CLICKS_ASSOCIATE = 1
CLICKS_DRAW = 2

DEFAULT_SPLIT = (0.2, 0.3, 0.5)
"""Shares of the budget for (the first levels, the three before the last three, the last
three levels)."""


def counted_boxes(gt: Tracks) -> NDArray[np.bool_]:
    """``(n,)`` the ground-truth boxes that count in evaluation: pedestrians (class 1, or
    unknown class as in synthetic or pseudo labels) with the consider flag set."""
    return ((gt.cls == 1) | (gt.cls < 0)) & gt.consider


def manual_clicks(boxes: Tracks) -> int:
    """Clicks to draw ``boxes`` by hand and link them into their tracks: 2 per box + 1 per
    association (``boxes - tracks``)."""
    return CLICKS_DRAW * len(boxes) + CLICKS_ASSOCIATE * (len(boxes) - len(np.unique(boxes.id)))


def full_cost(gt: Tracks) -> int:
    """Clicks to label ``gt`` by hand (:func:`manual_clicks`) over the boxes that count in
    evaluation (:func:`counted_boxes`)."""
    return manual_clicks(gt[counted_boxes(gt)])


MAX_CLICKS = 1 << 52
"""The largest budget in clicks :func:`parse_budget` takes when the full cost is not known."""


def parse_budget(text: str, full: int | None) -> int:
    """Clicks of a budget given as clicks (``"500"``, at most ``full`` when it is given) or as
    a share of the full manual cost (``"3.3%"``, which needs ``full``). Raises
    :class:`ValueError` for anything else."""
    t = text.strip()
    if t.endswith("%"):
        try:
            share = float(t[:-1]) / 100.0
        except ValueError:
            raise ValueError(
                f"budget {text!r}: expected a whole number of clicks (500) or a percentage (3.3%)"
            ) from None
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"budget {text!r}: a percentage must lie in 0-100 %")
        if full is None:
            raise ValueError(f"budget {text!r}: a percentage needs the full manual cost")
        clicks = round(share * full)
        if share > 0 and clicks == 0:
            raise ValueError(f"budget {text!r} is less than one click of the full manual cost "
                             f"({full} clicks); give 0 for the pseudo-labels alone")  # fmt: skip
        return clicks
    try:
        clicks = int(t)
    except ValueError:
        raise ValueError(
            f"budget {text!r}: expected a whole number of clicks (500) or a percentage (3.3%)"
        ) from None
    if clicks < 0:
        raise ValueError(f"budget {text!r}: must not be negative")
    if full is not None and clicks > full:
        raise ValueError(f"budget {text!r} is more than the full manual cost ({full} "
                         "clicks, every box drawn and linked by hand): 100% is all of "
                         "it")  # fmt: skip
    if clicks > MAX_CLICKS:
        raise ValueError(f"budget {text!r}: more than {MAX_CLICKS} clicks")
    return clicks


def check_passes(passes: Any) -> int:
    """``passes`` if it is a whole number >= 1 (passes over the hierarchy); raises
    :class:`ValueError` otherwise."""
    if isinstance(passes, bool) or not isinstance(passes, int | np.integer) or passes < 1:
        raise ValueError(f"passes must be a whole number >= 1, got {passes!r}")
    return int(passes)


def check_split(split: Sequence[float]) -> tuple[float, float, float]:
    """``split`` as a tuple if it is three non-negative shares with a positive sum; raises
    :class:`ValueError` otherwise."""
    values = tuple(float(v) for v in split)
    if len(values) != 3 or not all(math.isfinite(v) and v >= 0 for v in values) or sum(values) <= 0:
        raise ValueError(f"split must be three finite non-negative shares, got {tuple(split)}")
    return values  # type: ignore[return-value]


def split_levels(n_levels: int, split: Sequence[float] = DEFAULT_SPLIT) -> list[float]:
    """Shares of levels ``0 .. n_levels - 1`` (level 0 = GNN_node): ``split[-1]`` for the last
    three, ``split[-2]`` for the three before, ``split[0]`` for the rest, evenly within a group.
    A group without levels passes its share to the next deeper group. Sums to 1."""
    if n_levels < 1:
        raise ValueError("n_levels must be >= 1")
    split = check_split(split)
    total = float(sum(split))
    groups = [list(range(0, max(0, n_levels - 6))),
              list(range(max(0, n_levels - 6), max(0, n_levels - 3))),
              list(range(max(0, n_levels - 3), n_levels))]  # fmt: skip
    shares = [0.0] * n_levels
    carry = 0.0
    for levels, share in zip(groups, split, strict=True):
        share = share / total + carry
        if not levels:
            carry = share
            continue
        carry = 0.0
        for lv in levels:
            shares[lv] = share / len(levels)
    return shares


def fit_shares(shares: Sequence[float], capacity: Sequence[float], total: float) -> list[float]:
    """Shares re-balanced to what each level can take ("water filling").

    A level planned more clicks than it has questions (``capacity``, in clicks) would pass the
    rest up by roll-over, and what the last levels cannot take is lost: with the paper's split
    the deep levels run out of questions from a few percent of the full cost on. Here each such
    level is planned its capacity and the clicks it frees go to the other levels in proportion
    to their shares, repeatedly, until no level is planned beyond its capacity (what no level
    can take stays with the last one).

    Args:
        shares: ``(L,)`` planned shares (:func:`split_levels`).
        capacity: ``(L,)`` clicks each level can spend (e.g. from a dry run without answers).
        total: the budget in clicks.

    Returns:
        ``L`` shares summing to 1.
    """
    w = np.asarray(shares, np.float64)
    cap = np.asarray(capacity, np.float64)
    if w.shape != cap.shape or not len(w):
        raise ValueError("shares and capacity must have the same, non-zero length")
    if total <= 0:
        return list(w / w.sum())
    cap = np.maximum(cap, 0.0) / float(total)
    out = np.zeros_like(w)
    free = w > 0
    left = 1.0
    while free.any() and left > 1e-12:
        alloc = left * np.where(free, w, 0.0) / w[free].sum()
        over = free & (alloc > cap)
        if not over.any():
            out[free] = alloc[free]
            left = 0.0
            break
        out[over] = cap[over]
        left -= float(cap[over].sum())
        free &= ~over
    out[-1] += max(left, 0.0)
    return list(out / out.sum())


@dataclass
class LevelBudget:
    """A click budget spent level by level, bottom-up, with roll-over.

    ``allowance(level)`` = the level's share plus what earlier levels left (possibly minus what
    they overspent: a query's cost is known only after its answer, so the last query of a level
    may overshoot by at most one click, which the next level pays back). The total is never
    exceeded: the labeler tells each question the clicks left (``total - used``, less what the
    current level spent), and an answer may not cost more.
    """

    total: int
    shares: list[float]
    spent: dict[int, int] = field(default_factory=dict)

    def allowance(self, level: int) -> float:
        """Clicks level ``level`` may spend."""
        # the last level may spend all (the shares' float sum can fall short of 1 by 1e-16)
        last = level >= len(self.shares) - 1
        planned = self.total if last else self.total * sum(self.shares[: level + 1])
        return planned - sum(v for k, v in self.spent.items() if k < level)

    def spend(self, level: int, clicks: int) -> None:
        """Record the clicks spent at ``level``."""
        self.spent[level] = self.spent.get(level, 0) + int(clicks)

    @property
    def used(self) -> int:
        """Clicks spent so far."""
        return int(sum(self.spent.values()))
