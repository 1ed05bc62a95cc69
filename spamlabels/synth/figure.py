"""The articulated person figure: pose geometry, silhouettes and the shared part drawing.

A figure is built from five kinds of parts (head circle, torso quadrilateral, two arms and two
legs as thick segments) in *body units*: ``y`` runs from 0 at the top of the head to 1 at the
soles, ``x`` is horizontal from the body's centre line, in units of body height (multiplied
by a per-person *build* factor when drawn). Poses are quantised: :data:`N_PHASE` gait phases
times :data:`N_SWING` swing amplitudes (0 when walking towards or away from the camera or
standing, 1 for a full stride seen from the side). The ground-truth box, the visibility
silhouette and the rendered picture all come from the same :class:`PoseTable`, so they agree.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "N_PHASE",
    "N_SWING",
    "PROP_POSE",
    "FigureParts",
    "PoseTable",
    "draw_limb",
    "draw_parts",
    "pose_index",
    "pose_table",
]

N_PHASE = 16
"""Number of gait-phase bins."""
N_SWING = 4
"""Number of swing-amplitude bins."""
PROP_POSE = N_PHASE * N_SWING
"""Pose index of a static object (a full rectangle silhouette)."""

HEAD_R = 0.068
_TORSO = np.array([[-0.125, 0.15], [0.125, 0.15], [0.095, 0.54], [-0.095, 0.54]])
_ARM_PIVOT = (0.118, 0.175)
_ARM_LEN, ARM_R, _ARM_REST, _ARM_SWING = 0.34, 0.032, 0.06, 0.45
_LEG_PIVOT = (0.055, 0.51)
LEG_R, _LEG_SWING = 0.048, 0.42
_MASK_ROWS, _MASK_COLS, _MASK_HALF_WIDTH = 96, 72, 0.375
_N_SAMPLES = 64


@dataclass(frozen=True)
class FigureParts:
    """Geometry of one pose in body units.

    Attributes:
        head: ``(3,)`` centre x, centre y, radius.
        torso: ``(4, 2)`` corners (left shoulder, right shoulder, right hip, left hip).
        limbs: ``(4, 2, 2)`` segment end points of back arm, back leg, front leg, front arm
            (drawing order), each ``(from, to)`` as ``(x, y)``.
        limb_r: ``(4,)`` half thickness of each limb.
    """

    head: NDArray[np.float64]
    torso: NDArray[np.float64]
    limbs: NDArray[np.float64]
    limb_r: NDArray[np.float64]


def _pose_parts(phase: float, swing: float) -> FigureParts:
    s = math.sin(phase)
    arm_a = _ARM_SWING * swing * s
    leg_a = _LEG_SWING * swing * s
    limbs = []
    for side, arm_sign in ((-1.0, 1.0), (1.0, -1.0)):
        px, py = side * _ARM_PIVOT[0], _ARM_PIVOT[1]
        ang = arm_sign * arm_a + side * _ARM_REST
        limbs.append([[px, py], [px + _ARM_LEN * math.sin(ang), py + _ARM_LEN * math.cos(ang)]])
    legs = []
    for side, leg_sign in ((-1.0, -1.0), (1.0, 1.0)):
        px, py = side * _LEG_PIVOT[0], _LEG_PIVOT[1]
        foot_y = 1.0 - LEG_R
        legs.append([[px, py], [px + (foot_y - py) * math.tan(leg_sign * leg_a), foot_y]])
    ordered = [limbs[0], legs[0], legs[1], limbs[1]]
    return FigureParts(
        head=np.array([0.0, HEAD_R, HEAD_R]),
        torso=_TORSO.copy(),
        limbs=np.array(ordered, dtype=np.float64),
        limb_r=np.array([ARM_R, LEG_R, LEG_R, ARM_R]),
    )


def draw_parts(
    img: NDArray[np.uint8],
    parts: FigureParts,
    origin: tuple[float, float],
    scale: tuple[float, float],
    colours: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]],
    line_type: int = cv2.LINE_8,
    back_shade: float = 1.0,
) -> None:
    """Draw the silhouette parts of a figure (in place).

    Args:
        img: ``(H, W)`` or ``(H, W, 3)`` uint8 image.
        parts: the pose geometry.
        origin: pixel position of body point ``(0, 0)`` (centre of the head top).
        scale: pixels per body unit horizontally (height times build) and vertically.
        colours: colour of the head, torso, legs and arms.
        line_type: OpenCV line type.
        back_shade: brightness factor of the far arm and leg (1 keeps the colours exact,
            as silhouette masks need).
    """
    ox, oy = origin
    sx, sy = scale
    head_c, torso_c, leg_c, arm_c = colours
    for k in range(len(parts.limbs)):
        colour = arm_c if k in (0, 3) else leg_c
        if k < 2 and back_shade != 1.0:
            colour = tuple(int(c * back_shade) for c in colour)
        if k == 3:
            _torso(img, parts, ox, oy, sx, sy, torso_c, line_type)
        draw_limb(img, parts, k, origin, scale, colour, line_type)
    hx, hy, hr = parts.head
    radius = max(1, round(hr * sy))
    cv2.circle(img, (round(ox + hx * sx), round(oy + hy * sy)), radius, head_c, -1, line_type)


def draw_limb(
    img: NDArray[np.uint8],
    parts: FigureParts,
    k: int,
    origin: tuple[float, float],
    scale: tuple[float, float],
    colour: tuple[int, ...],
    line_type: int = cv2.LINE_8,
) -> None:
    """Draw limb ``k`` of ``parts`` (see :class:`FigureParts`) as a thick segment, in place;
    ``origin`` and ``scale`` as in :func:`draw_parts`."""
    (ax, ay), (bx, by) = parts.limbs[k]
    (ox, oy), (sx, sy) = origin, scale
    thick = max(1, round(2 * parts.limb_r[k] * sx))
    p0, p1 = (round(ox + ax * sx), round(oy + ay * sy)), (round(ox + bx * sx), round(oy + by * sy))
    cv2.line(img, p0, p1, colour, thick, line_type)


def _torso(
    img: NDArray[np.uint8],
    parts: FigureParts,
    ox: float,
    oy: float,
    sx: float,
    sy: float,
    colour: tuple[int, ...],
    line_type: int,
) -> None:
    pts = np.round(np.column_stack([ox + parts.torso[:, 0] * sx, oy + parts.torso[:, 1] * sy]))
    cv2.fillConvexPoly(img, pts.astype(np.int32), colour, line_type)


@dataclass(frozen=True)
class PoseTable:
    """All quantised poses plus the static-object pose (index :data:`PROP_POSE`).

    Attributes:
        parts: geometry of each pose (``None`` for the prop pose).
        x_min: ``(P,)`` left extent of each pose in body units (incl. limb thickness).
        x_max: ``(P,)`` right extent.
        masks: ``(P, R, C)`` bool silhouettes on a grid of ``y`` in [0, 1] (R rows) and ``x``
            in ``[-half_width, half_width]`` (C columns); the prop mask is all True and
            spans the grid (its horizontal body unit is its width / ``2 * half_width``).
        samples: ``(P, K, 2)`` body-unit ``(x, y)`` points spread evenly over each silhouette
            (visibility is the fraction of them that is neither covered nor outside the image).
        half_width: half width of the mask grid in body units.
    """

    parts: tuple[FigureParts | None, ...]
    x_min: NDArray[np.float64]
    x_max: NDArray[np.float64]
    masks: NDArray[np.bool_]
    samples: NDArray[np.float64]
    half_width: float


@functools.cache
def pose_table() -> PoseTable:
    """The (cached) table of every pose."""
    rows, cols, hw = _MASK_ROWS, _MASK_COLS, _MASK_HALF_WIDTH
    parts_list: list[FigureParts | None] = []
    x_min, x_max, masks, samples = [], [], [], []
    ys, xs = (np.arange(rows) + 0.5) / rows, (np.arange(cols) + 0.5) / cols * 2 * hw - hw
    for p in range(N_PHASE):
        for s in range(N_SWING):
            parts = _pose_parts(2 * math.pi * p / N_PHASE, s / (N_SWING - 1))
            parts_list.append(parts)
            ends = parts.limbs.reshape(-1, 2)[:, 0]
            r = np.repeat(parts.limb_r, 2)
            x_min.append(min((ends - r).min(), parts.torso[:, 0].min(), -HEAD_R))
            x_max.append(max((ends + r).max(), parts.torso[:, 0].max(), HEAD_R))
            mask = np.zeros((rows * 4, cols * 4), np.uint8)  # 4x supersampled
            one = (1,)
            draw_parts(
                mask, parts, (cols * 2, 0.0), (cols * 4 / (2 * hw), rows * 4), (one, one, one, one)
            )
            mask = mask.reshape(rows, 4, cols, 4).mean(axis=(1, 3)) >= 0.5
            masks.append(mask)
            r_idx, c_idx = np.nonzero(mask)
            pick = np.linspace(0, len(r_idx) - 1, _N_SAMPLES).round().astype(int)
            samples.append(np.column_stack([xs[c_idx[pick]], ys[r_idx[pick]]]))
    parts_list.append(None)  # the prop: a full box, x in [-hw, hw] spans its width
    x_min.append(-hw)
    x_max.append(hw)
    masks.append(np.ones((rows, cols), bool))
    grid = (np.arange(8) + 0.5) / 8
    gx, gy = np.meshgrid((grid - 0.5) * 2 * hw, grid)
    samples.append(np.column_stack([gx.ravel(), gy.ravel()]))
    return PoseTable(
        tuple(parts_list), np.array(x_min), np.array(x_max), np.stack(masks), np.stack(samples), hw
    )


def pose_index(phase: NDArray[np.float64], swing: NDArray[np.float64]) -> NDArray[np.int64]:
    """Quantised pose of gait ``phase`` (radians) and ``swing`` amplitude in [0, 1]."""
    p = np.floor(np.mod(phase, 2 * math.pi) / (2 * math.pi) * N_PHASE + 0.5).astype(np.int64)
    s = np.clip(np.round(np.asarray(swing) * (N_SWING - 1)), 0, N_SWING - 1).astype(np.int64)
    return (p % N_PHASE) * N_SWING + s
