"""The constant-velocity Kalman filter of SORT / ByteTrack, vectorised over tracks.

State (8-d, pixels and pixels per frame): ``(cx, cy, a, h, vcx, vcy, va, vh)`` with ``(cx, cy)``
the box centre, ``a = w / h`` the aspect ratio and ``h`` the height; the measurement is the
4-d ``(cx, cy, a, h)`` of a detection (see :func:`spamlabels.core.xyxy_to_xyah`). One
:meth:`KalmanFilterXYAH.predict` advances the state by one frame (``x += v``).

Noise follows ByteTrack's ``yolox/tracker/kalman_filter.py`` (itself from deep_sort): standard
deviations proportional to the box height ``h`` with weight ``1/20`` for positions and ``1/160``
for velocities; the aspect ratio gets fixed small deviations (``1e-2`` position, ``1e-5``
velocity as process noise, ``1e-1`` as measurement noise). Every method takes and returns
batches: ``mean (n, 8)``, ``covariance (n, 8, 8)``, ``measurement (n, 4)``; ``n`` may be 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["KalmanFilterXYAH"]

FloatArray = NDArray[np.float64]


class KalmanFilterXYAH:
    """Batched constant-velocity Kalman filter on ``(cx, cy, a, h)`` boxes.

    Args:
        std_weight_position: position noise as a fraction of the box height (1/20). Raising it
            trusts new detections more than the motion model (boxes follow the detector closely,
            predictions are more uncertain); lowering it smooths more.
        std_weight_velocity: velocity noise as a fraction of the box height (1/160). Raising it
            lets the velocity change faster (follows accelerations, extrapolates noise during
            occlusions); lowering it keeps velocities steadier.

    Example:
        >>> kf = KalmanFilterXYAH()
        >>> mean, cov = kf.initiate([[100.0, 200.0, 0.5, 80.0]])
        >>> mean, cov = kf.predict(mean, cov)
        >>> mean.shape, cov.shape
        ((1, 8), (1, 8, 8))
    """

    ndim = 4

    def __init__(
        self, std_weight_position: float = 1.0 / 20, std_weight_velocity: float = 1.0 / 160
    ) -> None:
        self.std_weight_position = float(std_weight_position)
        self.std_weight_velocity = float(std_weight_velocity)
        motion = np.eye(8)
        motion[:4, 4:] = np.eye(4)  # x_{t+1} = x_t + v_t (dt = 1 frame)
        self._motion_mat: FloatArray = motion

    @staticmethod
    def _batch(array: ArrayLike, width: int, name: str) -> FloatArray:
        arr = np.asarray(array, dtype=np.float64)
        if arr.ndim == 1 and arr.shape[0] == width:
            arr = arr[None]
        if arr.ndim != 2 or arr.shape[1] != width:
            raise ValueError(f"{name} must have shape (n, {width}), got {arr.shape}")
        return arr

    def initiate(self, measurement: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Start tracks from unassociated measurements.

        Args:
            measurement: ``(n, 4)`` boxes ``(cx, cy, a, h)`` in pixels.

        Returns:
            ``(mean (n, 8), covariance (n, 8, 8))``: zero velocity; diagonal covariance with
            deviations ``2/20 h`` (position), ``1e-2`` (aspect), ``10/160 h`` (velocity),
            ``1e-5`` (aspect velocity).
        """
        z = self._batch(measurement, 4, "measurement")
        n = z.shape[0]
        mean = np.zeros((n, 8))
        mean[:, :4] = z
        h = z[:, 3]
        wp, wv = self.std_weight_position, self.std_weight_velocity
        std = np.empty((n, 8))
        std[:, 0] = std[:, 1] = std[:, 3] = 2 * wp * h
        std[:, 2] = 1e-2
        std[:, 4] = std[:, 5] = std[:, 7] = 10 * wv * h
        std[:, 6] = 1e-5
        cov = np.zeros((n, 8, 8))
        idx = np.arange(8)
        cov[:, idx, idx] = std * std
        return mean, cov

    def predict(self, mean: ArrayLike, covariance: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Advance every state by one frame (ByteTrack's ``multi_predict``).

        Args:
            mean: ``(n, 8)`` states.
            covariance: ``(n, 8, 8)`` covariances.

        Returns:
            ``(mean (n, 8), covariance (n, 8, 8))`` predicted; process noise deviations are
            ``h/20`` (position), ``1e-2`` (aspect), ``h/160`` (velocity), ``1e-5`` (aspect
            velocity), with ``h`` the height *before* the step. Inputs are not modified.
        """
        m = self._batch(mean, 8, "mean")
        p = np.asarray(covariance, dtype=np.float64).reshape(-1, 8, 8)
        if p.shape[0] != m.shape[0]:
            raise ValueError(f"covariance must have shape ({m.shape[0]}, 8, 8), got {p.shape}")
        h = m[:, 3]
        wp, wv = self.std_weight_position, self.std_weight_velocity
        var = np.empty((m.shape[0], 8))
        var[:, 0] = var[:, 1] = var[:, 3] = (wp * h) ** 2
        var[:, 2] = 1e-4
        var[:, 4] = var[:, 5] = var[:, 7] = (wv * h) ** 2
        var[:, 6] = 1e-10
        f = self._motion_mat
        new_mean = m @ f.T
        new_cov = f @ p @ f.T
        idx = np.arange(8)
        new_cov[:, idx, idx] += var
        return new_mean, new_cov

    def project(self, mean: ArrayLike, covariance: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Distribution of the measurement ``(cx, cy, a, h)`` implied by each state.

        Returns:
            ``(mean (n, 4), covariance (n, 4, 4))`` including the measurement noise (deviations
            ``h/20`` for centre and height, ``1e-1`` for the aspect ratio).
        """
        m = self._batch(mean, 8, "mean")
        p = np.asarray(covariance, dtype=np.float64).reshape(-1, 8, 8)
        r = (self.std_weight_position * m[:, 3]) ** 2
        s = p[:, :4, :4].copy()
        s[:, 0, 0] += r
        s[:, 1, 1] += r
        s[:, 2, 2] += 1e-2
        s[:, 3, 3] += r
        return m[:, :4].copy(), s

    def update(
        self, mean: ArrayLike, covariance: ArrayLike, measurement: ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """Correct each state with its measurement (one measurement per state).

        Args:
            mean: ``(n, 8)`` predicted states.
            covariance: ``(n, 8, 8)`` predicted covariances.
            measurement: ``(n, 4)`` boxes ``(cx, cy, a, h)``.

        Returns:
            ``(mean (n, 8), covariance (n, 8, 8))`` after the update. Inputs are not modified.
        """
        m = self._batch(mean, 8, "mean")
        p = np.asarray(covariance, dtype=np.float64).reshape(-1, 8, 8)
        z = self._batch(measurement, 4, "measurement")
        if not (m.shape[0] == p.shape[0] == z.shape[0]):
            raise ValueError(
                f"update needs as many states as measurements, got {m.shape[0]} means, "
                f"{p.shape[0]} covariances and {z.shape[0]} measurements"
            )
        if m.shape[0] == 0:
            return m.copy(), p.copy()
        proj_mean, s = self.project(m, p)
        # Kalman gain K = P H^T S^-1 with H = [I 0]: K^T = S^-1 (H P) as S is symmetric.
        gain_t = np.linalg.solve(s, p[:, :4, :])  # (n, 4, 8)
        gain = gain_t.transpose(0, 2, 1)  # (n, 8, 4)
        innovation = z - proj_mean
        new_mean = m + np.einsum("nij,nj->ni", gain, innovation)
        new_cov = p - gain @ s @ gain_t
        return new_mean, new_cov
