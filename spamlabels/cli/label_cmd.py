"""``spam label``: label sequences with the graph hierarchy and an annotator, within a budget."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any


def _split(text: str) -> tuple[float, float, float]:
    from spamlabels.active import check_split

    try:
        return check_split([float(v) for v in text.split(",")])
    except ValueError:
        msg = f"expected three shares like 0.2,0.3,0.5, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _iou(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be an IoU in (0, 1], got {text!r}")
    return value


def _passes(text: str) -> int:
    from spamlabels.active import check_passes

    try:
        return check_passes(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None


def add_parser(sub: Any) -> None:
    """Register ``spam label``."""
    from spamlabels.active import STRATEGIES
    from spamlabels.cli.selftrain_cmd import add_selftrain_options
    from spamlabels.cli.track_cmd import (
        add_score_map_option,
        finite_float,
        nonnegative_float,
        nonnegative_int,
        swap_margin,
        torch_device,
        unit_float,
    )

    p = sub.add_parser(
        "label",
        help="label sequences: pseudo-labels plus the answers to the most uncertain questions",
        description=(
            "Run the graph hierarchy over the candidate detections of each sequence folder and "
            "ask an annotator about its most uncertain decisions (binary entropy), level by "
            "level, until the budget is spent; one budget pool over all sequences. Writes "
            "OUT_DIR/<sequence>.txt (MOTChallenge), <sequence>.provenance.csv, effort.json, "
            "answers.json (for --answers), questions.csv and report.md. Click costs: accept / "
            "reject a box 1, refine a box 2, link a tracklet 1; full manual cost = 2 per "
            "ground-truth box + 1 per association."
        ),
    )
    p.add_argument("seqs", nargs="+", type=Path, metavar="SEQ_DIR", help="sequence folders")
    p.add_argument("--out", required=True, type=Path, metavar="OUT_DIR", help="output folder")
    p.add_argument(
        "--budget",
        default="3.3%",
        help="clicks (500) or a share of the full manual cost (3.3%%); 0 = pseudo-labels "
        "alone (default 3.3%%)",
    )
    p.add_argument(
        "--annotator",
        default="oracle",
        choices=("oracle",),
        help="who answers: oracle = simulated from gt/gt.txt (docs/active.md)",
    )
    p.add_argument("--half", choices=("all", "train", "val"), default="all",
                   help="label one half of each sequence (MOT17 protocol)")  # fmt: skip
    p.add_argument("--min-conf", type=finite_float, default=0.1, metavar="CONF",
                   help="drop candidates below this detector confidence (default 0.1)")  # fmt: skip
    add_score_map_option(p)
    p.add_argument("--weights", type=Path, metavar="W",
                   help="checkpoint (default: the shipped synthetic-only weights)")  # fmt: skip
    p.add_argument("--strategy", default="hierarchical", choices=sorted(STRATEGIES),
                   help="question selection (hierarchical: ours, most uncertain first, the "
                        "boxes GNN_node decides before the confident ones; paper: the "
                        "paper's plain entropy order)")  # fmt: skip
    p.add_argument("--split", type=_split, default=None, metavar="A,B,C",
                   help="budget shares of the first levels, the three before the last three, "
                   "and the last three (default 0.2,0.3,0.5, the paper's)")  # fmt: skip
    p.add_argument("--no-fit-split", action="store_true",
                   help="keep the split as given (unspent clicks only roll over to the next "
                   "level) instead of fitting it to what each level can take, counted by a "
                   "dry run without questions")  # fmt: skip
    p.add_argument("--passes", type=_passes, default=2, metavar="N",
                   help="the most passes over the hierarchy (default 2): when a pass leaves "
                   "clicks while some levels still had questions, the next starts again "
                   "from its answers (a top-up) and spends the rest; 1 = the paper's "
                   "single pass")  # fmt: skip
    p.add_argument("--refine-iou", type=_iou, default=None, metavar="IOU",
                   help="oracle: refine accepted boxes whose IoU with the truth is below this "
                   "(2 clicks; default: never, as the paper does on MOT17)")  # fmt: skip
    p.add_argument("--no-node-level", action="store_true",
                   help="skip GNN_node (every candidate goes to the edge levels; then ours "
                   "has no box probabilities to rank its review of whole tracks by, and skips "
                   "it)")  # fmt: skip
    p.add_argument("--smooth", type=nonnegative_float, default=None, metavar="SECONDS",
                   help="standard deviation of the Gaussian that smooths each track's boxes "
                   "over time, 0 = off (default: SpamConfig.smooth_seconds); refined boxes "
                   "are kept as drawn")  # fmt: skip
    p.add_argument("--stitch", type=nonnegative_float, default=None, metavar="SECONDS",
                   help="join tracks across gaps up to this long where their motion carries "
                   "one onto the other, 0 = off (default: SpamConfig.stitch_seconds); never "
                   "across a pair the annotator said is not consecutive")  # fmt: skip
    p.add_argument("--cut-iou", type=unit_float, default=None, metavar="IOU",
                   help="before stitching, cut a link where straight lines through the boxes on "
                   "either side meet the boxes across the link with a mean IoU below this, 0 = off "
                   "(default: SpamConfig.cut_iou); never a link the annotator set, nor one "
                   "inside or between tracklets whose identity they checked (unless they said "
                   "the two are not consecutive)")  # fmt: skip
    p.add_argument("--swap-margin", type=swap_margin, default=None, metavar="GAIN",
                   help="first, exchange the tails of two tracks where straight lines through "
                   "their boxes continue each other's tracks better than their own by more than "
                   "this (0-2), 0 = off (default: SpamConfig.swap_margin); never breaking a link "
                   "the annotator set, nor one inside or between tracklets whose identity they "
                   "checked (unless they said the two are not consecutive)")  # fmt: skip
    p.add_argument("--answers", type=Path, metavar="JSON",
                   help="answers.json of an earlier run on the same candidates: each answer "
                   "replayed from the level where it was given, never asked again; this run's "
                   "budget comes on top")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="start afresh in an OUT_DIR that holds an earlier run's answers.json "
                   "(its answers are replaced; without it, or --answers on that file, such an "
                   "OUT_DIR is refused)")  # fmt: skip
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of random strategies")
    p.add_argument("--selftrain", action="store_true",
                   help="first fine-tune the weights on their own pseudo-labels of these "
                   "sequences (spam selftrain: no labels, no questions), written to "
                   "OUT_DIR/selftrained.pt and reused by later runs of the same request; then "
                   "label with them")  # fmt: skip
    add_selftrain_options(p, prefix="selftrain-")
    p.add_argument("--device", type=torch_device, default="cpu", metavar="DEV",
                   help="torch device of the network while labelling, e.g. cuda (default cpu; "
                   "--selftrain trains on the CPU)")  # fmt: skip
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _say(caught: list[warnings.WarningMessage]) -> None:
    """Print each collected warning once, one line each, as the errors (the check before
    training and the run say some alike)."""
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"spam label: warning: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run the labelling job; print the report; returns the exit code."""
    from spamlabels.active import DEFAULT_SPLIT
    from spamlabels.cli.selftrain_cmd import selftrain_config
    from spamlabels.core import DataFormatError
    from spamlabels.engine import LabelJob, check_label_job, run_label_job, self_train
    from spamlabels.io import MOTSequence
    from spamlabels.train import TrainingDiverged

    t0 = time.perf_counter()
    job = LabelJob(
        budget=args.budget, annotator=args.annotator, half=args.half, min_conf=args.min_conf,
        score_map=args.score_map,
        weights=args.weights, strategy=args.strategy, split=args.split or DEFAULT_SPLIT,
        fit_split=not args.no_fit_split, passes=args.passes, refine_iou=args.refine_iou,
        seed=args.seed,
        node_level=not args.no_node_level, smooth_seconds=args.smooth, stitch_seconds=args.stitch,
        cut_iou=args.cut_iou, swap_margin=args.swap_margin, answers=args.answers,
        device=args.device, force=args.force,
    )  # fmt: skip
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            if args.selftrain:  # everything that needs no model is checked before training
                config = selftrain_config(
                    args, prefix="selftrain-", min_conf=args.min_conf, score_map=args.score_map
                )
                check_label_job(args.seqs, args.out, job)
                student = args.out / "selftrained.pt"
                if args.weights is not None and args.weights.resolve() == student.resolve():
                    raise ValueError(f"--weights {args.weights} is the file --selftrain writes: "
                                     "it would be fine-tuned again on every run; give the "
                                     "weights it was trained from, or label without "
                                     "--selftrain")  # fmt: skip
                seqs = [MOTSequence.open(p) for p in args.seqs]
                try:
                    st = self_train(seqs, student, half=args.half,
                                    init=args.weights, config=config,
                                    progress=not args.no_progress, reuse=True)  # fmt: skip
                except KeyboardInterrupt:
                    _say(caught)
                    lead = "\n" if sys.stderr.isatty() else ""  # past a progress bar
                    print(f"{lead}spam label: interrupted while self-training; the same "
                          "command continues from its last checkpoint, if one was written",
                          file=sys.stderr)  # fmt: skip
                    return 130
                job = replace(job, weights=st.weights)
                verb = "reused" if st.reused else "written"
                print(f"self-trained weights {verb}: {st.weights}", file=sys.stderr)
            summary = run_label_job(args.seqs, args.out, job, progress=not args.no_progress)
    except TrainingDiverged as err:  # self-training: no weights, no labels written
        _say(caught)
        print(f"spam label: error: --selftrain: {err}; nothing was labelled", file=sys.stderr)
        return 1
    except ValueError as err:
        _say(caught)
        if isinstance(err, DataFormatError):
            raise
        print(f"spam label: error: {err}", file=sys.stderr)
        return 2
    _say(caught)
    print(summary.report, end="")
    print(f"written to {args.out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0
