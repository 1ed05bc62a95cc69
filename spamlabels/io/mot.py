"""MOTChallenge text files: ground truth, detections and tracker output.

Formats (comma separated, no header, 1-based pixel coordinates, frames ``1 .. seqLength``):

============ ======= ==================================================================
kind         columns layout
============ ======= ==================================================================
``gt``       9       frame, id, left, top, w, h, consider, class, visibility  (MOT16/17/20,
                     DanceTrack)
``gt``       10      frame, id, left, top, w, h, consider, world x, y, z  (MOT15; class and
                     visibility are set to 1)
``gt``       12      the 9 columns of MOT17 then world x, y, z  (MOTSynth conversion)
``det``      7 or 10 frame, -1, left, top, w, h, score [, -1, -1, -1 or world x, y, z]
``tracks``   7 to 10 frame, id, left, top, w, h, conf [, x, y, z]  (tracker output)
============ ======= ==================================================================

Every reader checks the whole file and raises :class:`~spamlabels.core.DataFormatError` naming
the file and the 1-based line of the first problem: wrong column count, a non-numeric or
non-finite value, ``w <= 0`` or ``h <= 0``, a non-integer frame or id, or a frame outside
``1 .. seq_length`` (when ``seq_length`` is given). Writers go through
:func:`~spamlabels.io._atomic.atomic_write`, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import DataFormatError, Detections, Tracks
from spamlabels.io._atomic import atomic_write

__all__ = ["MotKind", "read_det", "read_gt", "read_mot", "read_tracks", "write_mot"]

MotKind = Literal["gt", "det", "tracks"]

_ALLOWED_COLUMNS: dict[str, tuple[int, ...]] = {
    "gt": (9, 10, 12),
    "det": (7, 10),
    "tracks": (7, 8, 9, 10),
}


def _parse_slow(path: Path, lines: list[str], line_numbers: list[int], allowed: tuple[int, ...]):
    """Per-line parse that locates the first malformed line (called only when numpy fails)."""
    ncols = None
    rows = []
    for text, lineno in zip(lines, line_numbers, strict=True):
        parts = [p.strip() for p in text.split(",")]
        if ncols is None:
            if len(parts) not in allowed:
                raise DataFormatError(
                    path, f"expected {_fmt_allowed(allowed)} columns, got {len(parts)}", lineno
                )
            ncols = len(parts)
        elif len(parts) != ncols:
            raise DataFormatError(
                path, f"expected {ncols} columns like the lines above, got {len(parts)}", lineno
            )
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            raise DataFormatError(path, f"non-numeric value {bad!r}", lineno) from None
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), ncols or 0)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fmt_allowed(allowed: tuple[int, ...]) -> str:
    return " or ".join(str(a) for a in allowed)


def _load_matrix(path: Path, allowed: tuple[int, ...]) -> tuple[NDArray[np.float64], list[int]]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is fine
    except FileNotFoundError:
        raise DataFormatError(path, "file not found") from None
    except UnicodeDecodeError as err:
        raise DataFormatError(path, f"not a text file ({err.reason})") from None
    raw_lines = text.splitlines()
    line_numbers = [i + 1 for i, s in enumerate(raw_lines) if s.strip()]
    lines = [raw_lines[i - 1] for i in line_numbers]
    if not lines:
        return np.zeros((0, allowed[0])), []
    try:
        mat = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2, comments=None)
    except ValueError:
        mat = _parse_slow(path, lines, line_numbers, allowed)
    if mat.shape[1] not in allowed:
        raise DataFormatError(
            path, f"expected {_fmt_allowed(allowed)} columns, got {mat.shape[1]}", line_numbers[0]
        )
    return mat, line_numbers


def _check(path: Path, bad: NDArray[np.bool_], line_numbers: list[int], message: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(path, message, line_numbers[i])


def _check_ids(path: Path, mat: NDArray[np.float64], line_numbers: list[int], what: str) -> None:
    """Column 2 of a ground-truth or track file: whole numbers >= 0, each once per frame."""
    ids = mat[:, 1]
    _check(path, ids < 0, line_numbers, f"{what} (column 2) must be >= 0")
    _check(path, (ids != np.round(ids)) | (ids >= 2**53), line_numbers,
           f"{what} (column 2) must be a whole number below 2^53")  # fmt: skip
    order = np.lexsort((ids, mat[:, 0]))
    again = np.zeros(len(ids), bool)
    same = (mat[order[1:], 0] == mat[order[:-1], 0]) & (ids[order[1:]] == ids[order[:-1]])
    again[order[1:][same]] = True
    _check(path, again, line_numbers, f"{what} (column 2) appears twice in this frame")


def _validate(
    path: Path, mat: NDArray[np.float64], line_numbers: list[int], seq_length: int | None
) -> None:
    finite = np.isfinite(mat)
    if not finite.all():
        i = int(np.flatnonzero(~finite.all(axis=1))[0])
        col = int(np.flatnonzero(~finite[i])[0]) + 1
        raise DataFormatError(
            path, f"column {col} is {mat[i, col - 1]} (must be finite)", line_numbers[i]
        )
    frame, ident = mat[:, 0], mat[:, 1]
    _check(path, frame != np.round(frame), line_numbers, "frame (column 1) must be an integer")
    _check(path, ident != np.round(ident), line_numbers, "id (column 2) must be an integer")
    _check(path, mat[:, 4] <= 0, line_numbers, "box width (column 5) must be > 0")
    _check(path, mat[:, 5] <= 0, line_numbers, "box height (column 6) must be > 0")
    if seq_length is not None:
        _check(
            path,
            (frame < 1) | (frame > seq_length),
            line_numbers,
            f"frame outside 1..{seq_length} (seqLength)",
        )
    else:
        _check(path, frame < 1, line_numbers, "frame must be >= 1")


def read_mot(path: str | Path, kind: MotKind, seq_length: int | None = None) -> Detections:
    """Read a MOTChallenge text file of the given ``kind`` (see the module docstring).

    Args:
        path: the ``.txt`` file.
        kind: ``"gt"``, ``"det"`` or ``"tracks"``.
        seq_length: if given, frames must lie in ``1 .. seq_length``.

    Returns:
        :class:`~spamlabels.core.Tracks` for ``gt`` and ``tracks``, :class:`Detections` (ids
        -1) for ``det``. World coordinates, when present and not all -1, go to
        ``data["world"]`` of shape ``(n, 3)``.

    Raises:
        DataFormatError: naming the file and the line of the first problem.
    """
    path = Path(path)
    if kind not in _ALLOWED_COLUMNS:
        raise ValueError(f"kind must be one of {sorted(_ALLOWED_COLUMNS)}, got {kind!r}")
    mat, line_numbers = _load_matrix(path, _ALLOWED_COLUMNS[kind])
    _validate(path, mat, line_numbers, seq_length)
    ncols = mat.shape[1]
    frame = mat[:, 0].astype(np.int64)
    xywh = mat[:, 2:6]
    data: dict[str, np.ndarray] = {}
    if kind == "gt":
        consider = mat[:, 6] != 0
        world: NDArray[np.float64] | None
        if ncols == 10:  # MOT15: no class / visibility; world coordinates
            cls = np.ones(len(mat), np.int64)
            vis = np.ones(len(mat))
            world = mat[:, 7:10]
        else:
            _check(
                path,
                mat[:, 7] != np.round(mat[:, 7]),
                line_numbers,
                "class (column 8) must be an integer",
            )
            _check(path, (mat[:, 7] < 1) | (mat[:, 7] > 13), line_numbers,
                   "class (column 8) must be a MOTChallenge class, 1-13")  # fmt: skip
            cls = mat[:, 7].astype(np.int64)
            vis = mat[:, 8]
            world = mat[:, 9:12] if ncols == 12 else None
        if world is not None and not (world == -1).all():
            data["world"] = world
        _check_ids(path, mat, line_numbers, "ground-truth id")
        return Tracks(
            frame=frame,
            xywh=xywh,
            id=mat[:, 1].astype(np.int64),
            score=np.ones(len(mat)),
            cls=cls,
            visibility=vis,
            consider=consider,
            data=data,
        )
    score = mat[:, 6]
    if ncols == 10 and not (mat[:, 7:10] == -1).all():
        data["world"] = mat[:, 7:10]
    if kind == "det":
        return Detections(frame=frame, xywh=xywh, score=score, data=data)
    _check_ids(path, mat, line_numbers, "track id")
    return Tracks(frame=frame, xywh=xywh, id=mat[:, 1].astype(np.int64), score=score, data=data)


def read_gt(path: str | Path, seq_length: int | None = None) -> Tracks:
    """Read a ground-truth ``gt.txt`` (9-, 10- or 12-column layout)."""
    table = read_mot(path, "gt", seq_length)
    assert isinstance(table, Tracks)
    return table


def read_det(path: str | Path, seq_length: int | None = None) -> Detections:
    """Read a detection file ``det.txt``."""
    return read_mot(path, "det", seq_length)


def read_tracks(path: str | Path, seq_length: int | None = None) -> Tracks:
    """Read tracker output (one sequence, MOTChallenge format)."""
    table = read_mot(path, "tracks", seq_length)
    assert isinstance(table, Tracks)
    return table


def write_mot(path: str | Path, table: Detections, kind: MotKind) -> Path:
    """Write ``table`` as a MOTChallenge file, sorted by frame then id, atomically.

    ``gt`` writes the 9-column MOT17 layout (12 columns when ``data["world"]`` exists);
    ``det`` writes ``frame,-1,left,top,w,h,score,-1,-1,-1``; ``tracks`` writes
    ``frame,id,left,top,w,h,conf,-1,-1,-1``. Floats keep 10 significant digits.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    t = table.sorted()
    n = len(t)
    if kind in ("gt", "tracks") and n and (t.id < 0).any():  # e.g. detections: read_* refuses
        raise ValueError(f"{path}: every row of {kind} needs an id >= 0 (detections without "
                         "ids are written as kind 'det')")  # fmt: skip
    cols: list[np.ndarray] = [t.frame.astype(np.float64)]
    fmt = ["%d"]
    if kind == "gt":
        cols += [t.id, *t.xywh.T, t.consider.astype(np.float64), t.cls, t.visibility]
        fmt += ["%d", "%.10g", "%.10g", "%.10g", "%.10g", "%d", "%d", "%.10g"]
        if "world" in t.data:
            cols += list(np.asarray(t.data["world"], dtype=np.float64).T)
            fmt += ["%.10g"] * 3
    elif kind in ("det", "tracks"):
        ids = np.full(n, -1) if kind == "det" else t.id
        world = t.data.get("world")
        world_cols = (
            list(np.asarray(world, np.float64).T) if world is not None else [np.full(n, -1)] * 3
        )
        cols += [ids, *t.xywh.T, t.score, *world_cols]
        fmt += ["%d", "%.10g", "%.10g", "%.10g", "%.10g", "%.10g", "%.10g", "%.10g", "%.10g"]
    else:
        raise ValueError(f"kind must be 'gt', 'det' or 'tracks', got {kind!r}")
    mat = (
        np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
        if n
        else np.zeros((0, len(fmt)))
    )
    with atomic_write(path) as fh:
        np.savetxt(fh, mat, fmt=fmt, delimiter=",")
    return path
