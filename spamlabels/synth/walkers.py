"""People walking on the ground plane: spawning, trajectories, groups, stops, turns, gait.

The *walking area* of frame ``t`` is the part of the ground in front of the camera between a
near limit (a little nearer than where the feet leave the bottom of the image) and a far limit
(where people become too small), as wide as the view plus a margin. People are placed in it at
the start, new people enter at its border whenever the crowd is below its target size, and a
person leaves the simulation when they walk out of it. There is no collision avoidance:
people pass through each other (occlusion handles the picture).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from spamlabels.synth._random import ar1
from spamlabels.synth.camera import CameraPath
from spamlabels.synth.config import SceneConfig

__all__ = ["WalkArea", "Walkers", "simulate_walkers"]

REFERENCE_HEIGHT = 1.75
"""Person height (metres) used to size the walking area."""
DEPTH_EXPONENT = 0.0
"""People per metre of distance grow like ``distance ** DEPTH_EXPONENT``."""
_MARGIN = 0.6  # metres outside the view where people still walk (plus _WIDEN)
_WIDEN = 1.1  # the area is this much wider than the view at every distance
_NEAR_FRACTION = 0.9  # people come this close relative to where their feet leave the image
_SPAWN_INSET = 0.2  # new people start this far inside the border (metres)


@dataclass(frozen=True)
class WalkArea:
    """The walking area of every frame, in camera-relative ground coordinates.

    A ground point ``p`` has lateral coordinate ``a = right . (p - c)`` and forward
    coordinate ``b = forward . (p - c)`` (``c`` the camera's ground position). It is inside the
    area when ``near <= b <= far`` and ``|a| <= slope * b + margin``.

    Attributes:
        camera: the camera path.
        near: ``(T,)`` nearest forward distance, metres.
        far: ``(T,)`` farthest forward distance, metres.
        slope: ``(T,)`` half-width growth per metre of distance (10 % more than the view's
            ``width / 2 / focal``).
        margin: lateral margin, metres.
    """

    camera: CameraPath
    near: NDArray[np.float64]
    far: NDArray[np.float64]
    slope: NDArray[np.float64]
    margin: float = _MARGIN

    @classmethod
    def from_camera(cls, camera: CameraPath, config: SceneConfig) -> WalkArea:
        """The area seen by ``camera`` with people of at least ``config.min_person_px`` pixels."""
        t = np.arange(len(camera))
        bottom, _ = camera.ground_depth_range(t)
        near = np.maximum(1.0, _NEAR_FRACTION * bottom)
        # beyond this distance a person's head leaves the top of the image
        top_angle = camera.pitch - np.arctan(camera.height / 2 / camera.focal)
        above = camera.position[:, 2] - REFERENCE_HEIGHT
        head_ok = (top_angle > 1e-6) & (above > 0)
        head_limit = np.where(head_ok, above / np.tan(np.clip(top_angle, 1e-6, None)), np.inf)
        size_limit = camera.focal.min() * REFERENCE_HEIGHT / config.min_person_px
        far = np.minimum(np.minimum(head_limit + _MARGIN, size_limit), config.max_distance)
        far = np.maximum(far, near + 5.0)
        slope = _WIDEN * camera.width / 2 / camera.focal
        return cls(camera, near, far, slope)

    def to_local(self, t: NDArray[np.int64], xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(n, 2)`` camera-relative ``(a, b)`` of world ground points ``xy`` at frames ``t``."""
        fwd = self.camera.forward_ground(t)
        d = xy - self.camera.position[t, :2]
        right = np.stack([fwd[:, 1], -fwd[:, 0]], axis=1)
        return np.stack([(d * right).sum(1), (d * fwd).sum(1)], axis=1)

    def to_world(self, t: NDArray[np.int64], ab: NDArray[np.float64]) -> NDArray[np.float64]:
        """Inverse of :meth:`to_local`."""
        fwd = self.camera.forward_ground(t)
        right = np.stack([fwd[:, 1], -fwd[:, 0]], axis=1)
        return self.camera.position[t, :2] + ab[:, :1] * right + ab[:, 1:] * fwd

    def inside(
        self, t: NDArray[np.int64], xy: NDArray[np.float64], grow: float = 0.0
    ) -> NDArray[np.bool_]:
        """``(n,)`` whether world points ``xy`` are in the area of frames ``t`` (grown by
        ``grow`` metres on every side)."""
        ab = self.to_local(t, xy)
        a, b = ab[:, 0], ab[:, 1]
        return (
            (b >= self.near[t] - grow)
            & (b <= self.far[t] + grow)
            & (np.abs(a) <= self.slope[t] * b + self.margin + grow)
        )

    def _sample_distance(
        self, rng: np.random.Generator, t: int, n: int, border: bool = False
    ) -> NDArray[np.float64]:
        """Forward distances for ``n`` people at frame ``t``.

        People fill the area with density ``b ** DEPTH_EXPONENT`` per metre of distance ``b``
        (between log-uniform, -1, and uniform, 0): fewer per square metre far away than near,
        so they spread over the image rows (where a camera operator frames the action) instead
        of crowding the horizon with tiny figures, as an even density on the ground would. Near
        the camera the area is narrow and people cross it fast, so newcomers at the border
        (``border=True``) are drawn with an extra weight ``1 / width(b)`` to keep that profile.
        """
        inset = _SPAWN_INSET if border else 0.0
        grid = np.exp(
            np.linspace(math.log(self.near[t] + inset), math.log(self.far[t] - inset), 257)
        )
        weight = grid**DEPTH_EXPONENT
        if border:
            weight = weight / (self.slope[t] * grid + self.margin)
        cdf = np.concatenate([[0.0], np.cumsum((weight[1:] + weight[:-1]) / 2 * np.diff(grid))])
        return np.interp(rng.uniform(0, cdf[-1], n), cdf, grid)

    def sample_inside(self, rng: np.random.Generator, t: int, n: int) -> NDArray[np.float64]:
        """``(n, 2)`` world points inside the area of frame ``t`` (distance as in
        :meth:`_sample_distance`, lateral position uniform)."""
        b = self._sample_distance(rng, t, n)
        a = (rng.uniform(size=n) * 2 - 1) * (self.slope[t] * b + self.margin)
        return self.to_world(np.full(n, t), np.stack([a, b], axis=1))

    def sample_border(
        self, rng: np.random.Generator, t: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """A world point just inside the border of the area of frame ``t`` (on a side with
        probability 0.85, see :meth:`_sample_distance`; else on the far edge) and the inward
        unit normal there."""
        far, k, m = self.far[t], self.slope[t], self.margin
        inset = _SPAWN_INSET
        if rng.uniform() < 0.15:
            half = k * far + m - inset
            ab = np.array([rng.uniform(-half, half), far - inset])
            normal = np.array([0.0, -1.0])
        else:
            sign = 1.0 if rng.uniform() < 0.5 else -1.0
            b = float(self._sample_distance(rng, t, 1, border=True)[0])
            ab = np.array([sign * (k * b + m - inset), b])
            normal = np.array([-sign, k]) / math.hypot(1.0, k)
        t_arr = np.array([t])
        world = self.to_world(t_arr, ab[None])[0]
        fwd = self.camera.forward_ground(t_arr)[0]
        right = np.array([fwd[1], -fwd[0]])
        world_normal = normal[0] * right + normal[1] * fwd
        return world, world_normal


@dataclass(frozen=True)
class Walkers:
    """Ground-plane states of every person in every frame they exist.

    Row arrays (``n`` rows, one per person and frame, sorted by person then frame):

    Attributes:
        person: ``(n,)`` int64 person index ``0 .. n_people - 1``.
        t: ``(n,)`` int64 0-based frame index.
        xy: ``(n, 2)`` ground position of the feet, metres.
        heading: ``(n,)`` walking direction, radians (``atan2`` of the ground velocity).
        speed: ``(n,)`` ground speed, m/s.
        phase: ``(n,)`` gait phase, radians (one stride per ``2 pi``).
        height_m: ``(n_people,)`` body height of every person, metres.
        n_people: number of people.
    """

    person: NDArray[np.int64]
    t: NDArray[np.int64]
    xy: NDArray[np.float64]
    heading: NDArray[np.float64]
    speed: NDArray[np.float64]
    phase: NDArray[np.float64]
    height_m: NDArray[np.float64]

    @property
    def n_people(self) -> int:
        return int(self.height_m.shape[0])


@dataclass
class _Track:
    """One person's states from frame ``start`` on (internal)."""

    start: int
    xy: NDArray[np.float64]
    heading: NDArray[np.float64]
    speed: NDArray[np.float64]
    phase: NDArray[np.float64]
    height: float


def _pulses(
    rng: np.random.Generator, n: int, dt: float, rate: float, dur: tuple[float, float]
) -> list[tuple[int, int]]:
    """Random event windows ``[start, stop)`` (frame indices) of a Poisson process."""
    count = rng.poisson(rate * n * dt)
    out = []
    for _ in range(count):
        s = int(rng.integers(0, max(n, 1)))
        out.append((s, min(n, s + max(1, int(rng.uniform(*dur) / dt)))))
    return out


def _leader_motion(
    rng: np.random.Generator, n: int, dt: float, cfg: SceneConfig, heading0: float, standing: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Heading (radians) and speed (m/s) over ``n`` frames: a smooth random wander with
    Poisson turns and stops."""
    if standing:
        return np.full(n, heading0), np.zeros(n)
    omega = ar1(rng, (n,), 3.0, dt, 0.12)
    for s, e in _pulses(rng, n, dt, cfg.turn_rate, (1.0, 2.5)):
        angle = rng.choice([-1.0, 1.0]) * rng.uniform(math.pi / 6, math.pi / 2)
        omega[s:e] += angle / ((e - s) * dt)
    heading = heading0 + np.cumsum(omega) * dt - omega[0] * dt
    v0 = float(np.clip(rng.normal(cfg.walk_speed, cfg.walk_speed_std), cfg.min_walk_speed, 2.5))
    factor = 1.0 + ar1(rng, (n,), 2.0, dt, 0.08)
    moving = np.ones(n)
    for s, e in _pulses(rng, n, dt, cfg.stop_rate, (1.0, cfg.max_stop_seconds)):
        moving[s:e] = 0.0
    ramp = max(1, int(0.6 / dt))
    if ramp > 1 and not moving.all():
        kernel = np.ones(ramp) / ramp
        moving = np.convolve(np.pad(moving, (ramp, ramp), mode="edge"), kernel, mode="same")
        moving = moving[ramp:-ramp]
    return heading, np.clip(v0 * factor * moving, 0.0, None)


def _integrate(
    xy0: NDArray[np.float64], heading: NDArray[np.float64], speed: NDArray[np.float64], dt: float
) -> NDArray[np.float64]:
    step = np.stack([np.cos(heading), np.sin(heading)], axis=1) * (speed * dt)[:, None]
    return xy0 + np.concatenate([np.zeros((1, 2)), np.cumsum(step[:-1], axis=0)])


def _gait(
    rng: np.random.Generator, xy: NDArray[np.float64], height: float, dt: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Heading, speed and gait phase derived from a ground path."""
    d = np.diff(xy, axis=0, prepend=xy[:1])
    if len(d) > 1:
        d[0] = d[1]
    dist = np.hypot(d[:, 0], d[:, 1])
    speed = dist / dt
    heading = np.arctan2(d[:, 1], d[:, 0])
    stride = 0.8 * height  # metres per gait cycle (two steps)
    phase = rng.uniform(0, 2 * math.pi) + 2 * math.pi * np.cumsum(dist) / stride
    return heading, speed, phase


def _pick_heading(
    rng: np.random.Generator, cfg: SceneConfig, axis: float, inward: NDArray[np.float64] | None
) -> float:
    """A walking direction: along the scene's main axis (either way) or random, pointing
    into the area when ``inward`` (a unit normal) is given."""
    if rng.uniform() < cfg.flow_coherence:
        base = axis + rng.normal(0.0, 0.15)
        if inward is not None and np.dot([math.cos(base), math.sin(base)], inward) < 0:
            base += math.pi
        if inward is None and rng.uniform() < 0.5:
            base += math.pi
        if inward is None or np.dot([math.cos(base), math.sin(base)], inward) > 0.15:
            return float(base)
    if inward is None:
        return float(rng.uniform(-math.pi, math.pi))
    centre = math.atan2(inward[1], inward[0])
    return float(centre + rng.uniform(-1.2, 1.2))


def _spawn(
    rng: np.random.Generator, cfg: SceneConfig, area: WalkArea, t0: int, axis: float, standing: bool
) -> list[_Track]:
    """One newcomer (or group) appearing at frame ``t0``; their states until they leave."""
    n, dt = cfg.n_frames - t0, 1.0 / cfg.fps
    if t0 == 0:
        xy0 = area.sample_inside(rng, 0, 1)[0]
        heading0 = _pick_heading(rng, cfg, axis, None)
    else:
        xy0, normal = area.sample_border(rng, t0)
        heading0 = _pick_heading(rng, cfg, axis, normal)
    size = 1
    if not standing and rng.uniform() < cfg.group_fraction:
        size = int(rng.choice([2, 2, 2, 3, 3, 4]))
    heading, speed = _leader_motion(rng, n, dt, cfg, heading0, standing)
    lead = _integrate(xy0, heading, speed, dt)
    fwd = np.stack([np.cos(heading), np.sin(heading)], axis=1)
    left = np.stack([-fwd[:, 1], fwd[:, 0]], axis=1)
    tracks = []
    for k in range(size):
        height = float(np.clip(rng.normal(1.72, 0.09), 1.5, 1.95))
        if k == 0:
            path = lead
        else:
            lateral = (k - (size - 1) / 2) * rng.uniform(0.55, 0.8)
            behind = rng.normal(0.0, 0.3)
            wobble = ar1(rng, (2, n), 1.5, dt, 0.05).T
            path = lead + lateral * left + behind * fwd + wobble
        if standing:
            sway = ar1(rng, (2, n), 4.0, dt, 0.08).T
            path = path + sway - sway[:1]
        h_k, s_k, p_k = _gait(rng, path, height, dt)
        if standing:
            h_k = np.full(n, heading0)
        inside = area.inside(np.arange(t0, cfg.n_frames), path, grow=0.5)
        out = np.flatnonzero(~inside)
        if t0 > 0 and len(out) and out[0] == 0:  # a group member starting outside: skip
            continue
        stop = int(out[0]) if len(out) else n
        if stop == 0:
            continue
        tracks.append(_Track(t0, path[:stop], h_k[:stop], s_k[:stop], p_k[:stop], height))
    return tracks


def simulate_walkers(config: SceneConfig, area: WalkArea, rng: np.random.Generator) -> Walkers:
    """Simulate everyone who walks through the scene.

    The crowd size follows ``config.n_people`` times a slow random modulation of relative
    amplitude ``config.density_variation``; a newcomer is spawned whenever fewer people are in
    the area than that target.

    Args:
        config: the scene.
        area: the walking area of every frame.
        rng: random generator.

    Returns:
        The :class:`Walkers` table.
    """
    n_frames, dt = config.n_frames, 1.0 / config.fps
    wave = ar1(rng, (n_frames,), 20.0, dt, 1.0)
    target = np.maximum(
        1, np.round(config.n_people * (1 + config.density_variation * np.tanh(wave)))
    )
    # main walking axis: across the view (give or take 25 degrees), like most footage
    axis = float(rng.normal(0.0, math.radians(25.0)) - area.camera.yaw[0])
    count = np.zeros(n_frames, np.int64)
    tracks: list[_Track] = []
    for t in range(n_frames):
        attempts = 0
        while count[t] < target[t] and attempts < 20:
            attempts += 1
            standing = t == 0 and rng.uniform() < config.standing_fraction
            for tr in _spawn(rng, config, area, t, axis, standing):
                tracks.append(tr)
                count[tr.start : tr.start + len(tr.xy)] += 1
    if not tracks:
        empty = np.zeros(0)
        return Walkers(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros((0, 2)),
            empty,
            empty,
            empty,
            empty,
        )
    lengths = np.array([len(tr.xy) for tr in tracks])
    person = np.repeat(np.arange(len(tracks)), lengths)
    t_idx = np.concatenate([np.arange(tr.start, tr.start + len(tr.xy)) for tr in tracks])
    return Walkers(
        person=person,
        t=t_idx,
        xy=np.concatenate([tr.xy for tr in tracks]),
        heading=np.concatenate([tr.heading for tr in tracks]),
        speed=np.concatenate([tr.speed for tr in tracks]),
        phase=np.concatenate([tr.phase for tr in tracks]),
        height_m=np.array([tr.height for tr in tracks]),
    )
