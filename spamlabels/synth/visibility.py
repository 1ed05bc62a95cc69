"""Visible fraction of every figure from depth-ordered occlusion and the image border.

Each figure is represented by :data:`~spamlabels.synth.figure.PoseTable.samples`: points
spread evenly over its silhouette. A point is hidden when it lies outside the image or inside
the silhouette (mask) of a nearer figure or object of the same frame; visibility is the
fraction of points left. This is exact up to the mask resolution (about 1 % of body height)
and the number of points (64), and it is what ``gt.txt`` column 9 holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from spamlabels.synth.figure import pose_table

__all__ = ["Figures", "compute_visibility"]

_PAIR_CHUNK = 8192


@dataclass(frozen=True)
class Figures:
    """Placed figures, one row per figure and frame (people and static objects).

    Attributes:
        t: ``(n,)`` int64 frame index.
        depth: ``(n,)`` distance along the optical axis, metres (smaller is nearer).
        cx: ``(n,)`` pixel column of the body centre line.
        top: ``(n,)`` pixel row of the top of the head (of the object).
        h: ``(n,)`` pixels per vertical body unit (the full height of the figure).
        bw: ``(n,)`` pixels per horizontal body unit.
        pose: ``(n,)`` int64 index into :func:`~spamlabels.synth.figure.pose_table`.
    """

    t: NDArray[np.int64]
    depth: NDArray[np.float64]
    cx: NDArray[np.float64]
    top: NDArray[np.float64]
    h: NDArray[np.float64]
    bw: NDArray[np.float64]
    pose: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def take(self, rows: NDArray[np.int64]) -> Figures:
        """The figures at ``rows`` (an index array)."""
        return Figures(*(getattr(self, f.name)[rows] for f in fields(self)))

    @classmethod
    def concat(cls, parts: Sequence[Figures]) -> Figures:
        """All figures of ``parts``, in order."""
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def xyxy(self) -> NDArray[np.float64]:
        """``(n, 4)`` full (unclipped) boxes in pixels."""
        table = pose_table()
        return np.column_stack(
            [
                self.cx + table.x_min[self.pose] * self.bw,
                self.top,
                self.cx + table.x_max[self.pose] * self.bw,
                self.top + self.h,
            ]
        )

    def points(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(len(rows), K, 2)`` silhouette sample points of ``rows`` in pixels."""
        s = pose_table().samples[self.pose[rows]]
        return np.stack(
            [
                self.cx[rows, None] + s[..., 0] * self.bw[rows, None],
                self.top[rows, None] + s[..., 1] * self.h[rows, None],
            ],
            axis=-1,
        )


def _occlusion_pairs(fig: Figures, boxes: NDArray[np.float64]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)`` of the same frame whose boxes overlap with ``j`` nearer than ``i``."""
    order = np.argsort(fig.t, kind="stable")
    t_sorted = fig.t[order]
    starts = np.flatnonzero(np.r_[True, t_sorted[1:] != t_sorted[:-1]])
    ends = np.r_[starts[1:], len(order)]
    occluded, occluder = [], []
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        g = order[s:e]
        b = boxes[g]
        d = fig.depth[g]
        over = (
            (b[:, None, 0] < b[None, :, 2])
            & (b[None, :, 0] < b[:, None, 2])
            & (b[:, None, 1] < b[None, :, 3])
            & (b[None, :, 1] < b[:, None, 3])
            & (d[None, :] < d[:, None])
        )
        i, j = np.nonzero(over)
        occluded.append(g[i])
        occluder.append(g[j])
    if not occluded:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(occluded), np.concatenate(occluder)


def compute_visibility(
    fig: Figures, width: int, height: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Visible fraction, visible-part box and in-image fraction of every figure.

    Args:
        fig: all figures of the sequence (people and occluding objects).
        width: image width, pixels.
        height: image height, pixels.

    Returns:
        ``(visibility, visible_xyxy, in_image)``: ``(n,)`` visible fractions in [0, 1],
        ``(n, 4)`` boxes around the visible part, inside the full box and the image (NaN
        where nothing is visible), and ``(n,)`` fractions inside the image (occluded or not).
    """
    n = len(fig)
    table = pose_table()
    k = table.samples.shape[1]
    boxes = fig.xyxy()
    pts = fig.points(np.arange(n))
    in_image = (
        (pts[..., 0] >= 0) & (pts[..., 0] < width) & (pts[..., 1] >= 0) & (pts[..., 1] < height)
    )
    covered = np.zeros(n * k, bool)
    occ, occr = _occlusion_pairs(fig, boxes)
    rows, cols = table.masks.shape[1:]
    hw = table.half_width
    for s in range(0, len(occ), _PAIR_CHUNK):
        i, j = occ[s : s + _PAIR_CHUNK], occr[s : s + _PAIR_CHUNK]
        p = pts[i]
        xb = (p[..., 0] - fig.cx[j, None]) / fig.bw[j, None]
        yb = (p[..., 1] - fig.top[j, None]) / fig.h[j, None]
        col = np.floor((xb + hw) / (2 * hw) * cols).astype(np.int64)
        row = np.floor(yb * rows).astype(np.int64)
        ok = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        hit = np.zeros_like(ok)
        pose_j = np.broadcast_to(fig.pose[j, None], ok.shape)
        hit[ok] = table.masks[pose_j[ok], row[ok], col[ok]]
        flat = (i[:, None] * k + np.arange(k)[None, :])[hit]
        covered[flat] = True
    visible = in_image & ~covered.reshape(n, k)
    visibility = visible.mean(axis=1)
    # Each side of the visible box is the full box's side when the figure's extreme sample on
    # that side is visible, else the extreme visible sample grown by two mask cells.
    pad = np.column_stack(
        [
            -2 * 2 * hw / cols * fig.bw,
            -2 / rows * fig.h,
            2 * 2 * hw / cols * fig.bw,
            2 / rows * fig.h,
        ]
    )
    samples = table.samples[fig.pose]
    extreme = np.stack(
        [
            samples[..., 0].argmin(1),
            samples[..., 1].argmin(1),
            samples[..., 0].argmax(1),
            samples[..., 1].argmax(1),
        ],
        axis=1,
    )
    coord = np.array([0, 1, 0, 1])
    vis_box = np.empty((n, 4))
    for side in range(4):
        values = pts[..., coord[side]]
        if side < 2:
            inner = np.where(visible, values, np.inf).min(1)
        else:
            inner = np.where(visible, values, -np.inf).max(1)
        ext_visible = visible[np.arange(n), extreme[:, side]]
        vis_box[:, side] = np.where(ext_visible, boxes[:, side], inner + pad[:, side])
    vis_box[:, :2] = np.maximum(vis_box[:, :2], boxes[:, :2])
    vis_box[:, 2:] = np.minimum(vis_box[:, 2:], boxes[:, 2:])
    vis_box[:, [0, 2]] = np.clip(vis_box[:, [0, 2]], 0, width)
    vis_box[:, [1, 3]] = np.clip(vis_box[:, [1, 3]], 0, height)
    vis_box[~visible.any(axis=1)] = np.nan
    return visibility, vis_box, in_image.mean(axis=1)
