"""Parity of ``spamlabels.eval`` with TrackEval's own MOTChallenge evaluation.

Evaluates the LifT tracker outputs in ../shared/data/MOT17/trackers/LifT (7 sequences x 3 public
detectors, full sequences) both ways and reports the largest absolute difference over every
HOTA / CLEAR / Identity field, the combined numbers and the time each path takes.

    python benchmarks/trackeval_parity.py --out runs/trackeval_parity.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from spamlabels.eval import evaluate
from spamlabels.eval.reference import max_abs_difference, run_trackeval
from spamlabels.io import MOTSequence, atomic_write, read_tracks, write_seqmap

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def main() -> None:
    """Run the parity check for each public detector and print one row per detector."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    for det in ("DPM", "FRCNN", "SDP"):
        names = [f"MOT17-{s}-{det}" for s in SEQS]
        with tempfile.TemporaryDirectory() as tmp_str:
            tmp = Path(tmp_str)
            (tmp / "gt").mkdir()
            (tmp / "trk" / "LifT" / "data").mkdir(parents=True)
            inputs = {}
            for name in names:
                # the gt is the same for every detector; MOT17-XX-SDP folders exist only for 09
                src_seq = args.data / "train" / f"MOT17-{name[6:8]}-FRCNN"
                os.symlink(src_seq.resolve(), tmp / "gt" / name)
                trk = args.data / "trackers" / "LifT" / f"{name}.txt"
                shutil.copy(trk, tmp / "trk" / "LifT" / "data" / f"{name}.txt")
                seq = MOTSequence.open(src_seq)
                n = seq.info.seq_length
                inputs[name] = (seq.gt(), read_tracks(trk, n), n)
            write_seqmap(tmp / "seqmap.txt", names)
            t0 = time.perf_counter()
            ours = evaluate(inputs)
            t1 = time.perf_counter()
            ref = run_trackeval(tmp / "gt", tmp / "trk", "LifT", names, tmp / "seqmap.txt")
            t2 = time.perf_counter()
        worst, where = max_abs_difference(ours.raw, ref)
        c = ours.combined
        rows.append(
            {"detector": det, "max_abs_diff": worst, "where": where, "HOTA": c["HOTA"],
             "MOTA": c["MOTA"], "IDF1": c["IDF1"], "ours_s": t1 - t0, "trackeval_s": t2 - t1}
        )  # fmt: skip
        r = rows[-1]
        print(
            f"LifT {det:5s} HOTA {r['HOTA']:.3f} MOTA {r['MOTA']:.3f} IDF1 {r['IDF1']:.3f} "
            f"max|diff| {worst:.2e} ({where}) ours {r['ours_s']:.1f}s trackeval "
            f"{r['trackeval_s']:.1f}s"
        )
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
