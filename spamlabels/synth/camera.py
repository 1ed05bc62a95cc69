"""A pinhole camera over a ground plane, with its pose and focal length per frame.

World frame: metres, ground plane ``z = 0``, ``z`` up. A camera with yaw ``psi`` looks along
the ground direction ``(sin psi, cos psi, 0)`` (yaw 0 looks along +y), tilted down by the
pitch angle; there is no roll. Image coordinates are continuous pixels with the origin at the
top-left corner of the image (``u`` right, ``v`` down), principal point at the image centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from spamlabels.synth._random import ar1
from spamlabels.synth.config import SceneConfig

__all__ = ["CameraPath", "make_camera_path"]


@dataclass(frozen=True)
class CameraPath:
    """Camera pose and intrinsics for every frame of a sequence.

    Attributes:
        position: ``(T, 3)`` camera centre in world metres.
        yaw: ``(T,)`` heading of the optical axis on the ground, radians.
        pitch: ``(T,)`` tilt of the optical axis below the horizontal, radians.
        focal: ``(T,)`` focal length, pixels.
        width: image width, pixels.
        height: image height, pixels.
    """

    position: NDArray[np.float64]
    yaw: NDArray[np.float64]
    pitch: NDArray[np.float64]
    focal: NDArray[np.float64]
    width: int
    height: int

    def __len__(self) -> int:
        return int(self.yaw.shape[0])

    @property
    def is_static(self) -> bool:
        """True when pose and focal length never change."""
        return bool(
            np.ptp(self.yaw) == 0
            and np.ptp(self.pitch) == 0
            and np.ptp(self.focal) == 0
            and np.ptp(self.position, axis=0).max() == 0
        )

    def forward_ground(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(n, 2)`` unit ground direction of the optical axis at frame indices ``t``."""
        return np.stack([np.sin(self.yaw[t]), np.cos(self.yaw[t])], axis=1)

    def rotation(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(n, 3, 3)`` world-to-camera rotations (rows: camera x right, y down, z forward)."""
        s_y, c_y = np.sin(self.yaw[t]), np.cos(self.yaw[t])
        s_p, c_p = np.sin(self.pitch[t]), np.cos(self.pitch[t])
        zero = np.zeros_like(s_y)
        right = np.stack([c_y, -s_y, zero], axis=-1)
        fwd0 = np.stack([s_y, c_y, zero], axis=-1)
        up0 = np.broadcast_to(np.array([0.0, 0.0, 1.0]), fwd0.shape)
        down = -(s_p[:, None] * fwd0 + c_p[:, None] * up0)
        forward = c_p[:, None] * fwd0 - s_p[:, None] * up0
        return np.stack([right, down, forward], axis=1)

    def project(
        self, t: NDArray[np.int64], points: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project world points seen at frame indices ``t``.

        Args:
            t: ``(n,)`` 0-based frame indices.
            points: ``(n, 3)`` world points, metres.

        Returns:
            ``(uv, depth)``: ``(n, 2)`` pixel coordinates and ``(n,)`` depth along the optical
            axis in metres (``uv`` is meaningless where ``depth <= 0``).
        """
        cam = np.einsum("nij,nj->ni", self.rotation(t), points - self.position[t])
        depth = cam[:, 2]
        safe = np.where(np.abs(depth) > 1e-9, depth, 1e-9)
        f = self.focal[t]
        u = self.width / 2 + f * cam[:, 0] / safe
        v = self.height / 2 + f * cam[:, 1] / safe
        return np.stack([u, v], axis=1), depth

    def ground_homography(self, t: int, scale: float = 1.0) -> NDArray[np.float64]:
        """``(3, 3)`` homography from ground-plane metres ``(x, y, 1)`` to image pixels of an
        image rendered at ``scale`` times the nominal size."""
        rot = self.rotation(np.array([t]))[0]
        k = np.array(
            [
                [self.focal[t] * scale, 0.0, self.width * scale / 2],
                [0.0, self.focal[t] * scale, self.height * scale / 2],
                [0.0, 0.0, 1.0],
            ]
        )
        trans = -rot @ self.position[t]
        return k @ np.column_stack([rot[:, 0], rot[:, 1], trans])

    def horizon_v(self, t: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(n,)`` image row of the horizon (may lie outside the image)."""
        return self.height / 2 - self.focal[t] * np.tan(self.pitch[t])

    def ground_depth_range(
        self, t: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Ground distances (along the optical axis' ground direction, metres) seen at the
        bottom and at the top image row; the top one is ``inf`` where the horizon is visible."""
        h = self.position[t, 2]
        half = self.height / 2 / self.focal[t]
        bottom_angle = self.pitch[t] + np.arctan(half)
        top_angle = self.pitch[t] - np.arctan(half)
        bottom = np.where(bottom_angle > 0, h / np.tan(np.clip(bottom_angle, 1e-6, None)), 0.0)
        top = np.where(top_angle > 1e-6, h / np.tan(np.clip(top_angle, 1e-6, None)), np.inf)
        return bottom, top


def _smooth_sweep(rng: np.random.Generator, n: int, dt: float) -> NDArray[np.float64]:
    """A smooth signal in [-1, 1] over ``n`` frames: a slow sinusoid of random period/phase."""
    period = rng.uniform(12.0, 40.0)
    phase = rng.uniform(0, 2 * math.pi)
    t = np.arange(n) * dt
    return np.sin(2 * math.pi * t / period + phase)


def make_camera_path(config: SceneConfig, rng: np.random.Generator) -> CameraPath:
    """Camera poses for every frame of ``config`` (see :data:`~.config.CameraMotion`).

    The camera starts at ``(0, 0, camera_height)`` looking along +y.

    Args:
        config: the scene.
        rng: random generator (motion periods, phases, shake).

    Returns:
        The :class:`CameraPath` of ``config.n_frames`` frames.
    """
    n, dt = config.n_frames, 1.0 / config.fps
    position = np.tile([0.0, 0.0, config.camera_height], (n, 1))
    yaw = np.zeros(n)
    pitch = np.full(n, math.radians(config.camera_tilt))
    focal_min = config.focal
    focal = np.full(n, focal_min)
    motion = config.camera_motion
    if motion in ("pan", "pan_zoom"):
        sweep = _smooth_sweep(rng, n, dt)
        yaw = math.radians(config.pan_amplitude) * (sweep - sweep[0])
    if motion in ("zoom", "pan_zoom"):
        sweep = _smooth_sweep(rng, n, dt)
        focal = focal_min * config.zoom_range ** (0.5 + 0.5 * sweep)
    if motion == "handheld":
        speed = rng.uniform(0.6, 1.3)
        heading = rng.uniform(-0.6, 0.6)  # walking direction relative to the view, radians
        yaw = ar1(rng, (n,), 3.0, dt, math.radians(4.0))
        yaw = yaw - yaw[0]
        t = np.arange(n) * dt
        step = position.copy()
        step[:, 0] = speed * t * math.sin(heading)
        step[:, 1] = speed * t * math.cos(heading)
        bob = 0.02 * np.sin(2 * math.pi * 1.8 * t + rng.uniform(0, 2 * math.pi))
        step[:, 2] = config.camera_height + bob
        position = step
        pitch = pitch + ar1(rng, (n,), 0.5, dt, math.radians(0.6))
        yaw = yaw + ar1(rng, (n,), 0.2, dt, math.radians(0.4))
    return CameraPath(position, yaw, pitch, focal, config.width, config.height)
