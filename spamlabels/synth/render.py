"""Rendering synthetic frames with OpenCV drawing primitives.

A frame is a textured ground plane (a procedural tile warped by the camera's ground
homography, hazy towards the horizon), a sky with a distant skyline, the static props and the
people, painted far to near. People are the articulated figures of
:mod:`spamlabels.synth.figure` in their clothing colours and patterns; their silhouettes are
exactly those used for the ground-truth visibility.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from numpy.typing import NDArray

from spamlabels.synth.appearance import Pattern
from spamlabels.synth.figure import ARM_R, LEG_R, FigureParts, draw_limb, draw_parts, pose_table

if TYPE_CHECKING:
    from spamlabels.synth.scene import Scene

__all__ = ["render_frame"]

_TILE = 512  # texture tile size, pixels
_TILE_METRES = 8.0  # ground size of one tile
_DETAIL_PX = 18  # people shorter than this (rendered pixels) are drawn without details


def _texture(seed: int) -> NDArray[np.uint8]:
    """A seamless ground tile: paving, asphalt or grass."""
    rng = np.random.default_rng(seed)
    kind = int(rng.integers(0, 3))
    base = [np.array([150, 150, 145]), np.array([85, 85, 90]), np.array([60, 120, 75])][kind]
    base = base + rng.normal(0, 12, 3)
    small = np.tile(rng.normal(0, 1, (_TILE // 8, _TILE // 8)), (3, 3))  # periodic
    noise = cv2.resize(small, (3 * _TILE, 3 * _TILE), interpolation=cv2.INTER_CUBIC)
    noise = noise[_TILE : 2 * _TILE, _TILE : 2 * _TILE, None]
    fine = rng.normal(0, 1, (_TILE, _TILE, 1))
    tile = base + 14 * noise + (6 if kind else 4) * fine
    if kind == 0:  # paving slabs, 1 m, each a slightly different shade
        px = int(_TILE / _TILE_METRES)
        shade = rng.normal(0, 8, (_TILE // px, _TILE // px, 1))
        tile = tile + np.kron(shade, np.ones((px, px, 1)))
        tile[::px] -= 35
        tile[:, ::px] -= 35
    return np.clip(tile, 0, 255).astype(np.uint8)


def _skyline(seed: int) -> NDArray[np.float64]:
    """Distant buildings: ``(m, 5)`` azimuth start, width (radians), top elevation (radians),
    grey level and tint."""
    rng = np.random.default_rng(seed + 1)
    m = 60
    start = np.sort(rng.uniform(-math.pi, math.pi, m))
    width = rng.uniform(0.03, 0.2, m)
    top = rng.uniform(0.01, 0.08, m)
    return np.column_stack([start, width, top, rng.uniform(70, 170, m), rng.normal(0, 10, m)])


def _cached(scene: Scene, key: str, make: Callable[[], Any]) -> Any:
    if key not in scene._cache:
        scene._cache[key] = make()
    return scene._cache[key]


def _background(scene: Scene, t: int, scale: float) -> NDArray[np.uint8]:
    """Ground, sky and skyline of frame index ``t`` (cached for a static camera)."""
    cam = scene.camera
    key = ("background", 0 if cam.is_static else t, scale)
    if key in scene._cache:
        return scene._cache[key].copy()
    seed = scene._cache["texture_seed"]
    tile = _cached(scene, "tile", lambda: _texture(seed))
    w, h = round(cam.width * scale), round(cam.height * scale)
    to_tile = np.diag([_TILE_METRES / _TILE, _TILE_METRES / _TILE, 1.0])
    hom = cam.ground_homography(t, scale) @ to_tile
    img: NDArray[np.uint8] = np.asarray(
        cv2.warpPerspective(tile, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP),
        dtype=np.uint8,
    )
    horizon = float(cam.horizon_v(np.array([t]))[0]) * scale
    sky_rows = int(np.clip(math.ceil(horizon + 1), 0, h))
    f = cam.focal[t] * scale
    if sky_rows > 0:
        grad = np.linspace(0.0, 1.0, sky_rows)[:, None]
        sky = (1 - grad) * np.array([225, 190, 160]) + grad * np.array([225, 215, 205])
        img[:sky_rows] = sky[:, None, :].astype(np.uint8)
        _draw_skyline(img, scene, t, f, horizon, scale)
    band = int(np.clip(horizon + 0.08 * f, 0, h))
    lo = max(sky_rows, 0)
    if band > lo:  # haze: fade the far ground into the horizon colour
        rows = np.arange(lo, band)
        alpha = np.clip(1 - (rows - horizon) / (0.08 * f), 0, 1)[:, None, None] ** 1.5
        haze = np.array([200, 200, 195])
        img[lo:band] = (img[lo:band] * (1 - alpha) + haze * alpha).astype(np.uint8)
    if cam.is_static or len(cam) == 1:
        scene._cache[key] = img.copy()
    return img


def _draw_skyline(
    img: NDArray[np.uint8], scene: Scene, t: int, f: float, horizon: float, scale: float
) -> None:
    cam = scene.camera
    blocks = _cached(scene, "skyline", lambda: _skyline(scene._cache["texture_seed"]))
    cx = cam.width * scale / 2
    half_fov = math.atan(cx / f)
    rel = (blocks[:, 0] - cam.yaw[t] + math.pi) % (2 * math.pi) - math.pi
    for (_, width, top, grey, tint), a in zip(blocks, rel, strict=True):
        a0, a1 = a, a + width
        if a1 < -half_fov - 0.1 or a0 > half_fov + 0.1:
            continue
        u0 = cx + f * math.tan(np.clip(a0, -1.4, 1.4))
        u1 = cx + f * math.tan(np.clip(a1, -1.4, 1.4))
        v_top = horizon - f * math.tan(top)
        colour = (grey + tint, grey, grey - tint)
        cv2.rectangle(
            img,
            (round(u0), round(v_top)),
            (round(u1), round(horizon + 1)),
            tuple(float(np.clip(c, 0, 255)) for c in colour),
            -1,
        )


def _colour(c: NDArray[np.uint8]) -> tuple[int, int, int]:
    return int(c[0]), int(c[1]), int(c[2])


def _torso_band(parts: FigureParts, y0: float, y1: float, x0: float, x1: float) -> np.ndarray:
    """Body-unit quadrilateral: the torso between fractions ``y0..y1`` of its height and
    ``x0..x1`` of its width."""
    tl, tr, br, bl = parts.torso

    def at(fy: float, fx: float) -> np.ndarray:
        left = tl + (bl - tl) * fy
        right = tr + (br - tr) * fy
        return left + (right - left) * fx

    return np.array([at(y0, x0), at(y0, x1), at(y1, x1), at(y1, x0)])


def _fill(
    img: NDArray[np.uint8],
    quad: np.ndarray,
    origin: tuple[float, float],
    scale: tuple[float, float],
    colour: tuple[int, int, int],
    line_type: int,
) -> None:
    pts = np.column_stack([origin[0] + quad[:, 0] * scale[0], origin[1] + quad[:, 1] * scale[1]])
    cv2.fillConvexPoly(img, np.round(pts).astype(np.int32), colour, line_type)


def _draw_person(img: NDArray[np.uint8], scene: Scene, row: int, scale: float) -> None:
    fig = scene.figures
    person = int(scene.gt.id[row]) - 1
    look = scene.appearance
    parts = pose_table().parts[int(fig.pose[row])]
    assert parts is not None
    origin = (float(fig.cx[row]) * scale, float(fig.top[row]) * scale)
    size = (float(fig.bw[row]) * scale, float(fig.h[row]) * scale)
    detail = size[1] >= _DETAIL_PX
    line = cv2.LINE_AA if size[1] >= 40 else cv2.LINE_8
    top, skin = _colour(look.top[person]), _colour(look.skin[person])
    colours = (skin, top, _colour(look.bottom[person]), top)
    draw_parts(img, parts, origin, size, colours, line, back_shade=0.75)
    if not detail:
        return
    top2 = _colour(look.top2[person])
    pattern = int(look.pattern[person])
    if pattern == Pattern.STRIPES:
        n = int(look.stripes[person])
        for k in range(n):
            y0 = (2 * k + 1) / (2 * n + 1)
            _fill(img, _torso_band(parts, y0, y0 + 1 / (2 * n + 1), 0, 1), origin, size, top2, line)
    elif pattern == Pattern.SPLIT:
        _fill(img, _torso_band(parts, 0, 1, 0.5, 1), origin, size, top2, line)
    elif pattern == Pattern.JACKET:
        _fill(img, _torso_band(parts, 0.05, 1, 0.35, 0.65), origin, size, top2, line)
    # front arm over the pattern, hands, shoes, hair
    draw_limb(img, parts, 3, origin, size, top, line)
    shoes = _colour(look.shoes[person])
    for k, r, c in (
        (0, ARM_R * 0.9, skin),
        (3, ARM_R * 0.9, skin),
        (1, LEG_R, shoes),
        (2, LEG_R, shoes),
    ):
        end = parts.limbs[k][1]
        centre = (round(origin[0] + end[0] * size[0]), round(origin[1] + end[1] * size[1]))
        cv2.circle(img, centre, max(1, round(r * size[0])), c, -1, line)
    hx, hy, hr = parts.head
    centre = (round(origin[0] + hx * size[0]), round(origin[1] + hy * size[1]))
    radius = max(1, round(hr * size[1]))
    hair = _colour(look.hair[person])
    if scene.facing[row]:
        cv2.ellipse(img, centre, (radius, radius), 0, 180, 360, hair, -1, line)
    else:
        cv2.circle(img, centre, radius, hair, -1, line)


def _draw_prop(img: NDArray[np.uint8], scene: Scene, row: int, scale: float) -> None:
    fig = scene.prop_figures
    hw = pose_table().half_width
    half = float(fig.bw[row]) * hw * scale
    cx, top = float(fig.cx[row]) * scale, float(fig.top[row]) * scale
    bottom = top + float(fig.h[row]) * scale
    colour = _colour(scene.props.colour[int(scene.prop_index[row])])
    cv2.rectangle(
        img, (round(cx - half), round(top)), (round(cx + half), round(bottom)), colour, -1
    )
    dark = tuple(int(c * 0.6) for c in colour)
    cv2.rectangle(
        img,
        (round(cx - half), round(top)),
        (round(cx + half), round(top + 0.08 * (bottom - top))),
        dark,
        -1,
    )


def render_frame(scene: Scene, frame: int, scale: float = 0.5) -> NDArray[np.uint8]:
    """Render one frame of a simulated scene.

    Args:
        scene: from :func:`~spamlabels.synth.scene.simulate_scene`.
        frame: 1-based frame number.
        scale: output size relative to the scene's image size (boxes scale the same way).

    Returns:
        ``(round(height * scale), round(width * scale), 3)`` uint8 BGR image.
    """
    if not 1 <= frame <= scene.info.seq_length:
        raise IndexError(f"frame {frame} outside 1..{scene.info.seq_length}")
    if not 0.01 <= scale <= 4.0:
        raise ValueError(f"scale must be in [0.01, 4], got {scale}")
    t = frame - 1
    img = _background(scene, t, scale)
    people = scene.gt.rows_at(frame)
    pf = scene.prop_figures
    lo, hi = np.searchsorted(pf.t, [t, t + 1])
    props = np.arange(lo, hi)
    depth = np.concatenate([scene.figures.depth[people], pf.depth[props]])
    kinds = np.concatenate([np.zeros(len(people), int), np.ones(len(props), int)])
    rows = np.concatenate([people, props])
    for k in np.argsort(-depth, kind="stable"):
        if kinds[k] == 0:
            _draw_person(img, scene, int(rows[k]), scale)
        else:
            _draw_prop(img, scene, int(rows[k]), scale)
    return img
