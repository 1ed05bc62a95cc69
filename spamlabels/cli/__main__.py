"""``spam``: the command-line interface, a dispatch table onto library functions.

Each command lives in its own module ``spamlabels.cli.<name>_cmd`` exposing
``add_parser(subparsers) -> None`` and ``run(args) -> int``; modules are imported only when
their command runs (``--help`` of the top level imports them to list their options).
Bad input (:class:`~spamlabels.core.DataFormatError`) becomes one line on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from spamlabels import __version__
from spamlabels.core import DataFormatError

COMMANDS: dict[str, str] = {
    "synth": "spamlabels.cli.synth_cmd",
    "track": "spamlabels.cli.track_cmd",
    "eval": "spamlabels.cli.eval_cmd",
    "train": "spamlabels.cli.train_cmd",
    "label": "spamlabels.cli.label_cmd",
    "selftrain": "spamlabels.cli.selftrain_cmd",
    "demo": "spamlabels.cli.demo_cmd",
}


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (every command's subparser registered)."""
    parser = argparse.ArgumentParser(
        prog="spam",
        description="spamlabels: cheap, accurate labels for multi-object tracking datasets.",
    )
    parser.add_argument("--version", action="version", version=f"spamlabels {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``spam`` console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)

    said: set[str] = set()

    def one_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:  # fmt: skip
        if str(message) not in said:  # once per command (e.g. not again in every round)
            said.add(str(message))
            print(f"spam {args.command}: warning: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():  # a warning is one line, as the errors
            warnings.showwarning = one_line
            return int(args.run(args) or 0)
    except DataFormatError as err:
        print(f"spam {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        lead = "\n" if sys.stderr.isatty() else ""  # past a progress bar's unfinished line
        print(f"{lead}spam {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
