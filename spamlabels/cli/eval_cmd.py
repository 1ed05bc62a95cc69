"""``spam eval``: HOTA / MOTA / IDF1 of tracker output against ground truth (TrackEval)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from spamlabels.core import DataFormatError

TABLE_FIELDS = ("HOTA", "DetA", "AssA", "LocA", "MOTA", "IDF1", "IDSW", "Recall", "Precision")


def add_parser(sub: Any) -> None:
    """Register ``spam eval``."""
    p = sub.add_parser(
        "eval",
        help="score tracks against ground truth (HOTA, MOTA, IDF1 via TrackEval)",
        description=(
            "Evaluate tracker output against the ground truth of one or more MOTChallenge "
            "sequence folders. Tracks: one file (for one sequence) or a folder holding "
            "<sequence name>.txt per sequence (also <folder>/data/<name>.txt, TrackEval's "
            "layout). With --half val the tracks must be numbered from 1 within the half, as "
            "`spam track --half val` writes them."
        ),
    )
    p.add_argument(
        "gt",
        nargs="+",
        type=Path,
        metavar="GT_SEQ_DIR",
        help="sequence folders with gt/gt.txt and seqinfo.ini (or folders of them)",
    )
    p.add_argument("--tracks", required=True, type=Path, metavar="TRACKS_DIR_OR_FILE")
    p.add_argument(
        "--half",
        choices=("all", "train", "val"),
        default="all",
        help="evaluate one half of each sequence (MOT17 ByteTrack protocol)",
    )
    p.add_argument(
        "--benchmark",
        default="MOT17",
        choices=("MOT15", "MOT16", "MOT17", "MOT20", "DanceTrack"),
        help="preprocessing rules (distractor classes); default MOT17",
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="also write all numbers as JSON")
    p.set_defaults(run=run)


def _tracks_file(tracks: Path, name: str, n_seqs: int) -> Path:
    if not tracks.exists():
        raise DataFormatError(tracks, "no such file or folder")
    if tracks.is_file():
        if n_seqs != 1:
            raise DataFormatError(
                tracks,
                f"a single tracks file given for {n_seqs} sequences; "
                "pass a folder with <sequence name>.txt per sequence",
            )
        return tracks
    for cand in (tracks / f"{name}.txt", tracks / "data" / f"{name}.txt"):
        if cand.is_file():
            return cand
    raise DataFormatError(tracks / f"{name}.txt", "no tracks for this sequence")


def _jsonable(x: Any) -> Any:
    import numpy as np

    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


def run(args: argparse.Namespace) -> int:
    """Evaluate and print a per-sequence and combined table."""
    from tabulate import tabulate

    from spamlabels.eval import EvalError, evaluate
    from spamlabels.io import atomic_write, check_output_file, discover_sequences, read_tracks

    seqs = discover_sequences(args.gt)
    first: dict[str, Path] = {}
    for seq in seqs:  # the tracks are found by name: two sequences of one name are ambiguous
        if seq.name in first:
            raise DataFormatError(seq.root, f"a second sequence named {seq.name} (the first: "
                                            f"{first[seq.name]}); evaluate them apart")  # fmt: skip
        first[seq.name] = seq.root
        if not seq.has_gt:
            raise DataFormatError(seq.gt_path, "ground truth not found")
    files = {seq.name: _tracks_file(args.tracks, seq.name, len(seqs)) for seq in seqs}
    if args.json:  # before any work, and never onto an input
        read = [p for seq in seqs for p in (seq.gt_path, seq.root / "seqinfo.ini")]
        check_output_file(args.json, [*read, *files.values()])
    inputs = {}
    for seq in seqs:
        n = seq.length(args.half)
        pred = read_tracks(files[seq.name], seq_length=n)
        inputs[seq.name] = (seq.gt(args.half), pred, n)
    try:
        result = evaluate(inputs, benchmark=args.benchmark, progress=len(inputs) > 3)
    except EvalError as err:
        raise DataFormatError(args.tracks, str(err)) from None
    rows = []
    for name, row in result.table.items():
        rows.append([name] + [row[f] if f != "IDSW" else int(row[f]) for f in TABLE_FIELDS])
    print(tabulate(rows, headers=["sequence", *TABLE_FIELDS], floatfmt=".2f"))
    if args.json:
        payload = {
            "half": args.half,
            "benchmark": args.benchmark,
            "table": result.table,
            "trackeval": _jsonable(result.raw),
        }
        with atomic_write(args.json) as fh:
            json.dump(payload, fh, indent=1)
    return 0
