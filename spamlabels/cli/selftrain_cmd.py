"""``spam selftrain``: fine-tune the model on its own pseudo-labels of unlabelled sequences."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def add_selftrain_options(p: argparse.ArgumentParser, prefix: str = "") -> None:
    """The recipe options of :class:`spamlabels.engine.SelfTrainConfig` (shared with
    ``spam label --selftrain``, where they carry the prefix ``selftrain-``)."""
    p.add_argument(f"--{prefix}rounds", type=int, default=1,
                   help="teacher -> student rounds (default 1)")  # fmt: skip
    p.add_argument(f"--{prefix}iterations", type=int, default=200,
                   help="fine-tuning steps per round (default 200)")  # fmt: skip
    p.add_argument(f"--{prefix}copies", type=int, default=3,
                   help="noisy copies of each sequence (0 = none; default 3)")  # fmt: skip
    p.add_argument(f"--{prefix}seed", type=int, default=0, help="seed of the noise and sampling")


def selftrain_config(args: argparse.Namespace, prefix: str = "", min_conf: float = 0.1,
                     score_map: str = "none") -> Any:  # fmt: skip
    """Build the :class:`~spamlabels.engine.SelfTrainConfig` of the options above."""
    from spamlabels.engine import SelfTrainConfig

    def get(name: str) -> Any:
        return getattr(args, (prefix + name).replace("-", "_"))

    try:
        return SelfTrainConfig(rounds=get("rounds"), iterations=get("iterations"),
                               copies=get("copies"), seed=get("seed"),
                               min_conf=min_conf, score_map=score_map)  # fmt: skip
    except ValueError as err:  # said as the option the user typed
        name, _, rest = str(err).partition(" ")
        raise ValueError(f"--{prefix}{name} {rest}") from None


def add_parser(sub: Any) -> None:
    """Register ``spam selftrain``."""
    from spamlabels.cli.track_cmd import add_score_map_option, finite_float

    p = sub.add_parser(
        "selftrain",
        help="annotation-free fine-tuning on the model's own pseudo-labels",
        description=(
            "Track the sequence folders with the synthetic-only weights (or --weights), turn "
            "the output into pseudo ground truth and fine-tune a copy of the model on it, with "
            "noisy copies of every sequence (dropped boxes, cut-out runs of track). Reads only "
            "det/det.txt and seqinfo.ini: no ground truth, no human labels. Writes W "
            "(atomically) and W.log.jsonl; use it with spam track/label --weights W."
        ),
    )
    p.add_argument("seqs", nargs="+", type=Path, metavar="SEQ_DIR", help="sequence folders")
    p.add_argument("--out", required=True, type=Path, metavar="W", help="weights file to write")
    p.add_argument("--half", choices=("all", "train", "val"), default="all",
                   help="use one half of each sequence (default all)")  # fmt: skip
    p.add_argument("--weights", type=Path, default=None, metavar="W",
                   help="teacher and starting point (default: the shipped weights)")  # fmt: skip
    p.add_argument("--min-conf", type=finite_float, default=0.1, metavar="CONF",
                   help="candidate detections (default 0.1)")  # fmt: skip
    add_score_map_option(p)
    add_selftrain_options(p)
    p.add_argument("--force", action="store_true",
                   help="start afresh over an existing OUT, its round files and an interrupted "
                   "run's checkpoints")  # fmt: skip
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run of the same command: the rounds it "
                   "finished are kept, the interrupted one goes on from its last checkpoint "
                   "(OUT.partial or a round file's .partial; written every quarter of the "
                   "iterations)")  # fmt: skip
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Self-train; print a JSON summary; returns the exit code."""
    from spamlabels.engine import self_train
    from spamlabels.engine.selftrain import (
        of_request,
        partial_path,
        request_differences,
        round_paths,
        selftrain_request,
    )
    from spamlabels.io import discover_sequences
    from spamlabels.train import TrainingDiverged

    if args.force and args.resume:
        print("spam selftrain: error: --force starts afresh, --resume continues: give one",
              file=sys.stderr)  # fmt: skip
        return 2
    *earlier, _ = round_paths(args.out, max(args.rounds, 1))  # OUT is said first
    files = [args.out, *earlier]
    held = [p for f in files for p in (f, partial_path(f)) if p.exists()]
    if held and not (args.force or args.resume):
        what = "an interrupted run's checkpoint" if held[0].suffix == ".partial" else "it"
        print(f"spam selftrain: error: {held[0]} exists (--resume continues {what}, --force "
              "starts afresh)", file=sys.stderr)  # fmt: skip
        return 2
    if args.weights is not None and not args.weights.is_file():
        print(f"spam selftrain: error: --weights {args.weights}: no such file", file=sys.stderr)
        return 2
    try:
        config = selftrain_config(args, min_conf=args.min_conf, score_map=args.score_map)
    except ValueError as err:
        print(f"spam selftrain: error: {err}", file=sys.stderr)
        return 2
    seqs = discover_sequences(list(args.seqs))
    request = selftrain_request(seqs, args.half, args.weights, config)
    if args.resume and held:  # only this command's own work is continued
        own = [p for p in held if of_request(p, request)]
        if not own:
            said = ", ".join(request_differences(held[0], request))
            print(f"spam selftrain: error: --resume: nothing of this command to continue: "
                  f"{held[0]} differs in {said}; give the same, or --force to start afresh",
                  file=sys.stderr)  # fmt: skip
            return 2
        # other work older than this command's last checkpoint was there when it started
        # (with --force, or as the teacher fine-tuned in place): replacing it is what it was
        # doing. Work written since is another command's, and is never replaced unasked.
        last = max(p.stat().st_mtime_ns for p in own)
        newer = [p for p in held if p not in own and p.stat().st_mtime_ns > last]
        if newer:
            print(f"spam selftrain: error: --resume: {newer[0]} was written by another command "
                  "after this one's last checkpoint, and would be replaced; --force starts "
                  "afresh over it", file=sys.stderr)  # fmt: skip
            return 2
    t0 = time.perf_counter()
    try:
        result = self_train(seqs, args.out, half=args.half, init=args.weights, config=config,
                            progress=not args.no_progress, threads=args.threads,
                            reuse=args.resume)  # fmt: skip
    except ValueError as err:  # bad data (a DataFormatError names its file) or none to use
        print(f"spam selftrain: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:  # the weights of that round are not written
        print(f"spam selftrain: error: {err}; {args.out} was not written", file=sys.stderr)
        return 1
    except OSError as err:  # e.g. a full disk while saving; a resumed checkpoint is kept
        print(f"spam selftrain: error: {err}; {args.out} was not written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        kept = [p for p in [*map(partial_path, files), *earlier] if of_request(p, request)]
        lead = "\n" if sys.stderr.isatty() else ""  # past a progress bar's unfinished line
        if kept:  # the newest: this run's checkpoint, or the last round it finished
            newest = max(kept, key=lambda p: p.stat().st_mtime_ns)
            hint = f"; the same command with --resume continues from {newest}"
        else:
            hint = " before the first checkpoint (nothing to resume)"
        print(f"{lead}spam selftrain: interrupted{hint}", file=sys.stderr)
        return 130
    if result.reused:
        print(f"{args.out} already holds these weights: nothing to do", file=sys.stderr)
        return 0
    print(json.dumps(result.rounds, indent=1))
    print(f"weights written to {result.weights} in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)  # fmt: skip
    return 0
