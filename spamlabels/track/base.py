"""The tracker interface and its registry.

A tracker turns per-frame :class:`~spamlabels.core.Detections` into
:class:`~spamlabels.core.Tracks`. Subclasses of :class:`Tracker` that set a ``name`` class
attribute register themselves under that name, so the CLI and benchmarks find them with
:func:`available_trackers` and build them with :func:`create_tracker`::

    class MyTracker(Tracker):
        name = "mine"
        ...

    tracker = create_tracker("mine", some_option=3)
    tracks = tracker.track(dets, seq_length=600, frame_rate=30)
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import Detections, Tracks

__all__ = ["Tracker", "available_trackers", "create_tracker", "warn_unless_probabilities"]

_REGISTRY: dict[str, type[Tracker]] = {}


class Tracker(ABC):
    """Online multi-object tracker: one :meth:`update` per frame, in frame order.

    Subclasses define ``name`` (registry key, lower case) and implement :meth:`reset` and
    :meth:`update`; :meth:`track` runs a whole sequence.

    Args:
        frame_rate: frames per second of the sequence; trackers that keep lost tracks for a
            time convert their buffers from seconds-at-30-fps with it (ByteTrack).
    """

    name: ClassVar[str]
    """Registry key; set it on concrete subclasses to register them."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name is None:  # abstract intermediate classes do not register
            return
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__qualname__}.name must be a non-empty string")
        existing = _REGISTRY.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"tracker name {name!r} already registered by {existing.__qualname__}")
        _REGISTRY[name] = cls

    def __init__(self, frame_rate: float = 30.0) -> None:
        self.frame_rate = frame_rate

    @property
    def frame_rate(self) -> float:
        """Frames per second of the sequence being tracked (> 0)."""
        return self._frame_rate

    @frame_rate.setter
    def frame_rate(self, value: float) -> None:
        value = float(value)
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"frame_rate must be > 0, got {value}")
        self._frame_rate = value

    @abstractmethod
    def reset(self) -> None:
        """Forget every track and restart the id counter (call before a new sequence)."""

    @abstractmethod
    def update(self, frame_dets: Detections, frame: int) -> Tracks:
        """Process the detections of one frame.

        Args:
            frame_dets: the detections of ``frame`` (any number, possibly none); every row's
                ``frame`` must equal ``frame``.
            frame: the 1-based frame number; strictly increasing between calls.

        Returns:
            The tracks visible in ``frame`` (ids >= 1, ``score`` = detection confidence).
        """

    def track(
        self,
        dets: Detections,
        seq_length: int | None = None,
        frame_rate: float | None = None,
        progress: bool = False,
    ) -> Tracks:
        """Track a whole sequence: :meth:`reset`, then :meth:`update` on frames
        ``1 .. seq_length`` (frames without detections included).

        Args:
            dets: detections of the sequence, frames in ``1 .. seq_length``.
            seq_length: number of frames; defaults to the last frame with a detection.
            frame_rate: frames per second (seqinfo ``frameRate``), kept as :attr:`frame_rate`
                (default: the tracker's, the constructor's or the last one given).
            progress: show a tqdm progress bar (on stderr).

        Returns:
            All output rows, sorted by frame then id.

        Raises:
            ValueError: detections outside ``1 .. seq_length``.
        """
        from tqdm import tqdm

        n = _check_frames(dets, seq_length)
        if frame_rate is not None:
            self.frame_rate = frame_rate
        self.reset()
        outputs = [
            self.update(dets.at_frame(f), f)
            for f in tqdm(
                range(1, n + 1), desc=f"track ({self.name})", unit="frame", disable=not progress
            )
        ]
        return Tracks.merge(outputs).sorted() if outputs else Tracks.empty()


def _check_frames(dets: Detections, seq_length: int | None) -> int:
    """Validate frame numbers against ``seq_length`` and return the number of frames."""
    last = int(dets.frame.max()) if len(dets) else 0
    if seq_length is None:
        seq_length = last
    if seq_length < 0:
        raise ValueError(f"seq_length must be >= 0, got {seq_length}")
    if len(dets) and (dets.frame.min() < 1 or last > seq_length):
        raise ValueError(
            f"detections span frames {int(dets.frame.min())}..{last}, outside 1..{seq_length}"
        )
    return int(seq_length)


_LAZY: dict[str, str] = {"spam": "spamlabels.track.spam"}
"""Built-in trackers imported only when asked for (the GNN tracker needs torch)."""


def warn_unless_probabilities(scores: NDArray[np.float64], source: object) -> bool:
    """Warn (naming ``source``, e.g. the det file) when detector scores leave ``[0, 1]``.

    Every confidence threshold here (``--min-conf``, the SPAM tracker's ``node_keep_conf``,
    ByteTrack's ``track_thresh``) is a probability; a detector scoring in other units (the
    MOT17 DPM files run from -0.5 to 4.8) meets them in the wrong units. On the MOT17 DPM
    files the shipped SPAM tracker scores HOTA 30.4 on the raw scores, 31.5 on their
    logistic and 8.3 on a min-max rescale to 0-1 (docs/benchmarks.md section 7). Returns
    whether it warned.

    Args:
        scores: ``(n,)`` detector scores.
        source: where they come from, for the message.
    """
    scores = np.asarray(scores, np.float64)
    if not len(scores) or (scores.min() >= 0.0 and scores.max() <= 1.0):
        return False
    warnings.warn(f"{source}: detector scores run from {scores.min():.3g} to "
                  f"{scores.max():.3g}, not within 0-1; the confidence thresholds (--min-conf, "
                  "the tracker's keep / track thresholds) are probabilities, so map the "
                  "scores to probabilities first (--score-map logistic for margins like "
                  "DPM's; a min-max rescale does not make them probabilities)",
                  stacklevel=2)  # fmt: skip
    return True


def available_trackers() -> list[str]:
    """Names of the registered trackers, sorted."""
    _load_builtin()
    return sorted(set(_REGISTRY) | set(_LAZY))


def create_tracker(name: str, **kwargs: Any) -> Tracker:
    """Build a registered tracker.

    Args:
        name: registry key (see :func:`available_trackers`).
        **kwargs: passed to the tracker's constructor (e.g. ``frame_rate``, config fields).

    Raises:
        KeyError: unknown ``name`` (the message lists the known ones).
    """
    _load_builtin()
    if name not in _REGISTRY and name in _LAZY:
        import importlib

        importlib.import_module(_LAZY[name])
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown tracker {name!r}; available: {', '.join(sorted({*_REGISTRY, *_LAZY}))}"
        ) from None
    return cls(**kwargs)


def _load_builtin() -> None:
    """Import the built-in trackers so that they register themselves."""
    import spamlabels.track.bytetrack  # noqa: F401
