"""Our ByteTrack against ``supervision.ByteTrack`` 0.30.9 on the MOT17 YOLOX validation halves.

Protocol (../shared/data/README.md, "Reference numbers"): the seven ``MOT17-XX-YOLOX`` train
sequences, validation half (frames N//2+2..N renumbered from 1), detections with conf >= 0.1,
TrackEval HOTA / MOTA / IDF1 through :func:`spamlabels.eval.evaluate`.

The README's supervision numbers (combined HOTA 66.3, MOTA 75.3, IDF1 76.6) are
``sv.ByteTrack()`` with its *defaults* and ``frame_rate`` from seqinfo.ini (with
``frame_rate=30`` MOT17-05 gives 62.7 instead of 62.9). Parameter mapping supervision -> ours:

==============================  ==========================  ===========================
supervision 0.30.9              value (default)             ours (ByteTrackConfig)
==============================  ==========================  ===========================
track_activation_threshold      0.25                        track_thresh = 0.25
(det_thresh, derived)           0.25 + 0.1                  new_track_thresh = None -> 0.35
(low threshold, hard-coded)     0.1                         low_thresh = 0.1
minimum_matching_threshold      0.8                         match_thresh = 0.8
(2nd / unconfirmed limits)      0.5 / 0.7 (hard-coded)      low_match / unconfirmed_match
lost_track_buffer               30                          track_buffer = 30
frame_rate                      seqinfo frameRate           track(frame_rate=...)
minimum_consecutive_frames      1 (= official activation)   (official activation rules)
(duplicate removal)             IoU > 0.95                  duplicate_iou = 0.95
(high split)                    score >= thresh             track_thresh_inclusive = True
(IoU convention)                continuous                  iou_plus_one = False
(output boxes)                  matched detections          output_box = "detection"
(output filter)                 none                        min_box_area 0, no aspect cap
(removed-track memory)          last frame only             drop_refound_expired = False
==============================  ==========================  ===========================

That is ``ByteTrackConfig.preset("supervision")``. We also run supervision's parameters with
the official conventions, the official parameters (``ByteTrackConfig()``: 0.6 / 0.9 / 30,
Kalman boxes, area > 100 and w/h <= 1.6 output filter, +1-pixel IoU) and, for reference,
supervision with the official thresholds (0.6 / 0.9).

    OMP_NUM_THREADS=1 python benchmarks/bytetrack_mot17.py --out runs/bytetrack_mot17.json

Timing: tracking only (supervision: building ``sv.Detections`` per frame + its update loop;
ours: ``ByteTrack.track``), median of ``--repeats`` runs, process pinned to one CPU core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from spamlabels.core import Detections, Tracks
from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence, atomic_write
from spamlabels.track import ByteTrack, ByteTrackConfig

SEQS = ("02", "04", "05", "09", "10", "11", "13")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "MOT17"
FIELDS = ("HOTA", "MOTA", "IDF1", "IDSW")
# README "Reference numbers", column "ByteTrack, supervision 0.30.9 (HOTA)"
README_SV_HOTA = {"MOT17-02-YOLOX": 43.4, "MOT17-04-YOLOX": 78.5, "MOT17-05-YOLOX": 62.9,
                  "MOT17-09-YOLOX": 66.6, "MOT17-10-YOLOX": 53.6, "MOT17-11-YOLOX": 65.7,
                  "MOT17-13-YOLOX": 58.6, "COMBINED": 66.3}  # fmt: skip

Runner = Callable[[Detections, int, float], Tracks]


def run_supervision(**params: Any) -> Runner:
    """A runner for ``sv.ByteTrack(**params, frame_rate=seqinfo)`` (detection boxes out)."""
    import supervision as sv

    def run(dets: Detections, n: int, frame_rate: float) -> Tracks:
        with warnings.catch_warnings():  # sv.ByteTrack is deprecated in favour of `trackers`
            warnings.simplefilter("ignore")
            tracker = sv.ByteTrack(frame_rate=frame_rate, **params)
        order = np.argsort(dets.frame, kind="stable")
        bounds = np.searchsorted(dets.frame[order], np.arange(1, n + 2))
        xyxy, score = dets.xyxy[order], dets.score[order]
        frames, ids, boxes, confs = [], [], [], []
        for f in range(1, n + 1):
            a, b = bounds[f - 1], bounds[f]
            out = tracker.update_with_detections(
                sv.Detections(xyxy=xyxy[a:b], confidence=score[a:b],
                              class_id=np.zeros(b - a, dtype=int))
            )  # fmt: skip
            frames.append(np.full(len(out), f))
            ids.append(out.tracker_id)
            boxes.append(out.xyxy)
            confs.append(out.confidence)
        box = np.concatenate(boxes).reshape(-1, 4).astype(np.float64)
        box[:, 2:] -= box[:, :2]
        return Tracks(frame=np.concatenate(frames), id=np.concatenate(ids).astype(np.int64),
                      xywh=box, score=np.concatenate(confs)).sorted()  # fmt: skip

    return run


def run_ours(config: ByteTrackConfig) -> Runner:
    """A runner for our :class:`ByteTrack` with ``config``."""

    def run(dets: Detections, n: int, frame_rate: float) -> Tracks:
        return ByteTrack(config).track(dets, seq_length=n, frame_rate=frame_rate)

    return run


def trackers() -> dict[str, tuple[Runner, dict[str, Any]]]:
    """name -> (runner, parameters as reported)."""
    sv_defaults = {
        "track_activation_threshold": 0.25,
        "lost_track_buffer": 30,
        "minimum_matching_threshold": 0.8,
        "minimum_consecutive_frames": 1,
    }
    sv_official = {**sv_defaults, "track_activation_threshold": 0.6,
                   "minimum_matching_threshold": 0.9}  # fmt: skip
    cfgs = {
        "ours (supervision preset)": ByteTrackConfig.preset("supervision"),
        "ours (sv params, official conventions)": ByteTrackConfig(
            track_thresh=0.25, match_thresh=0.8
        ),
        "ours (official)": ByteTrackConfig(),
    }
    out: dict[str, tuple[Runner, dict[str, Any]]] = {
        "supervision (defaults)": (run_supervision(**sv_defaults), sv_defaults),
    }
    for name, cfg in cfgs.items():
        out[name] = (run_ours(cfg), {**vars(cfg), "det_thresh": cfg.det_thresh})
    out["supervision (official thresholds)"] = (run_supervision(**sv_official), sv_official)
    return out


def _pin_one_core() -> int | None:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return core
    return None


def main() -> None:
    """Run every tracker on every sequence, evaluate, print tables and write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MOT17 folder")
    ap.add_argument("--seqs", nargs="+", default=list(SEQS), help="sequence numbers")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per tracker+sequence")
    ap.add_argument("--min-conf", type=float, default=0.1)
    ap.add_argument("--out", type=Path, default=None, help="write all numbers as JSON")
    args = ap.parse_args()
    core = _pin_one_core()

    data = {}
    for s in args.seqs:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets = seq.det(half="val")
        dets = dets[dets.score >= args.min_conf]
        data[seq.name] = (seq.gt(half="val"), dets, seq.length("val"), seq.info.frame_rate)
    total_frames = sum(v[2] for v in data.values())

    results: dict[str, Any] = {}
    for name, (runner, params) in trackers().items():
        inputs, timing = {}, {}
        for seq_name, (gt, dets, n, rate) in data.items():
            seconds = []
            for _ in range(max(1, args.repeats)):
                t0 = time.perf_counter()
                pred = runner(dets, n, rate)
                seconds.append(time.perf_counter() - t0)
            med = statistics.median(seconds)
            timing[seq_name] = {"frames": n, "median_s": med, "fps": n / med}
            inputs[seq_name] = (gt, pred, n)
        table = evaluate(inputs).table
        total_s = sum(t["median_s"] for t in timing.values())
        results[name] = {
            "params": params,
            "table": {k: {f: v[f] for f in (*FIELDS, "DetA", "AssA")} for k, v in table.items()},
            "timing": timing,
            "total_fps": total_frames / total_s,
        }
        rows = [[k, *(v[f] for f in FIELDS), timing.get(k, {}).get("fps", total_frames / total_s)]
                for k, v in table.items()]  # fmt: skip
        print(f"\n{name}")
        print(tabulate(rows, headers=["sequence", *FIELDS, "FPS"], floatfmt=".1f"))

    ref, ours = results["supervision (defaults)"], results["ours (supervision preset)"]
    official = results["ours (official)"]
    names = [*data, "COMBINED"]
    cmp_rows, acceptance = [], {}
    for k in names:
        d = ours["table"][k]["HOTA"] - ref["table"][k]["HOTA"]
        limit = 1.0 if k == "COMBINED" else 2.0
        acceptance[k] = {"delta_hota": d, "limit": limit, "ok": abs(d) <= limit}
        cmp_rows.append([k, README_SV_HOTA.get(k), ref["table"][k]["HOTA"],
                         ours["table"][k]["HOTA"], d, "yes" if abs(d) <= limit else "NO",
                         official["table"][k]["HOTA"]])  # fmt: skip
    print("\nHOTA: supervision defaults vs ours (supervision preset); ours with official params")
    headers = ["sequence", "README sv", "sv", "ours", "delta", "within", "ours official"]
    print(
        tabulate(cmp_rows, headers=headers, floatfmt=("", ".1f", ".1f", ".1f", "+.2f", "", ".1f"))
    )
    fps04 = {n: r["timing"].get("MOT17-04-YOLOX", {}).get("fps") for n, r in results.items()}
    print("\nFPS on MOT17-04 (val half, one core): "
          + ", ".join(f"{n}: {v:.0f}" for n, v in fps04.items() if v))  # fmt: skip
    ok = all(a["ok"] for a in acceptance.values())
    print(
        f"acceptance (combined within 1, each sequence within 2 HOTA): {'PASS' if ok else 'FAIL'}"
    )

    if args.out:
        import scipy
        import supervision

        payload = {
            "protocol": {"sequences": list(data), "half": "val", "min_conf": args.min_conf,
                         "repeats": args.repeats, "pinned_core": core},
            "readme_supervision_hota": README_SV_HOTA,
            "trackers": results,
            "acceptance": {"ok": ok, "per_sequence": acceptance},
            "fps_mot17_04": fps04,
            "versions": {"python": platform.python_version(), "numpy": np.__version__,
                         "scipy": scipy.__version__, "supervision": supervision.__version__},
        }  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(args.out) as fh:
            json.dump(payload, fh, indent=1)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
