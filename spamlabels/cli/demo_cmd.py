"""``spam demo``: the whole loop on a built-in synthetic scene, no data download.

Generates a synthetic sequence (ground truth + simulated over-complete detections), tracks it
with ByteTrack and with the SPAM graph hierarchy (shipped synthetic-only weights), labels it
with the hierarchy and 3.3 % of the manual clicks answered by the simulated oracle annotator
(``spam label``; the last two are skipped when torch is not installed), scores everything with
TrackEval next to the "oracle from candidates" ceiling, prints the table and saves a preview
image of one frame with the labels drawn.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``spam demo``."""
    p = sub.add_parser(
        "demo",
        help="run the pipeline on a built-in synthetic scene (no data needed)",
        description=__doc__,
    )
    p.add_argument("--out", type=Path, default=Path("demo_out"), help="output folder")
    p.add_argument("--frames", type=int, default=300, help="sequence length (default 300)")
    p.add_argument("--people", type=int, default=30, help="mean crowd size (default 30)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--preview-frame", type=int, default=None,
                   help="frame drawn into preview.png (default: the middle one)")  # fmt: skip
    p.set_defaults(run=run)


def _preview(scene: Any, tracks: Any, frame: int, path: Path) -> None:
    import cv2
    import numpy as np

    from spamlabels.io import atomic_write
    from spamlabels.synth import render_frame

    scale = 0.5
    img = render_frame(scene, frame, scale=scale)
    rows = tracks.at_frame(frame)
    for (x, y, w, h), tid in zip(rows.xywh * scale, rows.id, strict=True):
        rng = np.random.default_rng(int(tid))
        color = tuple(int(c) for c in rng.integers(60, 256, 3))
        p1, p2 = (int(x), int(y)), (int(x + w), int(y + h))
        cv2.rectangle(img, p1, p2, color, 2)
        cv2.putText(img, str(tid), (p1[0], max(p1[1] - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    color, 1, cv2.LINE_AA)  # fmt: skip
    ok, buf = cv2.imencode(".png", img)
    if not ok:
        raise RuntimeError("could not encode the preview image")
    with atomic_write(path, "wb") as fh:
        fh.write(buf.tobytes())


def run(args: argparse.Namespace) -> int:
    """Generate, track, evaluate, print; returns the exit code."""
    from tabulate import tabulate

    from spamlabels.cli.eval_cmd import TABLE_FIELDS
    from spamlabels.eval import evaluate, oracle_from_candidates
    from spamlabels.io import MOTSequence, atomic_write, write_mot
    from spamlabels.synth import SceneConfig, simulate_scene, write_scene
    from spamlabels.track import create_tracker, interpolate_tracks, smooth_tracks
    from spamlabels.track.spam import SpamConfig

    problem = None
    if args.frames < 3 or args.people < 1:
        problem = "need --frames >= 3 and --people >= 1"
    elif args.seed < 0:
        problem = f"--seed must be >= 0, got {args.seed}"
    elif args.preview_frame is not None and not 1 <= args.preview_frame <= args.frames:
        problem = (
            f"--preview-frame must be in 1..{args.frames} (--frames), got {args.preview_frame}"
        )
    elif args.out.exists() and not args.out.is_dir():
        problem = f"--out {args.out}: exists and is not a folder"
    if problem:  # before any of the five stages
        print(f"spam demo: error: {problem}", file=sys.stderr)
        return 2
    name = "DEMO-0000"
    config = SceneConfig(n_frames=args.frames, n_people=args.people)
    seq_dir = args.out / name
    # re-running the demo replaces only a sequence the demo itself generated
    overwrite = (seq_dir / "synth.json").is_file()
    print(f"[1/5] generating {name}: {args.frames} frames, ~{args.people} people -> {seq_dir}")
    scene = simulate_scene(config, args.seed, name)
    write_scene(scene, args.out, overwrite=overwrite)
    seq = MOTSequence.open(seq_dir)
    dets, gt, n = seq.det(), seq.gt(), seq.info.seq_length
    print(f"      {len(gt)} ground-truth boxes of {len(gt.track_ids())} people, "
          f"{len(dets)} candidate detections (conf {dets.score.min():.2f}..1)")  # fmt: skip

    print("[2/5] tracking with ByteTrack (official parameters, detections with conf >= 0.1), "
          "then the same post-processing as SPAM's: tails of swapped tracks exchanged, links "
          "motion contradicts cut, tracks stitched across short gaps, gaps interpolated, boxes "
          "smoothed")  # fmt: skip
    tracker = create_tracker("bytetrack")
    strong = dets[dets.score >= 0.1]
    fps = seq.info.frame_rate
    tracks = tracker.track(strong, seq_length=n, frame_rate=fps, progress=True)
    cfg = SpamConfig()
    tracks = cfg.relink(tracks, fps)
    tracks = smooth_tracks(interpolate_tracks(tracks), cfg.smooth_seconds * fps)
    tracks_path = write_mot(args.out / "tracks" / f"{name}.txt", tracks, "tracks")
    inputs = {"ByteTrack": (gt, tracks, n)}

    try:
        import spamlabels.nn  # noqa: F401  (the one place that imports torch)
    except ImportError as err:
        print(f"[3/5] SPAM hierarchy and labelling skipped: {err}")
    else:
        print("[3/5] tracking with the SPAM hierarchy (GNN_node + GNN_edge levels, shipped "
              "synthetic-only weights, all candidates)")  # fmt: skip
        spam = create_tracker("spam", image_size=(seq.info.im_width, seq.info.im_height))
        tracks = spam.track(dets, seq_length=n, frame_rate=seq.info.frame_rate, progress=True)
        tracks_path = write_mot(args.out / "tracks" / f"{name}-spam.txt", tracks, "tracks")
        inputs["SPAM (synthetic-only)"] = (gt, tracks, n)
        from spamlabels.engine import LabelJob, run_label_job

        print("[4/5] labelling: the hierarchy asks the simulated annotator its most uncertain "
              "questions, 3.3 % of the manual clicks (spam label)")  # fmt: skip
        # the demo's own labels of its own scene: a rerun replaces them
        summary = run_label_job([seq_dir], args.out / "labels", LabelJob(budget="3.3%", force=True))
        tracks = summary.result.tracks[name]
        tracks_path = args.out / "labels" / f"{name}.txt"
        effort = 100 * summary.effort["fraction"]
        inputs[f"SPAM labels, {effort:.1f} % clicks"] = (gt, tracks, n)

    print("[5/5] evaluating against the synthetic ground truth (TrackEval)")
    inputs["oracle from candidates"] = (gt, oracle_from_candidates(gt, strong), n)
    result = evaluate(inputs)
    rows = [
        [label] + [row[f] if f != "IDSW" else int(row[f]) for f in TABLE_FIELDS]
        for label, row in result.table.items()
        if label != "COMBINED"
    ]
    print(tabulate(rows, headers=[name, *TABLE_FIELDS], floatfmt=".1f"))
    with atomic_write(args.out / "demo_eval.json") as fh:
        json.dump({k: v for k, v in result.table.items() if k != "COMBINED"}, fh, indent=1)
    frame = args.preview_frame or (n + 1) // 2
    preview = args.out / "preview.png"
    _preview(scene, tracks, frame, preview)
    print(f"labels / tracks: {tracks_path}\nscores: {args.out / 'demo_eval.json'}\n"
          f"preview of frame {frame} with track ids: {preview}")  # fmt: skip
    return 0
