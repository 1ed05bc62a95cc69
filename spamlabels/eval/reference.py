"""Run TrackEval's own file-based MOTChallenge evaluation (the reference for parity checks).

This is the unmodified TrackEval pipeline: ``trackeval.Evaluator`` with the
``MotChallenge2DBox`` dataset reading MOTChallenge folders. :mod:`spamlabels.eval.metrics`
must reproduce its numbers; ``tests/test_eval_parity.py`` and
``benchmarks/trackeval_parity.py`` compare the two.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["max_abs_difference", "run_trackeval"]


def run_trackeval(
    gt_folder: str | Path,
    trackers_folder: str | Path,
    tracker: str,
    sequences: Sequence[str],
    seqmap_file: str | Path,
    benchmark: str = "MOT17",
) -> dict[str, dict[str, dict[str, Any]]]:
    """Evaluate ``{trackers_folder}/{tracker}/data/{seq}.txt`` against
    ``{gt_folder}/{seq}/gt/gt.txt`` (with ``seqinfo.ini``) using TrackEval itself.

    ``seqmap_file`` must list ``sequences`` (header ``name``).

    Returns:
        ``{seq or "COMBINED_SEQ": {"HOTA": {...}, "CLEAR": {...}, "Identity": {...}}}``.
    """
    with contextlib.redirect_stdout(io.StringIO()):
        import trackeval

        eval_config = trackeval.Evaluator.get_default_eval_config()
        eval_config.update(
            USE_PARALLEL=False, PRINT_RESULTS=False, PRINT_ONLY_COMBINED=True,
            PRINT_CONFIG=False, TIME_PROGRESS=False, DISPLAY_LESS_PROGRESS=True,
            OUTPUT_SUMMARY=False, OUTPUT_EMPTY_CLASSES=False, OUTPUT_DETAILED=False,
            PLOT_CURVES=False, BREAK_ON_ERROR=True, RETURN_ON_ERROR=False,
        )  # fmt: skip
        dataset_config = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
        dataset_config.update(
            GT_FOLDER=str(gt_folder), TRACKERS_FOLDER=str(trackers_folder),
            TRACKERS_TO_EVAL=[tracker], BENCHMARK=benchmark, SPLIT_TO_EVAL="train",
            SEQMAP_FILE=str(seqmap_file), SKIP_SPLIT_FOL=True, DO_PREPROC=True,
            GT_LOC_FORMAT="{gt_folder}/{seq}/gt/gt.txt", PRINT_CONFIG=False,
            TRACKER_SUB_FOLDER="data", OUTPUT_FOLDER=None,
        )  # fmt: skip
        evaluator = trackeval.Evaluator(eval_config)
        dataset = trackeval.datasets.MotChallenge2DBox(dataset_config)
        metrics = [
            trackeval.metrics.HOTA(),
            trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
            trackeval.metrics.Identity({"PRINT_CONFIG": False}),
        ]
        results, messages = evaluator.evaluate([dataset], metrics)
    res = results["MotChallenge2DBox"][tracker]
    missing = [s for s in sequences if s not in res]
    if missing:
        raise RuntimeError(f"TrackEval did not evaluate {missing}: {messages}")
    return {seq: r["pedestrian"] for seq, r in res.items()}


def max_abs_difference(
    ours: dict[str, dict[str, dict[str, Any]]],
    reference: dict[str, dict[str, dict[str, Any]]],
    metrics: Sequence[str] = ("HOTA", "CLEAR", "Identity"),
) -> tuple[float, str]:
    """Largest absolute difference over every field of every sequence of ``reference``.

    ``ours`` is :attr:`spamlabels.eval.EvalResult.raw` (``"COMBINED"`` is compared with
    TrackEval's ``"COMBINED_SEQ"``).

    Returns:
        ``(difference, "sequence/metric/field" where it occurs)``.
    """
    import numpy as np

    worst, where = 0.0, ""
    for seq, res in reference.items():
        mine = ours["COMBINED" if seq == "COMBINED_SEQ" else seq]
        for metric in metrics:
            for field, value in res[metric].items():
                a = np.asarray(value, dtype=float)
                b = np.asarray(mine[metric][field], dtype=float)
                diff = float(np.max(np.abs(a - b))) if a.size else 0.0
                if diff > worst or not where:
                    worst, where = max(worst, diff), f"{seq}/{metric}/{field}"
    return worst, where
