"""MOTChallenge sequence folders, ``seqinfo.ini``, seqmaps and dataset layouts.

A sequence folder holds ``seqinfo.ini``, ``img1/`` (frames), ``gt/gt.txt`` (when labelled) and
``det/det.txt`` (detections). Layouts understood by :func:`discover_sequences`:

- MOTChallenge (MOT15/16/17/20): ``{root}/{train,test}/{SEQ}/``; seqmaps ``{name}.txt`` with a
  ``name`` header then one sequence per line.
- DanceTrack: ``{root}/{train,val,test}/dancetrackXXXX/`` with 8-digit frame names and seqmaps
  ``{split}_seqmap.txt`` in the root.
- Any folder that directly contains sequence folders, or is one.
"""

from __future__ import annotations

import configparser
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from spamlabels.core import DataFormatError, Detections, Half, Tracks, map_scores, take_half
from spamlabels.io._atomic import atomic_write
from spamlabels.io.mot import read_det, read_gt

T = TypeVar("T", bound=Detections)

__all__ = [
    "MOTSequence",
    "SeqInfo",
    "discover_sequences",
    "read_seqinfo",
    "read_seqmap",
    "write_seqinfo",
    "write_seqmap",
]

_REQUIRED = ("name", "imDir", "frameRate", "seqLength", "imWidth", "imHeight", "imExt")


@dataclass(frozen=True)
class SeqInfo:
    """The ``[Sequence]`` section of ``seqinfo.ini``."""

    name: str
    frame_rate: float
    """Frames per second (``frameRate``); MOT17-05 is 14, most others 25 or 30."""
    seq_length: int
    """Number of frames (``seqLength``); frames are numbered ``1 .. seq_length``."""
    im_width: int
    im_height: int
    im_dir: str = "img1"
    im_ext: str = ".jpg"

    def with_length(self, seq_length: int, name: str | None = None) -> SeqInfo:
        """A copy with another length (and name), e.g. for a half split."""
        return SeqInfo(
            name or self.name,
            self.frame_rate,
            seq_length,
            self.im_width,
            self.im_height,
            self.im_dir,
            self.im_ext,
        )


def _line_of(text: str, needle: str) -> int | None:
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(needle):
            return i
    return None


