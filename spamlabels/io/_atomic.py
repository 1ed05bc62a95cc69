"""Crash-safe file writing: write to a temporary file in the same folder, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from spamlabels.core import DataFormatError

__all__ = ["atomic_write", "check_output_file"]


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; on success rename it onto ``path``.

    If the body raises, the temporary file is removed and ``path`` keeps its old content (or
    stays absent), so a crash never leaves a half-written label file behind. The parent folder
    is created if needed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_output_file(path: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Check, before any work, that ``path`` can be written as a file by :func:`atomic_write`.

    Args:
        path: the output file.
        inputs: the files the command reads (``None`` entries are skipped): the output may
            not be one of them, which it would overwrite.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        DataFormatError: naming ``path``: it is a folder, the folder it would go in is a file
            or cannot be written to, or it is one of ``inputs``.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise DataFormatError(path, "is a folder; give the output file's name")
        base = path.parent
        while not base.exists():  # the folders missing in between are created
            if base.is_symlink():  # a link to nothing: no folder can be made there
                raise DataFormatError(path, f"cannot be written: {base} is a broken link")
            base = base.parent
        if not base.is_dir():
            raise DataFormatError(path, f"cannot be written: {base} is a file, not a folder")
        if not os.access(base, os.W_OK | os.X_OK):
            raise DataFormatError(path, f"cannot be written: no write access to {base}")
        for inp in inputs:
            if inp is not None and path.exists() and Path(inp).exists() \
                    and os.path.samefile(path, inp):  # fmt: skip
                raise DataFormatError(path, "is an input of this command and would be "
                                            "overwritten; write the output elsewhere")  # fmt: skip
    except OSError as err:  # e.g. a folder this process may not look into
        raise DataFormatError(path, f"cannot be written: {err.strerror or err}") from None
    return path
