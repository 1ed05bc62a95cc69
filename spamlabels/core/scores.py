"""Detector scores into probabilities.

Every confidence threshold of spamlabels (``--min-conf``, GNN_node's ``node_keep_conf``,
ByteTrack's ``track_thresh``) reads a detection's score as a probability. Some detectors
write other units: the MOT17 DPM files hold SVM margins from -0.5 to 4.8. ``--score-map``
maps them on reading. Only mappings measured to help are offered: on the seven MOT17 DPM
files the shipped SPAM tracker scores HOTA 30.42 on the raw margins and 31.52 on their
logistic, while a min-max rescale to 0-1 gives 8.30 (``benchmarks/score_maps.py``,
docs/benchmarks.md section 7).
"""

from __future__ import annotations

import warnings
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SCORE_MAPS", "ScoreMap", "check_score_map", "map_scores"]

ScoreMap = Literal["none", "logistic"]
"""``"none"``: scores as written; ``"logistic"``: ``1 / (1 + exp(-s))`` (margins, logits)."""

SCORE_MAPS: tuple[str, ...] = get_args(ScoreMap)
"""The names :func:`map_scores` accepts."""


def check_score_map(how: str) -> str:
    """``how`` if it is one of :data:`SCORE_MAPS`; :class:`ValueError` naming them if not."""
    if how not in SCORE_MAPS:
        raise ValueError(f"unknown score map {how!r} (available: {', '.join(SCORE_MAPS)})")
    return how


def map_scores(scores: ArrayLike, how: str = "none", source: object = "scores"
               ) -> NDArray[np.float64]:  # fmt: skip
    """``scores`` mapped to probabilities by ``how``.

    Args:
        scores: ``(n,)`` detector scores.
        how: one of :data:`SCORE_MAPS`.
        source: where the scores come from (e.g. the det file), for the warning.

    Returns:
        ``(n,)`` float64; a new array (``how="none"``: a copy).

    Raises:
        ValueError: an unknown ``how``.

    Warns:
        UserWarning: ``how="logistic"`` on scores already within 0-1 (they would all land in
            0.5-0.73, above most thresholds).
    """
    check_score_map(how)
    s = np.array(scores, np.float64)
    if how == "none":
        return s
    if s.size and s.min() >= 0.0 and s.max() <= 1.0:
        warnings.warn(f"{source}: the scores are already within 0-1; their logistic puts "
                      "every one in 0.5-0.73 (leave them as they are unless they are margins "
                      "or logits)", stacklevel=2)  # fmt: skip
    with np.errstate(over="ignore"):  # exp(-s) of a large negative margin: inf, map 0
        return 1.0 / (1.0 + np.exp(-s))
