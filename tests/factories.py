"""Tiny factories for test inputs (kept out of the package)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spamlabels.core import Detections, Tracks


def make_dets(
    frame: Sequence[int], xywh: Sequence[Sequence[float]], score: Sequence[float] | None = None
) -> Detections:
    """Detections from plain lists."""
    return Detections(frame=np.asarray(frame), xywh=np.asarray(xywh, float), score=score)


def make_tracks(
    rows: Sequence[tuple[int, int, float, float, float, float]], **columns: object
) -> Tracks:
    """Tracks from ``(frame, id, left, top, w, h)`` rows."""
    m = np.asarray(rows, dtype=float).reshape(-1, 6)
    return Tracks(frame=m[:, 0].astype(int), id=m[:, 1].astype(int), xywh=m[:, 2:6], **columns)
