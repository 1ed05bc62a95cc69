"""``spam train``: train the GNN hierarchy on generated scenes or on folders with ground truth."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spamlabels.graph import HierarchyConfig


def add_parser(sub: Any) -> None:
    """Register ``spam train``."""
    p = sub.add_parser(
        "train",
        help="train the GNN hierarchy (synthetic scenes, or MOTChallenge folders with gt)",
        description=(
            "Train GNN_node and the GNN_edge levels. SOURCE is the word 'synth' (scenes "
            "generated in memory by spamlabels.synth: no human labels) or sequence folders "
            "with gt/gt.txt and det/det.txt. Writes the checkpoint OUT (atomically, every "
            "--checkpoint-every steps) and OUT.log.jsonl with the training curves."
        ),
    )
    p.add_argument("source", nargs="+", metavar="SOURCE", help="'synth' or sequence folders")
    p.add_argument("--out", required=True, type=Path,
                   help="checkpoint file to write (missing folders are created; an existing "
                   "one is refused without --resume or --force)")  # fmt: skip
    p.add_argument(
        "--half",
        choices=("all", "train", "val"),
        default="all",
        help="use one half of each folder sequence (default all)",
    )
    p.add_argument("--sequences", type=int, default=24, help="synth: number of scenes")
    p.add_argument("--frames", type=int, default=300, help="synth: frames per scene")
    p.add_argument(
        "--detector",
        default="yolox",
        help="synth: simulated detector preset (spamlabels.synth.DETECTOR_PRESETS: yolox, "
        "yolox-weak, frcnn)",
    )
    p.add_argument(
        "--slow-share",
        type=float,
        default=0.0,
        help="synth: share of scenes with a loitering crowd (slow walkers, standing people; "
        "spamlabels.synth.SLOW_CROWD), in [0, 1] (default 0)",
    )
    p.add_argument("--iterations", type=int, default=1500, help="training steps (default 1500)")
    p.add_argument("--batch-size", type=int, default=4, help="clips per step (default 4)")
    p.add_argument("--clip-length", type=int, default=64,
                   help="frames per training clip, >= 2 (default 64)")  # fmt: skip
    p.add_argument(
        "--long-clip-every",
        type=int,
        default=0,
        help="every N-th step uses 512-frame clips, training the deepest levels (0 = never)",
    )
    p.add_argument(
        "--level-unlock",
        type=int,
        default=100,
        help="steps before each further hierarchy level is trained",
    )
    p.add_argument(
        "--appearance",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="synth: simulate re-ID embeddings for the detections (spamlabels.synth.reid)",
    )
    p.add_argument(
        "--appearance-dropout",
        type=float,
        default=0.5,
        help="probability that a training clip is seen without its embeddings (one model then "
        "serves sequences with and without re-ID features)",
    )
    p.add_argument(
        "--context-motion",
        action="store_true",
        help="give single detections a velocity from their neighbours in the adjacent frames "
        "(HierarchyConfig.context_motion; the tracker then uses it with these weights)",
    )
    p.add_argument(
        "--node-threshold",
        type=float,
        default=None,
        help="GNN_node probability below which a training clip's detections leave the graph "
        "before the edge levels are built (HierarchyConfig.node_threshold, default 0.5; lower = "
        "the edge levels see more false positives in training)",
    )
    p.add_argument(
        "--tracker-hierarchy",
        choices=("edges", "all"),
        default=None,
        help="build the training hierarchy with the tracker's inference settings instead of "
        "SUSHI's (top-k 10, edge threshold 0.5): 'edges' = SpamConfig's top_k and "
        "edge_threshold, 'all' = these and its GNN_node threshold and node_keep_conf "
        "(replaces --node-threshold)",
    )
    p.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from these weights instead of a random initialisation (fine-tuning)",
    )
    p.add_argument(
        "--cut-links",
        type=float,
        default=0.0,
        help="fragment augmentation: cut this share of the links each level takes before the "
        "next level is built (TrainConfig.cut_links; 0 = off)",
    )
    p.add_argument("--min-conf", type=float, default=0.01, help="drop weaker detections")
    p.add_argument("--lr", type=float, default=3e-4, help="Adam learning rate (default 3e-4)")
    p.add_argument("--seed", type=int, default=0, help="seed of data and sampling (default 0)")
    p.add_argument("--checkpoint-every", type=int, default=100,
                   help="write OUT every N steps and at the end (default 100)")  # fmt: skip
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from OUT if it exists (same data and settings; from a checkpoint of a "
        "run cut short, exactly where it stopped: optimiser and random state included)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="start afresh over an existing OUT and OUT.log.jsonl (without it, or --resume, "
        "an existing OUT is refused)",
    )
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True, cwd=Path(__file__).parent)  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def hierarchy_config(args: argparse.Namespace) -> HierarchyConfig:
    """The training hierarchy the options ask for; raises ``ValueError`` for
    ``--tracker-hierarchy all`` together with ``--node-threshold``."""
    from spamlabels.graph import HierarchyConfig
    from spamlabels.track.spam import SpamConfig

    kw: dict[str, Any] = {"context_motion": args.context_motion}
    if args.node_threshold is not None:
        kw["node_threshold"] = args.node_threshold
    if args.tracker_hierarchy is not None:
        tracker = SpamConfig()
        kw.update(top_k=tracker.top_k, edge_threshold=tracker.edge_threshold)
        if args.tracker_hierarchy == "all":
            if args.node_threshold is not None:
                raise ValueError("--tracker-hierarchy all sets the GNN_node threshold itself: "
                                 "leave out --node-threshold")  # fmt: skip
            kw.update(node_threshold=tracker.node_threshold, node_keep_conf=tracker.node_keep_conf)
    return HierarchyConfig(**kw)


def _checked(args: argparse.Namespace) -> tuple[HierarchyConfig, Any]:
    """The hierarchy and :class:`~spamlabels.train.TrainConfig` of the options, after every
    check that needs no data: ``ValueError`` (said as the option the user typed) for a bad
    value; :class:`DataFormatError` for an unusable ``--out`` (a folder, an input, unwritable,
    or existing without ``--resume`` / ``--force``)."""
    from spamlabels.core import DataFormatError
    from spamlabels.io import check_output_file, discover_sequences
    from spamlabels.train import TrainConfig
    from spamlabels.train.gnn import training_log

    hierarchy = hierarchy_config(args)
    try:
        config = TrainConfig(
            iterations=args.iterations, batch_size=args.batch_size,
            clip_length=args.clip_length, level_unlock=args.level_unlock,
            min_conf=args.min_conf, lr=args.lr, seed=args.seed,
            checkpoint_every=args.checkpoint_every, long_clip_every=args.long_clip_every,
            appearance_dropout=args.appearance_dropout, cut_links=args.cut_links,
        )  # fmt: skip
    except ValueError as err:
        name = str(err).split(" ", 1)[0]
        raise ValueError(f"--{name.replace('_', '-')} {str(err).split(' ', 1)[1]}") from None
    synth = args.source == ["synth"]
    if synth and args.sequences < 1:
        raise ValueError(f"--sequences must be >= 1, got {args.sequences}")
    if synth:
        from spamlabels.synth import DetectorConfig

        try:
            DetectorConfig.preset(args.detector)
        except ValueError as err:
            raise ValueError(f"--detector: {err}") from None
        if not 0.0 <= args.slow_share <= 1.0:
            raise ValueError(f"--slow-share must be in [0, 1], got {args.slow_share}")
    if args.init is not None and not args.init.is_file():
        raise ValueError(f"--init {args.init}: not a file")
    seqs = [] if synth else discover_sequences(args.source)  # folders of sequences too
    reads = [args.init, *(p for q in seqs for p in q.input_files)]
    check_output_file(args.out, reads)
    log_path = training_log(args.out)
    if not args.resume and (args.out.exists() or log_path.exists()) and not args.force:
        held = args.out if args.out.exists() else log_path
        raise DataFormatError(held, "exists (--resume continues it, --force starts afresh)")
    return hierarchy, config


def _changed_settings(saved: dict[str, Any], source: dict[str, Any], config: Any,
                      hierarchy: HierarchyConfig) -> list[str]:  # fmt: skip
    """Which settings of a checkpoint's ``saved`` meta differ from this run's (the number of
    iterations may grow; a checkpoint that recorded none of them is taken as it is)."""
    from dataclasses import asdict

    def flat(parts: dict[str, Any]) -> dict[str, Any]:
        return {f"{part}.{k}": v for part, d in parts.items() for k, v in (d or {}).items()}

    free = ("train.iterations", "train.checkpoint_every", "train.log_every")  # no effect on weights
    now = flat({"source": source, "train": asdict(config), "hierarchy": asdict(hierarchy)})
    before = flat({"source": saved.get("source"), "train": saved.get("train_config"),
                   "hierarchy": saved.get("hierarchy")})  # fmt: skip
    for meta in (now, before):  # one folder however it was written
        if isinstance(meta.get("source.paths"), list):
            meta["source.paths"] = [str(Path(p).resolve()) for p in meta["source.paths"]]
    return sorted(k for k in now if k in before and k not in free
                  and _plain(before[k]) != _plain(now[k]))  # fmt: skip


def _plain(value: Any) -> Any:
    """A setting as JSON keeps it (tuples are lists)."""
    return json.loads(json.dumps(value))


def run(args: argparse.Namespace) -> int:
    """Build the data, train, save; returns the exit code."""
    import torch

    from spamlabels.nn import HierarchicalGNN, load_checkpoint, read_checkpoint_meta
    from spamlabels.train import (
        Trainer,
        TrainingDiverged,
        mot_sequences,
        synthetic_sequences,
    )
    from spamlabels.train.gnn import training_log

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    try:  # every option and the output are checked before the data is built
        hierarchy, config = _checked(args)
    except ValueError as err:
        print(f"spam train: error: {err}", file=sys.stderr)
        return 2
    synth = args.source == ["synth"]
    log_path = training_log(args.out)
    if synth:
        source: dict[str, Any] = {"kind": "synth", "sequences": args.sequences,
                                  "frames": args.frames, "seed": args.seed,
                                  "appearance": args.appearance,
                                  "detector": args.detector,
                                  "slow_share": args.slow_share}  # fmt: skip
    else:
        source = {"kind": "folders", "paths": [str(p) for p in args.source], "half": args.half}
    if args.init is not None:
        source["init"] = str(args.init)
    resume = args.resume and args.out.is_file()
    if resume:  # before the data is built
        saved = read_checkpoint_meta(args.out)
        changed = _changed_settings(saved, source, config, hierarchy)
        if changed:
            print(f"spam train: error: --resume: {args.out} was trained with other settings "
                  f"({', '.join(changed)}); give the same, or --force to start afresh",
                  file=sys.stderr)  # fmt: skip
            return 2
        if int(saved.get("step", 0)) >= config.iterations:
            print(f"{args.out} is at step {saved.get('step', 0)} of {config.iterations}: "
                  "nothing to do", file=sys.stderr)  # fmt: skip
            return 0
    if synth:
        from spamlabels.synth import DetectorConfig

        detector = DetectorConfig.preset(args.detector)  # checked in _checked
        data = synthetic_sequences(args.sequences, args.frames, args.seed, args.min_conf,
                                   appearance=args.appearance, detector=detector,
                                   slow_share=args.slow_share)  # fmt: skip
    else:
        data = mot_sequences(args.source, args.half, args.min_conf)
    n_dets = sum(len(s.dets) for s in data)
    print(f"training data: {len(data)} sequences, {n_dets} detections", file=sys.stderr)
    if not n_dets:
        print(f"spam train: error: no candidate detections (confidence >= {args.min_conf:g}) "
              "to train on", file=sys.stderr)  # fmt: skip
        return 2
    torch.manual_seed(args.seed)  # the initial weights too: --seed makes a run reproducible
    model = load_checkpoint(args.init) if args.init is not None else HierarchicalGNN()
    trainer = Trainer(model, data, config, hierarchy)
    if resume:
        exact = trainer.resume(args.out)  # exactly where a run cut short stopped
        model = trainer.model
        print(f"resuming from step {trainer.step}" + ("" if exact else
              " (finished weights: with a fresh optimiser, the clips drawn again from the "
              "seed; not what one longer run would give)"), file=sys.stderr)  # fmt: skip
    meta = {"source": source, "commit": _git_commit(), "parameters": model.num_parameters()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not resume:  # a fresh run: its own log
        log_path.unlink(missing_ok=True)
    try:
        history = trainer.fit(args.out, meta=meta, progress=not args.no_progress)
    except TrainingDiverged as err:
        print(f"spam train: error: {err} (try a lower --lr); {args.out} holds the last "
              "checkpoint written before, if any", file=sys.stderr)  # fmt: skip
        return 1
    print(json.dumps(history[-1] if history else {}, indent=1))
    print(f"weights written to {args.out}", file=sys.stderr)
    return 0
