"""Simulated re-ID embeddings for simulated detections (no images, no network).

The hierarchy uses re-ID features only through distances between (mean) embeddings, so what a
synthetic scene needs is embeddings whose *distances* behave like a real re-ID network's. The
model here reproduces the statistics of deep_sort's "mars-small128" features on MOT17
(:func:`~spamlabels.synth.stats.appearance_stats`, ``benchmarks/synth_detector_stats.py
--appearance``, table in ``docs/synth.md``):

- every person (and person-like static object) has an identity vector, a random direction in
  ``identity_dims`` dimensions added to a direction ``shared`` by everybody (re-ID features of
  pedestrians are far from orthogonal: two different people are typically at cosine distance
  ~0.5, and 5 % of pairs closer than ~0.27);
- a slow drift (pose, lighting, partial views; AR(1) with correlation time ``drift_tau``) makes
  the same person's embedding wander, so that after ~10 s it is almost as far from its earlier
  self as from another person (as on MOT17-09);
- white noise per detection, stronger for low-confidence detections (occluded, small, badly
  placed boxes give worse features);
- part / duplicate false positives carry their person's embedding with extra noise, clutter
  gets a fresh random identity per detection.

Embeddings are L2-normalised ``(n, dim)`` float32 rows, like deep_sort's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import Detections
from spamlabels.synth._random import ar1_per_track
from spamlabels.synth.detector import DetectionSource

__all__ = ["ReidConfig", "simulate_embeddings"]


@dataclass(frozen=True)
class ReidConfig:
    """Parameters of :func:`simulate_embeddings` (defaults calibrated on MOT17, see module)."""

    dim: int = 128
    """Embedding dimension (deep_sort: 128)."""
    identity_dims: int = 6
    """Dimensions in which identities differ (fewer = more look-alike pairs)."""
    shared: float = 1.2
    """Length of the direction every identity shares (relative to the identity part, whose
    expected squared length is 1)."""
    drift: float = 1.2
    """Standard deviation (total over its dimensions) of the slow appearance drift."""
    drift_dims: int = 6
    """Dimensions of the drift (few: its effect on distances varies a lot between pairs)."""
    drift_tau: float = 2.5
    """Correlation time of the drift, seconds."""
    white: float = 0.2
    """Standard deviation (total) of the per-detection noise of a confident detection."""
    white_low_score: float = 2.5
    """The per-detection noise grows by this factor times ``1 - confidence``."""
    white_spread: float = 0.6
    """Log-normal spread of the per-detection noise level (some crops are much worse)."""
    part_noise: float = 0.45
    """Extra noise (total standard deviation) of a part / duplicate false positive."""

    def __post_init__(self) -> None:
        if min(self.identity_dims, self.drift_dims) < 1 or (
            self.dim < self.identity_dims + self.drift_dims + 1
        ):
            raise ValueError(
                "need identity_dims >= 1, drift_dims >= 1 and identity_dims + drift_dims < dim, "
                f"got dim={self.dim}, identity_dims={self.identity_dims}, "
                f"drift_dims={self.drift_dims}"
            )
        for name in (
            "shared", "drift", "drift_tau", "white", "white_low_score", "white_spread",
            "part_noise",
        ):  # fmt: skip
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def simulate_embeddings(
    dets: Detections, fps: float, rng: np.random.Generator, config: ReidConfig | None = None
) -> NDArray[np.float32]:
    """Simulated re-ID embeddings for the output of
    :func:`~spamlabels.synth.detector.simulate_detections`.

    Args:
        dets: ``n`` simulated detections with ``data["source"]``
            (:class:`~spamlabels.synth.detector.DetectionSource`) and ``data["track"]`` (person
            or prop id, -1 for clutter).
        fps: frame rate (sets the time correlation of the drift).
        rng: random generator.
        config: parameters; the defaults when ``None``.

    Returns:
        ``(n, dim)`` float32, L2-normalised rows.
    """
    cfg = config or ReidConfig()
    n = len(dets)
    if "source" not in dets.data or "track" not in dets.data:
        raise ValueError("dets need data['source'] and data['track'] (simulate_detections)")
    source = np.asarray(dets.data["source"], np.int64)
    track = np.asarray(dets.data["track"], np.int64)
    k, d_drift = cfg.identity_dims, cfg.drift_dims
    drift_cols = slice(1 + k, 1 + k + d_drift)
    out = np.zeros((n, cfg.dim))
    out[:, 0] = cfg.shared
    owned = track != -1  # people (ids > 0) and props (ids <= -2)
    rows = np.flatnonzero(owned)
    if len(rows):
        uniq, inv = np.unique(track[rows], return_inverse=True)
        ident = rng.standard_normal((len(uniq), k)) / np.sqrt(k)
        out[rows, 1 : 1 + k] = ident[inv]
        drift = ar1_per_track(rng, track[rows], dets.frame[rows], cfg.drift_tau, 1.0 / fps, d_drift)
        out[rows, drift_cols] = drift * (cfg.drift / np.sqrt(d_drift))
    free = np.flatnonzero(~owned)  # clutter: a new identity and drift state per detection
    out[free, 1 : 1 + k] = rng.standard_normal((len(free), k)) / np.sqrt(k)
    scale = cfg.drift / np.sqrt(d_drift)
    out[free, drift_cols] = rng.standard_normal((len(free), d_drift)) * scale
    noise = cfg.white * (1.0 + cfg.white_low_score * (1.0 - np.clip(dets.score, 0.0, 1.0)))
    noise = noise * np.exp(cfg.white_spread * rng.standard_normal(n))
    noise = np.where(source == int(DetectionSource.PART), np.hypot(noise, cfg.part_noise), noise)
    out += rng.standard_normal((n, cfg.dim)) * (noise / np.sqrt(cfg.dim))[:, None]
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)
