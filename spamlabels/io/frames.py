"""Lazy frame access: an ``img1/`` folder of numbered images or a video file (OpenCV).

Frames are numbered like the label files: ``1 .. seq_length``. Image names are numbers of any
width (``000001.jpg`` in MOT17, ``00000001.jpg`` in DanceTrack); a folder whose numbering starts
at 0 (MOTSynth's ``rgb/0000.jpg``) is shifted so its first image is frame 1. Nothing is decoded
until a frame is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from spamlabels.core import DataFormatError, Half, half_range

if TYPE_CHECKING:
    from spamlabels.io.sequence import MOTSequence

__all__ = ["FrameSource", "ImageFolderFrames", "VideoFrames", "open_frames"]

VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".mpg", ".mpeg")


class FrameSource:
    """Frames ``1 .. len(self)`` of one sequence (or one half), decoded on demand as BGR uint8
    arrays of shape ``(height, width, 3)``."""

    def __init__(self, length: int, offset: int = 0) -> None:
        self._length = length
        self._offset = offset  # frame f of this source is frame f + offset of the file

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, frame: int) -> NDArray[np.uint8]:
        if not 1 <= frame <= self._length:
            raise IndexError(f"frame {frame} outside 1..{self._length}")
        return self._read(frame + self._offset)

    def __iter__(self) -> Iterator[NDArray[np.uint8]]:
        for f in range(1, self._length + 1):
            yield self[f]

    def _read(self, frame: int) -> NDArray[np.uint8]:
        raise NotImplementedError


class ImageFolderFrames(FrameSource):
    """Frames from a folder of numbered images."""

    def __init__(
        self,
        folder: str | Path,
        seq_length: int | None = None,
        ext: str | None = None,
        partial: bool = False,
        half: Half = "all",
    ) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise DataFormatError(self.folder, "frame folder not found")
        files: dict[int, Path] = {}
        for p in self.folder.iterdir():
            if (ext is None or p.suffix.lower() == ext.lower()) and p.stem.isdigit():
                files[int(p.stem)] = p
        if not files:
            raise DataFormatError(self.folder, f"no numbered images{f' ({ext})' if ext else ''}")
        shift = 1 if min(files) == 0 else 0
        self._files = {k + shift: v for k, v in files.items()}
        count = len(self._files)
        n = seq_length if seq_length is not None else max(self._files)
        if count > n or max(self._files) > n:
            raise DataFormatError(self.folder, f"{count} images but seqLength is {n}")
        if count < n and not partial:
            raise DataFormatError(
                self.folder,
                f"{count} images but seqLength is {n} (pass partial=True to allow gaps)",
            )
        first, last = half_range(n, half)
        super().__init__(last - first + 1, first - 1)

    def available(self) -> list[int]:
        """Frames (of this source's numbering) whose image file exists."""
        return sorted(f - self._offset for f in self._files if 1 <= f - self._offset <= len(self))

    def _read(self, frame: int) -> NDArray[np.uint8]:
        path = self._files.get(frame)
        if path is None:
            raise DataFormatError(self.folder, f"no image for frame {frame}")
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise DataFormatError(path, "cannot decode image")
        return np.asarray(img, dtype=np.uint8)


class VideoFrames(FrameSource):
    """Frames from a video file; sequential reads are fast, random access seeks."""

    def __init__(
        self,
        path: str | Path,
        seq_length: int | None = None,
        partial: bool = False,
        half: Half = "all",
    ) -> None:
        self.path = Path(path)
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise DataFormatError(self.path, "cannot open video")
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        n = seq_length if seq_length is not None else count
        if count != n and not (partial and count < n):
            raise DataFormatError(self.path, f"video has {count} frames but seqLength is {n}")
        self._cap: cv2.VideoCapture | None = None
        self._next = 1
        first, last = half_range(n, half)
        super().__init__(last - first + 1, first - 1)

    def _read(self, frame: int) -> NDArray[np.uint8]:
        if self._cap is None:
            self._cap = cv2.VideoCapture(str(self.path))
            self._next = 1
        if frame != self._next:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, frame - 1)
        ok, img = self._cap.read()
        if not ok:
            raise DataFormatError(self.path, f"cannot read frame {frame}")
        self._next = frame + 1
        return np.asarray(img, dtype=np.uint8)

    def __del__(self) -> None:
        cap = getattr(self, "_cap", None)
        if cap is not None:
            cap.release()


def open_frames(seq: MOTSequence, half: Half = "all", partial: bool = True) -> FrameSource:
    """Frames of a sequence: ``{root}/{imDir}/`` if it exists, else a video file in the folder
    (``{root}/{name}.mp4`` or any single video). Frame counts are checked against seqinfo;
    ``partial`` allows fewer files than ``seqLength`` (e.g. a sample of the first frames)."""
    folder = seq.root / seq.info.im_dir
    if folder.is_dir():
        return ImageFolderFrames(folder, seq.info.seq_length, seq.info.im_ext, partial, half)
    videos = sorted(p for p in seq.root.iterdir() if p.suffix.lower() in VIDEO_EXTS)
    if not videos:
        raise DataFormatError(seq.root, f"no frames: neither {seq.info.im_dir}/ nor a video file")
    return VideoFrames(videos[0], seq.info.seq_length, partial, half)
