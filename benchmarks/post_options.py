"""The tracker's post-processing options shared by the benchmark scripts (``--smooth``,
``--stitch``, ``--cut-iou``, ``--swap-margin``): ``None`` keeps ``SpamConfig``'s default, 0
turns a step off, as in every result measured before that step existed (docs/benchmarks.md
section 6)."""

from __future__ import annotations

import argparse
from typing import Any

OPTIONS = (  # flag, SpamConfig field, metavar, the session it became a default
    ("--smooth", "smooth_seconds", "SECONDS", "the session of 2026-12-04"),
    ("--stitch", "stitch_seconds", "SECONDS", "the fifth session of 2026-12-04"),
    ("--cut-iou", "cut_iou", "IOU", "the sixth session of 2026-12-04"),
    ("--swap-margin", "swap_margin", "GAIN", "the session of 2026-12-05"),
)

POST_OFF = {field: 0.0 for _, field, _, _ in OPTIONS}
"""``SpamConfig`` overrides that turn every post-processing step off (the raw tracks a script
then post-processes itself; interpolation is a separate switch)."""


def add_post_options(ap: argparse.ArgumentParser) -> None:
    """Add ``--smooth``, ``--stitch``, ``--cut-iou`` and ``--swap-margin`` to ``ap``."""
    for flag, field, metavar, since in OPTIONS:
        text = f"SpamConfig.{field} (0 = off, as every result before {since})"
        ap.add_argument(flag, type=float, default=None, metavar=metavar, help=text)


def post_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``SpamConfig`` overrides from the parsed options (those given)."""
    out = {field: getattr(args, flag[2:].replace("-", "_")) for flag, field, _, _ in OPTIONS}
    return {k: v for k, v in out.items() if v is not None}
