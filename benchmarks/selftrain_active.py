"""Effect of self-training on active labelling (issue 5): label HOTA at a few budgets with the
shipped synthetic-only weights and with self-trained ones (``spam selftrain`` outputs).

Each weights file labels the candidates (conf >= 0.1) of the seven MOT17 YOLOX sequence
halves with ``spam label``'s job (our hierarchical selection, the oracle annotator, one budget
pool), and the labels are scored against the ground truth; the table gives HOTA and, in
brackets, the effort actually spent.

    spam selftrain ../shared/data/MOT17/train/MOT17-{02,04,05,09,10,11,13}-YOLOX --half train \
        --out runs/st/cli_s0.pt --seed 0
    python benchmarks/selftrain_active.py --weights shipped runs/st/cli_s0.pt --budgets 0 3.3 10
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from spamlabels.engine import LabelJob, run_label_job

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def main() -> None:
    """Label at every budget with every weights file; print a markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", required=True,
                    help="checkpoints, or 'shipped' for the default weights")  # fmt: skip
    ap.add_argument("--budgets", nargs="+", default=["0", "3.3", "10"])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--out", type=Path, default=None, help="JSON with every run's effort")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    dirs = [args.data / "train" / f"MOT17-{s}-YOLOX" for s in SEQS]
    rows: dict[str, dict[str, dict]] = {}
    for w in args.weights:
        rows[w] = {}
        for b in args.budgets:
            job = LabelJob(budget=f"{b}%", half=args.half,
                           weights=None if w == "shipped" else Path(w))  # fmt: skip
            with tempfile.TemporaryDirectory() as tmp:
                s = run_label_job(dirs, tmp, job, progress=False)
            q = s.quality["COMBINED"]
            rows[w][b] = {"fraction": s.effort["fraction"], **q}
            print(f"{w} {b}%: HOTA {q['HOTA']:.2f} MOTA {q['MOTA']:.2f} IDF1 {q['IDF1']:.2f} "
                  f"({100 * s.effort['fraction']:.2f} % spent)", flush=True)  # fmt: skip
    print("\n| weights | " + " | ".join(f"{b} %" for b in args.budgets) + " |")
    print("|---" * (len(args.budgets) + 1) + "|")
    for w, r in rows.items():
        cells = [f"{r[b]['HOTA']:.2f} ({100 * r[b]['fraction']:.2f} %)" for b in args.budgets]
        print(f"| {w} | " + " | ".join(cells) + " |")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
