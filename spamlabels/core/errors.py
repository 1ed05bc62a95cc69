"""Errors every layer may raise; the CLI turns :class:`DataFormatError` into a one-line message."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DataFormatError"]


class DataFormatError(ValueError):
    """Bad input data, located by file and (where it applies) 1-based line number.

    ``str(err)`` reads ``"path/to/gt.txt:17: expected 9 columns, got 8"``.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")
