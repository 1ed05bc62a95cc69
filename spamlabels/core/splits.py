"""The MOT17 half split used by ByteTrack and every number we report on the YOLOX set.

For a sequence of ``N`` frames: the *train* half is frames ``1 .. N//2 + 1``, the *validation*
half is frames ``N//2 + 2 .. N`` renumbered from 1 (length ``N - N//2 - 1``). This is exactly
``tools/convert_mot17_to_coco.py`` of ifzhang/ByteTrack (0-based image indices ``0 .. N//2`` and
``N//2 + 1 .. N - 1``).
"""

from __future__ import annotations

from typing import Literal, TypeVar

from spamlabels.core.detections import Detections

__all__ = ["Half", "half_range", "take_half"]

Half = Literal["train", "val", "all"]
T = TypeVar("T", bound=Detections)


def half_range(seq_length: int, half: Half) -> tuple[int, int]:
    """First and last original frame (1-based, inclusive) of ``half`` of an ``N``-frame sequence."""
    if seq_length < 1:
        raise ValueError(f"seq_length must be >= 1, got {seq_length}")
    if half == "all":
        return 1, seq_length
    if half == "train":
        return 1, seq_length // 2 + 1
    if half == "val":
        if seq_length < 3:
            raise ValueError(f"a sequence of {seq_length} frames has no validation half")
        return seq_length // 2 + 2, seq_length
    raise ValueError(f"half must be 'train', 'val' or 'all', got {half!r}")


def take_half(table: T, seq_length: int, half: Half) -> tuple[T, int]:
    """Rows of ``half``, frames renumbered so the half starts at frame 1.

    Args:
        table: rows of the whole sequence.
        seq_length: ``N``, the number of frames of the whole sequence (seqinfo ``seqLength``).
        half: ``"train"``, ``"val"`` or ``"all"`` (no-op).

    Returns:
        ``(rows of the half, length of the half in frames)``.
    """
    first, last = half_range(seq_length, half)
    keep = (table.frame >= first) & (table.frame <= last)
    sub = table[keep]
    if first != 1:
        sub = sub.replace(frame=sub.frame - (first - 1))
    return sub, last - first + 1
