"""``spam synth``: generate a synthetic MOTChallenge-layout dataset (see :mod:`spamlabels.synth`).

Example::

    spam synth out/synth --sequences 4 --frames 300 --seed 0 --render
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    """Register the ``synth`` subcommand on an ``argparse`` subparsers object."""
    p = subparsers.add_parser(
        "synth",
        help="generate synthetic sequences (labels, detections, optional frames)",
        description=(
            "Generate N synthetic sequences SYNTH-0000, ... in MOTChallenge layout under "
            "OUT_DIR: seqinfo.ini, gt/gt.txt, det/det.txt (simulated detector), synth.json "
            "and, with --render, img1/*.jpg. The same seed always gives the same dataset."
        ),
    )
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="output folder")
    p.add_argument("--sequences", type=int, default=1, help="number of sequences (default 1)")
    p.add_argument("--frames", type=int, default=300, help="frames per sequence (default 300)")
    p.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    p.add_argument(
        "--render",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also render the frames (default: no)",
    )
    p.add_argument(
        "--render-scale",
        type=float,
        default=1.0,
        help="render at this fraction of the image size, then resize (default 1)",
    )
    p.add_argument("--width", type=int, default=1920, help="image width in pixels")
    p.add_argument("--height", type=int, default=1080, help="image height in pixels")
    p.add_argument(
        "--people",
        type=int,
        nargs=2,
        default=(5, 80),
        metavar=("MIN", "MAX"),
        help="range of the crowd size per sequence (default 5 80)",
    )
    p.add_argument(
        "--fps",
        type=float,
        nargs=2,
        default=(10, 30),
        metavar=("MIN", "MAX"),
        help="range of frame rates (default 10 30)",
    )
    p.add_argument(
        "--detector",
        default="yolox",
        help="simulated detector preset: yolox (default), yolox-weak or frcnn",
    )
    p.add_argument(
        "--slow-share",
        type=float,
        default=0.0,
        help="share of scenes with a loitering crowd (slow walkers, standing people), "
        "in [0, 1] (default 0)",
    )
    p.add_argument("--prefix", default="SYNTH", help="sequence-name prefix (default SYNTH)")
    p.add_argument(
        "--overwrite", action="store_true", help="replace sequences that already exist in OUT_DIR"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show a progress bar (default: yes)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the dataset described by ``args``; prints one summary line per sequence.

    Returns:
        0 on success, 2 for invalid arguments (reported on stderr).
    """
    from spamlabels.synth import DetectorConfig, generate_dataset
    from spamlabels.synth.scene import Scene

    if args.sequences < 0 or args.frames < 1:
        print("spam synth: error: --sequences must be >= 0 and --frames >= 1", file=sys.stderr)
        return 2
    problem = None
    if not args.prefix or args.prefix != Path(args.prefix).name or args.prefix in (".", ".."):
        problem = f"--prefix must be a plain name (no folder), got {args.prefix!r}"
    elif not all(math.isfinite(f) for f in args.fps):
        problem = f"--fps must be finite numbers, got {args.fps}"
    elif args.out_dir.exists() and not args.out_dir.is_dir():
        problem = f"{args.out_dir}: exists and is not a folder"
    if problem:
        print(f"spam synth: error: {problem}", file=sys.stderr)
        return 2
    if args.sequences == 0:
        print("spam synth: warning: --sequences 0: nothing to generate", file=sys.stderr)
    try:
        detector = DetectorConfig.preset(args.detector)
    except ValueError as err:
        print(f"spam synth: error: {err}", file=sys.stderr)
        return 2

    def summary(scene: Scene, path: Path) -> None:
        cfg = scene.config
        n_frames = max(scene.info.seq_length, 1)
        tqdm.write(
            f"{scene.info.name}: {scene.info.seq_length} frames @ {cfg.fps:g} fps, "
            f"{cfg.width}x{cfg.height}, camera {cfg.camera_motion}, "
            f"{len(scene.gt.track_ids())} people, {len(scene.gt) / n_frames:.1f} boxes/frame, "
            f"{len(scene.det) / n_frames:.1f} detections/frame -> {path}"
        )

    try:
        generate_dataset(
            args.out_dir,
            args.sequences,
            args.frames,
            args.seed,
            render=args.render,
            progress=args.progress,
            width=args.width,
            height=args.height,
            people=tuple(args.people),
            fps=tuple(args.fps),
            detector=detector,
            render_scale=args.render_scale,
            overwrite=args.overwrite,
            prefix=args.prefix,
            on_sequence=summary,
            slow_share=args.slow_share,
        )
    except (ValueError, FileExistsError) as err:
        message = str(err).replace("(pass overwrite=True)", "(use --overwrite)")
        for name in ("slow_share", "render_scale"):  # say it as the option the user typed
            message = message.replace(f"{name} must", f"--{name.replace('_', '-')} must")
        print(f"spam synth: error: {message}", file=sys.stderr)
        return 2
    return 0
