"""Per-detection re-ID embeddings stored next to a ``det.txt`` (deep_sort's ``.npy`` layout).

File layout (``MOT17/appearance/MOT17-XX-<DET>.npy`` of ``../shared/data``, as written by
deep_sort's ``generate_detections.py``): one float ``(N, 7 + d)`` array, one row per detection,

========= =================================================================================
columns   meaning
========= =================================================================================
0 .. 6    the det.txt row: frame (1-based), -1, left, top, w, h (pixels), confidence
7 .. 7+d  the ``d``-dimensional re-ID embedding (deep_sort "mars-small128": d = 128,
          L2-normalised rows); a row of NaN means "no embedding"
========= =================================================================================

A file holding the whole 10-column det.txt row before the embedding (columns 7-9 = -1 in
every row, ``(N, 10 + d)``) is read as such: an L2-normalised embedding never has -1 there.

:func:`read_appearance` loads such a file as :class:`~spamlabels.core.Detections` with
``data["embedding"]`` ``(N, d)`` float32; :func:`attach_embeddings` copies the embeddings onto
another detection table of the same sequence (e.g. the rows of ``det/det.txt``) by frame and
box; :func:`write_appearance` writes the layout back (e.g. for simulated embeddings).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import DataFormatError, Detections
from spamlabels.io._atomic import atomic_write

__all__ = ["attach_embeddings", "read_appearance", "write_appearance"]

_DET_COLUMNS = 7


def _fail_rows(path: Path, bad: NDArray[np.bool_] | np.bool_, message: str) -> None:
    bad = np.atleast_1d(bad)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(path, f"row {i + 1} (1-based): {message}")


def read_appearance(path: str | Path, seq_length: int | None = None) -> Detections:
    """Read a deep_sort-style detections-with-embeddings ``.npy`` file (module docstring).

    Args:
        path: the ``.npy`` file: a float array of shape ``(N, 7 + d)``, ``d >= 1``.
        seq_length: if given, frames must lie in ``1 .. seq_length``.

    Returns:
        :class:`~spamlabels.core.Detections` (ids -1) with ``frame``, ``xywh`` (pixels) and
        ``score`` from columns 0-6 and ``data["embedding"]`` of shape ``(N, d)``, float32, as
        stored (not re-normalised; rows of NaN = missing).

    Raises:
        DataFormatError: naming the file (and the 1-based row): missing or unreadable file, not
            a 2-D numeric array with at least 8 columns, a non-finite or non-integer frame,
            a frame out of range, a non-finite box or score, ``w <= 0`` or ``h <= 0``, or an
            embedding row that is partly non-finite.
    """
    path = Path(path)
    try:
        raw = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataFormatError(path, "file not found") from None
    except (ValueError, OSError, EOFError) as err:
        raise DataFormatError(path, f"not a numpy .npy array ({err})") from None
    if not isinstance(raw, np.ndarray):  # an .npz archive
        raw.close()
        raise DataFormatError(path, "expected a single .npy array, got an .npz archive")
    if raw.ndim != 2 or raw.shape[1] <= _DET_COLUMNS:
        raise DataFormatError(
            path,
            f"expected shape (N, 7 + d) with d >= 1 (deep_sort: (N, 135)), got {raw.shape}",
        )
    if not (np.issubdtype(raw.dtype, np.floating) or np.issubdtype(raw.dtype, np.integer)):
        raise DataFormatError(path, f"expected a numeric array, got dtype {raw.dtype}")
    mat = raw.astype(np.float64, copy=False)
    det_cols = _DET_COLUMNS
    if mat.shape[1] > 10 and len(mat) and (mat[:, 7:10] == -1).all():
        det_cols = 10  # the whole 10-column det.txt row first (-1, -1, -1 for x, y, z)
    frame = mat[:, 0]
    _fail_rows(path, ~np.isfinite(frame), "frame (column 0) must be finite")
    _fail_rows(path, frame != np.round(frame), "frame (column 0) must be an integer")
    if seq_length is not None:
        _fail_rows(
            path, (frame < 1) | (frame > seq_length), f"frame outside 1..{seq_length} (seqLength)"
        )
    else:
        _fail_rows(path, frame < 1, "frame must be >= 1")
    head = mat[:, 2:_DET_COLUMNS]
    _fail_rows(path, ~np.isfinite(head).all(axis=1), "box and score (columns 2-6) must be finite")
    _fail_rows(path, (head[:, 2] <= 0) | (head[:, 3] <= 0), "box width and height must be > 0")
    emb = mat[:, det_cols:].astype(np.float32)
    finite = np.isfinite(emb)
    _fail_rows(
        path,
        finite.any(axis=1) & ~finite.all(axis=1),
        "embedding is partly non-finite (a missing embedding is a row of NaN)",
    )
    return Detections(
        frame=frame.astype(np.int64),
        xywh=head[:, :4],
        score=head[:, 4],
        data={"embedding": emb},
    )


def attach_embeddings(dets: Detections, table: Detections, atol: float = 0.05) -> Detections:
    """Copy the re-ID embeddings of ``table`` onto the rows of ``dets`` that show the same box.

    A row of ``dets`` matches a row of ``table`` of the same frame whose ``xywh`` differs by at
    most ``atol`` pixels in each of the four coordinates (the nearest one, by the largest
    coordinate difference, if several do). Matching is vectorised per frame; rows of ``table``
    may be used more than once (e.g. by duplicate rows of ``dets``).

    Args:
        dets: ``n`` detections, e.g. ``MOTSequence.det()`` of the sequence.
        table: ``m`` detections with ``data["embedding"]`` of shape ``(m, d)``, e.g. from
            :func:`read_appearance`.
        atol: largest per-coordinate box difference of a match, pixels (det.txt files round
            boxes to 0.1 px or finer).

    Returns:
        ``dets`` with ``data["embedding"]`` ``(n, d)`` float32 (replaced if present): the
        embedding of the matched row, a row of NaN where none matches. Every other column is
        unchanged.
    """
    if "embedding" not in table.data:
        raise ValueError("table has no data['embedding'] column")
    if not (np.isfinite(atol) and atol >= 0):
        raise ValueError(f"atol must be a finite number >= 0, got {atol!r}")
    src = np.asarray(table.data["embedding"], dtype=np.float32)
    if src.ndim != 2:
        raise ValueError(f"table.data['embedding'] must have shape (m, d), got {src.shape}")
    match = np.full(len(dets), -1, np.int64)
    for frame in dets.frames():
        rt = table.rows_at(int(frame))
        if not len(rt):
            continue
        rd = dets.rows_at(int(frame))
        diff = np.abs(dets.xywh[rd, None, :] - table.xywh[None, rt, :]).max(axis=2)  # (a, b)
        best = np.argmin(diff, axis=1)
        ok = diff[np.arange(len(rd)), best] <= atol
        match[rd[ok]] = rt[best[ok]]
    out = np.full((len(dets), src.shape[1]), np.nan, np.float32)
    hit = match >= 0
    out[hit] = src[match[hit]]
    return dets.replace(data={**dets.data, "embedding": out})


def write_appearance(path: str | Path, dets: Detections) -> Path:
    """Write ``dets`` with their ``data["embedding"]`` in the layout of the module docstring
    (float64 ``(n, 7 + d)``; column 1 is -1), sorted by frame (stable), atomically.

    Returns:
        ``path`` as a :class:`~pathlib.Path`; :func:`read_appearance` reads it back.
    """
    path = Path(path)
    if "embedding" not in dets.data:
        raise ValueError("dets has no data['embedding'] column")
    emb = np.asarray(dets.data["embedding"], dtype=np.float64)
    if emb.ndim != 2 or emb.shape[1] < 1:
        raise ValueError(f"data['embedding'] must have shape (n, d), d >= 1, got {emb.shape}")
    order = np.argsort(dets.frame, kind="stable")
    n = len(order)
    mat = np.column_stack(
        [
            dets.frame[order].astype(np.float64),
            np.full(n, -1.0),
            dets.xywh[order],
            dets.score[order],
            emb[order],
        ]
    )
    with atomic_write(path, "wb") as fh:
        np.save(fh, mat, allow_pickle=False)
    return path
