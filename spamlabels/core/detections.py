"""Columnar, numpy-backed tables of boxes over one sequence: `Detections` and `Tracks`.

A table holds ``n`` rows, one box each, as parallel arrays (the layout of MOTChallenge files):

========== ============= =============================================================
column     shape, dtype  meaning
========== ============= =============================================================
frame      (n,) int64    1-based frame number
id         (n,) int64    track id; -1 for an unassociated detection
xywh       (n, 4) f8     left, top, width, height in pixels (as written in MOT files)
score      (n,) f8       detector / tracker confidence (any finite value; DPM is < 0)
cls        (n,) int64    MOTChallenge class (1 pedestrian, ...); -1 when unknown
visibility (n,) f8       visible fraction in [0, 1]; -1 when unknown
consider   (n,) bool     MOTChallenge ground-truth "consider" flag (column 7 of gt.txt)
data       dict          extra columns, each an array whose first axis has length n
                         (e.g. ``data["embedding"]`` of shape (n, d), provenance codes)
========== ============= =============================================================

Construction validates shapes and values (finite numbers, ``w > 0``, ``h > 0``) and raises a
:class:`ValueError` that names the column and the first offending row. Indexing with an int,
slice, boolean mask or index array returns the same type with every column aligned, so
``dets[dets.score > 0.5]`` reads like numpy. Frame slicing (:meth:`Detections.at_frame`,
:meth:`Detections.iter_frames`) uses a cached frame index and costs ``O(log n)`` per call.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from spamlabels.core.boxes import xywh_to_xyxy

__all__ = ["Detections", "Provenance", "Tracks"]


class Provenance(IntEnum):
    """Where a label box comes from (stored as ``data["provenance"]``, int8 codes)."""

    PSEUDO = 0
    """Predicted by the model, not reviewed."""
    HUMAN_ACCEPTED = 1
    """A human confirmed the detection (1 click); like pseudo boxes, the box may since have
    been smoothed over time (``SpamConfig.smooth_seconds``)."""
    HUMAN_REFINED = 2
    """A human corrected the box corners (2 clicks)."""
    INTERPOLATED = 3
    """Filled in between two boxes of the same track."""
    GROUND_TRUTH = 4
    """Copied from existing ground truth."""


def _first_bad(mask: Any) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(eq=False)
class Detections:
    """Boxes of one sequence as parallel arrays; see the module docstring for the columns.

    Only ``frame`` and ``xywh`` are required; the other columns get their "unknown" defaults
    (id -1, score 1, cls -1, visibility -1, consider True).

    Like numpy views, a column given already in its dtype (int64 frames and ids, float64
    boxes and scores, ...) is kept, not copied: changing that array afterwards changes the
    table too, past its validation. Pass copies (``arr.copy()``) to keep them apart. Indexing
    (``dets[mask]``) copies every column; :meth:`replace` shares the columns it keeps.

    Example:
        >>> d = Detections(frame=[1, 1, 2], xywh=[[0, 0, 10, 20], [5, 5, 4, 4], [1, 0, 10, 20]])
        >>> len(d), len(d.at_frame(1))
        (3, 2)
    """

    frame: NDArray[np.int64]
    xywh: NDArray[np.float64]
    id: NDArray[np.int64] = None  # type: ignore[assignment]
    score: NDArray[np.float64] = None  # type: ignore[assignment]
    cls: NDArray[np.int64] = None  # type: ignore[assignment]
    visibility: NDArray[np.float64] = None  # type: ignore[assignment]
    consider: NDArray[np.bool_] = None  # type: ignore[assignment]
    data: dict[str, np.ndarray] = field(default_factory=dict)
    _index: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        frame = np.asarray(self.frame)
        if frame.ndim != 1:
            raise ValueError(f"frame must have shape (n,), got {frame.shape}")
        n = frame.shape[0]
        if n and not np.issubdtype(frame.dtype, np.integer):
            as_float = frame.astype(np.float64)
            bad = ~np.isfinite(as_float) | (as_float != np.round(as_float))
            if bad.any():
                i = _first_bad(bad)
                raise ValueError(f"frame must be integers, row {i} has {frame[i]!r}")
        self.frame = frame.astype(np.int64, copy=False)
        xywh = np.asarray(self.xywh, dtype=np.float64)
        if n == 0 and xywh.size == 0:
            xywh = xywh.reshape(0, 4)
        if xywh.shape != (n, 4):
            raise ValueError(f"xywh must have shape ({n}, 4), got {xywh.shape}")
        bad = ~np.all(np.isfinite(xywh), axis=1)
        if bad.any():
            i = _first_bad(bad)
            raise ValueError(f"xywh must be finite, row {i} has {xywh[i].tolist()}")
        bad = (xywh[:, 2] <= 0) | (xywh[:, 3] <= 0)
        if bad.any():
            i = _first_bad(bad)
            raise ValueError(f"width and height must be > 0, row {i} has {xywh[i].tolist()}")
        self.xywh = xywh
        self.id = self._column("id", self.id, n, np.int64, -1)
        self.score = self._column("score", self.score, n, np.float64, 1.0)
        self.cls = self._column("cls", self.cls, n, np.int64, -1)
        self.visibility = self._column("visibility", self.visibility, n, np.float64, -1.0)
        self.consider = self._column("consider", self.consider, n, np.bool_, True)
        data = {}
        for key, value in dict(self.data).items():
            arr = np.asarray(value)
            if arr.ndim == 0 or arr.shape[0] != n:
                raise ValueError(f"data[{key!r}] must have first dimension {n}, got {arr.shape}")
            data[key] = arr
        self.data = data

    @staticmethod
    def _column(
        name: str, value: ArrayLike | None, n: int, dtype: type, default: Any
    ) -> np.ndarray:
        if value is None:
            return np.full(n, default, dtype=dtype)
        arr = np.asarray(value)
        if arr.ndim == 0:
            arr = np.full(n, arr)
        if arr.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
        if arr.dtype == object and dtype is not np.bool_:  # e.g. [1, None]: numbers only
            try:  # integers exactly (ids beyond 2^53 stay apart), else as floats
                arr = (
                    arr.astype(np.int64)
                    if dtype is np.int64 and all(isinstance(v, int | np.integer) for v in arr)
                    else arr.astype(np.float64)
                )
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{name} must be numbers (of int64 range), got "
                                 f"{reprlib.repr(value)}") from None  # fmt: skip
        if np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer):
            as_float = arr.astype(np.float64)
            finite = np.isfinite(as_float)
            if not finite.all():
                i = _first_bad(~finite)
                raise ValueError(f"{name} must be finite, row {i} has {arr[i]!r}")
            if dtype is np.int64 and np.issubdtype(arr.dtype, np.floating):
                bad = as_float != np.round(as_float)  # 1.7 would silently become 1
                if bad.any():
                    i = _first_bad(bad)
                    raise ValueError(f"{name} must be integers, row {i} has {arr[i]!r}")
        return arr.astype(dtype, copy=False)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def empty(cls, data_keys: Mapping[str, tuple[int, ...]] | None = None) -> Self:
        """A table with no rows; ``data_keys`` maps extra column names to trailing shapes."""
        data = {k: np.zeros((0, *shape)) for k, shape in (data_keys or {}).items()}
        return cls(frame=np.zeros(0, np.int64), xywh=np.zeros((0, 4)), data=data)

    @classmethod
    def merge(cls, tables: Sequence[Detections]) -> Self:
        """Concatenate tables row-wise; extra columns must be present in all of them."""
        if not tables:
            return cls.empty()
        keys = set(tables[0].data)
        for t in tables[1:]:
            if set(t.data) != keys:
                raise ValueError(f"cannot merge tables with data keys {keys} and {set(t.data)}")
        return cls(
            frame=np.concatenate([t.frame for t in tables]),
            xywh=np.concatenate([t.xywh for t in tables]),
            id=np.concatenate([t.id for t in tables]),
            score=np.concatenate([t.score for t in tables]),
            cls=np.concatenate([t.cls for t in tables]),
            visibility=np.concatenate([t.visibility for t in tables]),
            consider=np.concatenate([t.consider for t in tables]),
            data={k: np.concatenate([t.data[k] for t in tables]) for k in keys},
        )

    def replace(self, **columns: Any) -> Self:
        """A copy with some columns replaced (validated again)."""
        kwargs: dict[str, Any] = {
            "frame": self.frame,
            "xywh": self.xywh,
            "id": self.id,
            "score": self.score,
            "cls": self.cls,
            "visibility": self.visibility,
            "consider": self.consider,
            "data": dict(self.data),
        }
        kwargs.update(columns)
        return type(self)(**kwargs)

    # ------------------------------------------------------------------ numpy-like access
    def __len__(self) -> int:
        return int(self.frame.shape[0])

    def __getitem__(self, index: int | slice | ArrayLike) -> Self:
        if isinstance(index, (int, np.integer)):
            i = int(index)
            if not -len(self) <= i < len(self):  # as a list would: not an empty table
                raise IndexError(f"row {i} of a table of {len(self)} rows")
            i %= len(self)
            index = slice(i, i + 1)
        elif not isinstance(index, slice):
            index = np.asarray(index)
            if index.dtype == np.bool_ and index.shape != (len(self),):
                raise IndexError(f"boolean mask must have shape ({len(self)},), got {index.shape}")
        return type(self)(
            frame=self.frame[index],
            xywh=self.xywh[index],
            id=self.id[index],
            score=self.score[index],
            cls=self.cls[index],
            visibility=self.visibility[index],
            consider=self.consider[index],
            data={k: v[index] for k, v in self.data.items()},
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Detections) or len(self) != len(other):
            return False
        if set(self.data) != set(other.data):
            return False
        pairs = [
            (self.frame, other.frame),
            (self.xywh, other.xywh),
            (self.id, other.id),
            (self.score, other.score),
            (self.cls, other.cls),
            (self.visibility, other.visibility),
            (self.consider, other.consider),
        ] + [(self.data[k], other.data[k]) for k in self.data]
        return all(np.array_equal(a, b) for a, b in pairs)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        frames = f"{self.frame.min()}..{self.frame.max()}" if len(self) else "-"
        extra = f", data={sorted(self.data)}" if self.data else ""
        return f"{type(self).__name__}(n={len(self)}, frames={frames}{extra})"

    # ------------------------------------------------------------------ derived columns
    @property
    def xyxy(self) -> NDArray[np.float64]:
        """``(n, 4)`` left, top, right, bottom."""
        return xywh_to_xyxy(self.xywh)

    @property
    def feet(self) -> NDArray[np.float64]:
        """``(n, 2)`` bottom-centre points (x, y) in pixels."""
        return np.stack(
            [self.xywh[:, 0] + self.xywh[:, 2] / 2, self.xywh[:, 1] + self.xywh[:, 3]], 1
        )

    # ------------------------------------------------------------------ frame access
    def _frame_index(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        if self._index is None:
            order = np.argsort(self.frame, kind="stable")
            sorted_frames = self.frame[order]
            uniq, starts = np.unique(sorted_frames, return_index=True)
            self._index = (order, uniq, np.append(starts, len(self)).astype(np.int64))
        return self._index

    def frames(self) -> NDArray[np.int64]:
        """Sorted distinct frame numbers that have at least one row."""
        return self._frame_index()[1]

    def rows_at(self, frame: int) -> NDArray[np.int64]:
        """Row indices of ``frame`` in their original order (empty if the frame has no rows)."""
        order, uniq, bounds = self._frame_index()
        k = int(np.searchsorted(uniq, frame))
        if k == len(uniq) or uniq[k] != frame:
            return np.zeros(0, dtype=np.int64)
        return order[bounds[k] : bounds[k + 1]]

    def at_frame(self, frame: int) -> Self:
        """The rows of one frame."""
        return self[self.rows_at(frame)]

    def iter_frames(self) -> Iterator[tuple[int, Self]]:
        """Yield ``(frame, rows of that frame)`` for every frame with rows, in frame order."""
        order, uniq, bounds = self._frame_index()
        for k, f in enumerate(uniq):
            yield int(f), self[order[bounds[k] : bounds[k + 1]]]

    def sorted(self) -> Self:
        """Rows sorted by frame, then id (the order of MOTChallenge files)."""
        return self[np.lexsort((self.id, self.frame))]


class Tracks(Detections):
    """A :class:`Detections` table whose every row belongs to a track (``id >= 0``).

    Used for ground truth, tracker output and labels.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        bad = self.id < 0
        if bad.any():
            i = _first_bad(bad)
            raise ValueError(f"every row of Tracks needs an id >= 0, row {i} has {self.id[i]}")

    def track_ids(self) -> NDArray[np.int64]:
        """Sorted distinct track ids."""
        return np.unique(self.id)

    def track(self, track_id: int) -> Self:
        """The rows of one track, sorted by frame."""
        rows = np.flatnonzero(self.id == track_id)
        return self[rows[np.argsort(self.frame[rows], kind="stable")]]