def read_seqinfo(path: str | Path) -> SeqInfo:
    """Read ``seqinfo.ini`` (a file, or a sequence folder containing one).

    Raises:
        DataFormatError: missing file, missing ``[Sequence]`` section or key, or a value of the
            wrong type; names the file (and the line for bad values).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "seqinfo.ini"
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Windows editors) is fine
    except FileNotFoundError:
        raise DataFormatError(path, "file not found") from None
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as err:
        line = getattr(err, "lineno", None)
        raise DataFormatError(path, f"not an ini file: {err.message}", line) from None
    if not parser.has_section("Sequence"):
        raise DataFormatError(path, "missing [Sequence] section")
    sec = parser["Sequence"]
    for key in _REQUIRED:
        if key not in sec:
            raise DataFormatError(path, f"missing key {key!r} in [Sequence]")

    def number(key: str, kind: type) -> float | int:
        raw = sec[key].strip()
        what = "a whole number" if kind is int else "a number"
        try:
            value = kind(raw)
        except ValueError:
            raise DataFormatError(
                path, f"{key} must be {what}, got {raw!r}", _line_of(text, key)
            ) from None
        if not np.isfinite(value):
            raise DataFormatError(path, f"{key} must be finite, got {raw!r}", _line_of(text, key))
        if value <= 0:
            raise DataFormatError(path, f"{key} must be > 0, got {raw!r}", _line_of(text, key))
        return value

    return SeqInfo(
        name=sec["name"].strip(),
        frame_rate=float(number("frameRate", float)),
        seq_length=int(number("seqLength", int)),
        im_width=int(number("imWidth", int)),
        im_height=int(number("imHeight", int)),
        im_dir=sec["imDir"].strip(),
        im_ext=sec["imExt"].strip(),
    )


def write_seqinfo(path: str | Path, info: SeqInfo) -> Path:
    """Write ``seqinfo.ini`` (to ``path``, or into ``path`` if it is a folder), atomically."""
    path = Path(path)
    if path.is_dir() or path.suffix != ".ini":
        path = path / "seqinfo.ini"
    rate = int(info.frame_rate) if float(info.frame_rate).is_integer() else info.frame_rate
    body = (
        "[Sequence]\n"
        f"name={info.name}\nimDir={info.im_dir}\nframeRate={rate}\n"
        f"seqLength={info.seq_length}\nimWidth={info.im_width}\nimHeight={info.im_height}\n"
        f"imExt={info.im_ext}\n"
    )
    with atomic_write(path) as fh:
        fh.write(body)
    return path


def read_seqmap(path: str | Path) -> list[str]:
    """Sequence names of a TrackEval seqmap file (first line ``name``; blank lines skipped)."""
    path = Path(path)
    try:
        lines = [s.strip() for s in path.read_text(encoding="utf-8").splitlines()]
    except FileNotFoundError:
        raise DataFormatError(path, "file not found") from None
    names = [s for s in lines if s]
    if not names or names[0] != "name":
        raise DataFormatError(path, "a seqmap starts with the header line 'name'", 1)
    return names[1:]


def write_seqmap(path: str | Path, names: Iterable[str]) -> Path:
    """Write a TrackEval seqmap file, atomically."""
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write("name\n" + "".join(f"{n}\n" for n in names))
    return path


@dataclass(frozen=True)
class MOTSequence:
    """One sequence folder: lazy access to its info, ground truth, detections and frames.

    Example:
        >>> seq = MOTSequence.open("../shared/data/MOT17/train/MOT17-02-FRCNN")  # doctest: +SKIP
        >>> gt = seq.gt(half="val")  # doctest: +SKIP
    """

    root: Path
    info: SeqInfo

    @classmethod
    def open(cls, root: str | Path) -> MOTSequence:
        """Open a sequence folder (reads and validates ``seqinfo.ini``)."""
        root = Path(root)
        if not root.is_dir():
            raise DataFormatError(root, "not a sequence folder (no such directory)")
        return cls(root, read_seqinfo(root / "seqinfo.ini"))

    @property
    def name(self) -> str:
        """The folder name (MOT17 seqinfo names may differ from folder names; folders win);
        for a folder given as ``.`` or ``..``, the name of the folder it stands for."""
        name = self.root.name
        return self.root.resolve().name if name in ("", ".", "..") else name

    @property
    def gt_path(self) -> Path:
        return self.root / "gt" / "gt.txt"

    @property
    def det_path(self) -> Path:
        return self.root / "det" / "det.txt"

    @property
    def has_gt(self) -> bool:
        return self.gt_path.is_file()

    @property
    def input_files(self) -> tuple[Path, Path, Path]:
        """``seqinfo.ini``, ``det/det.txt`` and ``gt/gt.txt``: what commands read, and so what
        no output may overwrite (:func:`~spamlabels.io.check_output_file`)."""
        return self.root / "seqinfo.ini", self.det_path, self.gt_path

    def _half(self, table: T, half: Half) -> tuple[T, int]:
        """:func:`~spamlabels.core.take_half`; a sequence too short for ``half`` is a
        :class:`DataFormatError` naming its seqinfo.ini."""
        if half == "val" and self.info.seq_length < 3:  # the only half a sequence can lack
            n = self.info.seq_length
            raise DataFormatError(self.root / "seqinfo.ini",
                                  f"a sequence of {n} frames has no validation half")  # fmt: skip
        return take_half(table, self.info.seq_length, half)

    def length(self, half: Half = "all") -> int:
        """Number of frames of the whole sequence or of one half."""
        return self._half(Detections.empty(), half)[1]

    def gt(self, half: Half = "all") -> Tracks:
        """Ground truth (frames renumbered from 1 for ``half="val"``)."""
        table = read_gt(self.gt_path, self.info.seq_length)
        return self._half(table, half)[0]

    def det(
        self,
        half: Half = "all",
        path: str | Path | None = None,
        appearance: str | Path | None = None,
        score_map: str = "none",
    ) -> Detections:
        """Detections from ``det/det.txt`` (or ``path``), optionally restricted to one half.

        ``score_map`` maps the scores to probabilities (:func:`spamlabels.core.map_scores`:
        ``"logistic"`` for margins such as the MOT17 DPM files').

        With ``appearance`` (a deep_sort-style ``.npy`` of detections with re-ID embeddings,
        :mod:`spamlabels.io.appearance`), every row gets ``data["embedding"]`` ``(n, d)``
        from the row of that file with the same frame and box (NaN where none matches).
        """
        table = read_det(path or self.det_path, self.info.seq_length)
        if score_map != "none":
            table = table.replace(score=map_scores(table.score, score_map, path or self.det_path))
        if appearance is not None:
            from spamlabels.io.appearance import attach_embeddings, read_appearance

            table = attach_embeddings(table, read_appearance(appearance, self.info.seq_length))
        table = self._half(table, half)[0]
        if appearance is not None and len(table):  # counted in the half asked for
            missing = int(np.isnan(table.data["embedding"]).all(axis=1).sum())
            if missing:  # the tracker then links those boxes without appearance
                warnings.warn(f"{appearance}: {missing} of the {len(table)} detections of "
                              f"{path or self.det_path} (half {half}) have no embedding (no "
                              "row of the same frame and box, or a row of NaN)",
                              stacklevel=2)  # fmt: skip
        return table

    def frames(self, half: Half = "all"):
        """Lazy frame access (see :func:`spamlabels.io.frames.open_frames`)."""
        from spamlabels.io.frames import open_frames

        return open_frames(self, half=half)


def discover_sequences(paths: str | Path | Sequence[str | Path]) -> list[MOTSequence]:
    """Find sequence folders: each path is a sequence folder or a folder of them (searched two
    levels deep, e.g. ``MOT17/`` -> ``train/`` -> ``MOT17-02-FRCNN/``). Sorted by name."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: dict[Path, MOTSequence] = {}
    for p in map(Path, paths):
        if (p / "seqinfo.ini").is_file():
            found[p.resolve()] = MOTSequence.open(p)
            continue
        if not p.is_dir():
            raise DataFormatError(p, "no such sequence folder")
        candidates = sorted(p.glob("*/seqinfo.ini")) or sorted(p.glob("*/*/seqinfo.ini"))
        if not candidates:
            raise DataFormatError(p, "no sequence folders (with seqinfo.ini) found here")
        for ini in candidates:
            found[ini.parent.resolve()] = MOTSequence.open(ini.parent)
    return sorted(found.values(), key=lambda s: (s.name, str(s.root)))
