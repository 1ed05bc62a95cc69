"""Temporally correlated noise shared by the walkers, the camera and the detector."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.signal import lfilter

__all__ = ["ar1", "ar1_coefficient", "ar1_per_track"]


def ar1_coefficient(tau: float, dt: float) -> float:
    """Per-step coefficient ``exp(-dt / tau)`` of an AR(1) process with correlation time
    ``tau`` (seconds) sampled every ``dt`` seconds; 0 (white noise) when ``tau <= 0``."""
    return float(np.exp(-dt / tau)) if tau > 0 else 0.0


def ar1(
    rng: np.random.Generator, shape: tuple[int, ...], tau: float, dt: float, std: float = 1.0
) -> NDArray[np.float64]:
    """Stationary Gaussian AR(1) noise along the last axis.

    Args:
        rng: random generator.
        shape: output shape; time runs along the last axis.
        tau: correlation time, seconds (<= 0 gives white noise).
        dt: time step, seconds.
        std: marginal standard deviation of every sample.

    Returns:
        Array of ``shape`` with marginal ``N(0, std^2)`` and lag-k correlation
        ``exp(-k dt / tau)``.
    """
    rho = ar1_coefficient(tau, dt)
    white = rng.standard_normal(shape)
    if rho == 0.0 or shape[-1] == 0:
        return std * white
    innov = white * np.sqrt(1.0 - rho * rho)
    innov[..., 0] = white[..., 0]  # start in the stationary distribution
    return std * lfilter([1.0], [1.0, -rho], innov, axis=-1)


def ar1_per_track(
    rng: np.random.Generator,
    track: NDArray[np.int64],
    frame: NDArray[np.int64],
    tau: float,
    dt: float,
    dims: int = 1,
) -> NDArray[np.float64]:
    """Unit-variance AR(1) noise for rows of tracks, correlated along each track in time.

    Args:
        rng: random generator.
        track: ``(n,)`` track index of every row (any integers).
        frame: ``(n,)`` frame number of every row (a track has at most one row per frame).
        tau: correlation time, seconds.
        dt: seconds per frame.
        dims: independent noise channels per row.

    Returns:
        ``(n, dims)`` noise; rows of one track ``k`` frames apart have correlation
        ``exp(-k dt / tau)``, rows of different tracks are independent.
    """
    n = len(track)
    if n == 0:
        return np.zeros((0, dims))
    uniq, t_idx = np.unique(track, return_inverse=True)
    f0 = int(frame.min())
    length = int(frame.max()) - f0 + 1
    grid = ar1(rng, (len(uniq), dims, length), tau, dt)
    return grid[t_idx, :, frame - f0]
