"""HOTA, CLEAR (MOTA) and Identity (IDF1) through the official TrackEval metric code.

Source: JonathonLuiten/TrackEval (PyPI ``trackeval==1.3.0``). The metric classes
(:class:`trackeval.metrics.HOTA`, ``CLEAR``, ``Identity``) are TrackEval's own; this module feeds
them from in-memory :class:`~spamlabels.core.Tracks` instead of files, re-implementing
``MotChallenge2DBox._load_raw_file`` + ``get_preprocessed_seq_data`` (MOTChallenge
preprocessing) line for line:

1. Per frame, IoU between every ground-truth box (all classes) and every predicted box.
2. Predictions matched (Hungarian, IoU >= 0.5) to ground truth of a distractor class
   (person on vehicle 2, static person 7, distractor 8, reflection 12; + non-motorised vehicle 6
   for MOT20) are removed. Skipped for MOT15.
3. Only ground truth with class 1 (pedestrian) and ``consider != 0`` is kept (MOT15: only
   ``consider != 0``).
4. Ids are relabelled contiguously; an id twice in one frame is an error.

``tests/test_eval_parity.py`` checks that the numbers equal those of TrackEval's own file-based
evaluation (``trackeval.Evaluator`` + ``MotChallenge2DBox``) to 1e-6.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
from scipy.optimize import linear_sum_assignment

from spamlabels.core import Tracks, box_iou

__all__ = [
    "SUMMARY_FIELDS",
    "EvalError",
    "EvalResult",
    "evaluate",
    "evaluate_sequence",
    "preprocess_sequence",
    "summarize",
]

Benchmark = Literal["MOT15", "MOT16", "MOT17", "MOT20", "DanceTrack"]

_DISTRACTORS = (2, 7, 8, 12)
_VALID_CLASSES = tuple(range(1, 14))

SUMMARY_FIELDS: tuple[str, ...] = (
    "HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "AssRe", "AssPr",
    "MOTA", "MOTP", "IDF1", "IDR", "IDP", "IDSW", "Recall", "Precision",
    "FP", "FN", "TP", "MT", "ML", "Frag", "GT_IDs", "IDs", "GT_Dets", "Dets",
)  # fmt: skip
"""Keys of :func:`summarize` (percentages for the rates, counts for the rest)."""


class EvalError(ValueError):
    """Data that TrackEval would reject (duplicate ids in a frame, non-pedestrian classes)."""


def _metrics() -> list[Any]:
    with contextlib.redirect_stdout(io.StringIO()):
        import trackeval

        return [
            trackeval.metrics.HOTA(),
            trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
            trackeval.metrics.Identity({"PRINT_CONFIG": False}),
        ]


def _check_unique(ids: np.ndarray, what: str, name: str, t: int) -> None:
    if len(ids):
        uniq, counts = np.unique(ids, return_counts=True)
        if counts.max() != 1:
            dup = " ".join(str(i) for i in uniq[counts > 1])
            raise EvalError(
                f"{name}: {what} has the same id more than once in frame {t + 1} ({dup})"
            )


def preprocess_sequence(
    gt: Tracks,
    pred: Tracks,
    seq_length: int,
    benchmark: Benchmark = "MOT17",
    name: str = "sequence",
) -> dict[str, Any]:
    """Build TrackEval's preprocessed per-sequence data dict (see the module docstring).

    Args:
        gt: ground truth with ``cls`` and ``consider`` (rows in file order).
        pred: predicted tracks.
        seq_length: number of frames; rows outside ``1 .. seq_length`` are an error.
        benchmark: MOT15 has no class preprocessing; MOT20 adds class 6 to the distractors;
            MOT16/17 and DanceTrack use the MOT17 rules.
        name: sequence name for error messages.

    Returns:
        The dict that TrackEval metrics' ``eval_sequence`` expects.
    """
    for label, table in (("ground truth", gt), ("prediction", pred)):
        if len(table) and (table.frame.min() < 1 or table.frame.max() > seq_length):
            raise EvalError(f"{name}: {label} has frames outside 1..{seq_length}")
    if benchmark not in get_args(Benchmark):  # its rules would silently be MOT17's
        raise ValueError(f"unknown benchmark {benchmark!r} (available: "
                         f"{', '.join(get_args(Benchmark))})")  # fmt: skip
    distractors = _DISTRACTORS + ((6,) if benchmark == "MOT20" else ())
    do_class_preproc = benchmark != "MOT15"
    eps = np.finfo("float").eps
    keys = (
        "gt_ids",
        "tracker_ids",
        "gt_dets",
        "tracker_dets",
        "tracker_confidences",
        "similarity_scores",
    )
    data: dict[str, Any] = {k: [None] * seq_length for k in keys}
    gt_rows = [gt.rows_at(t + 1) for t in range(seq_length)]
    pr_rows = [pred.rows_at(t + 1) for t in range(seq_length)]
    uniq_gt: list[np.ndarray] = []
    uniq_tr: list[np.ndarray] = []
    n_gt = n_tr = 0
    gt_xyxy, pr_xyxy = gt.xyxy, pred.xyxy
    for t in range(seq_length):
        g, p = gt_rows[t], pr_rows[t]
        gt_ids, tr_ids = gt.id[g], pred.id[p]
        _check_unique(tr_ids, "prediction", name, t)
        _check_unique(gt_ids, "ground truth", name, t)
        gt_cls = gt.cls[g]
        gt_dets, tr_dets = gt.xywh[g], pred.xywh[p]
        sim = box_iou(gt_xyxy[g], pr_xyxy[p]) if len(g) and len(p) else np.zeros((len(g), len(p)))
        remove = np.array([], dtype=int)
        if do_class_preproc and len(g) and len(p):
            invalid = np.setdiff1d(np.unique(gt_cls), _VALID_CLASSES)
            if len(invalid):
                raise EvalError(
                    f"{name}: invalid ground-truth classes {invalid.tolist()} in frame {t + 1}"
                )
            scores = sim.copy()
            scores[scores < 0.5 - eps] = 0
            rows, cols = linear_sum_assignment(-scores)
            matched = scores[rows, cols] > 0 + eps
            rows, cols = rows[matched], cols[matched]
            remove = cols[np.isin(gt_cls[rows], distractors)]
        data["tracker_ids"][t] = np.delete(tr_ids, remove, axis=0)
        data["tracker_dets"][t] = np.delete(tr_dets, remove, axis=0)
        data["tracker_confidences"][t] = np.delete(pred.score[p], remove, axis=0)
        sim = np.delete(sim, remove, axis=1)
        keep = gt.consider[g].astype(bool)
        if do_class_preproc:
            keep &= gt_cls == 1
        data["gt_ids"][t] = gt_ids[keep]
        data["gt_dets"][t] = gt_dets[keep, :]
        data["similarity_scores"][t] = sim[keep]
        uniq_gt.append(np.unique(data["gt_ids"][t]))
        uniq_tr.append(np.unique(data["tracker_ids"][t]))
        n_tr += len(data["tracker_ids"][t])
        n_gt += len(data["gt_ids"][t])
    all_gt = np.unique(np.concatenate(uniq_gt)) if uniq_gt else np.zeros(0, int)
    all_tr = np.unique(np.concatenate(uniq_tr)) if uniq_tr else np.zeros(0, int)
    for key, ids in (("gt_ids", all_gt), ("tracker_ids", all_tr)):
        if len(ids):
            for t in range(seq_length):
                if len(data[key][t]):
                    data[key][t] = np.searchsorted(ids, data[key][t]).astype(int)
    data.update(
        num_tracker_dets=n_tr,
        num_gt_dets=n_gt,
        num_tracker_ids=len(all_tr),
        num_gt_ids=len(all_gt),
        num_timesteps=seq_length,
        seq=name,
    )
    return data


def evaluate_sequence(
    gt: Tracks,
    pred: Tracks,
    seq_length: int,
    benchmark: Benchmark = "MOT17",
    name: str = "sequence",
) -> dict[str, dict[str, Any]]:
    """TrackEval's raw results ``{"HOTA": {...}, "CLEAR": {...}, "Identity": {...}}`` for one
    sequence (fields as TrackEval names them; HOTA fields are arrays over the 19 alphas)."""
    data = preprocess_sequence(gt, pred, seq_length, benchmark, name)
    out = {}
    for metric in _metrics():
        out[metric.get_name()] = metric.eval_sequence(data)
    return out


@dataclass
class EvalResult:
    """Per-sequence and combined results.

    ``raw`` keeps TrackEval's full result dicts (``raw[seq]["HOTA"]["HOTA"]`` is the array over
    alphas); :attr:`table` holds :func:`summarize`-d rows, with the combined row under
    ``"COMBINED"``.
    """

    raw: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    table: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def combined(self) -> dict[str, float]:
        """The summary row over all sequences."""
        return self.table["COMBINED"]


def summarize(res: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Flatten one sequence's (or the combination's) TrackEval results into the headline
    numbers: rates in percent (HOTA = mean over alphas, as TrackEval reports), counts as is."""
    h, c, i = res["HOTA"], res["CLEAR"], res["Identity"]

    def pct(x: Any) -> float:
        return float(np.mean(x)) * 100.0

    return {
        "HOTA": pct(h["HOTA"]), "DetA": pct(h["DetA"]), "AssA": pct(h["AssA"]),
        "LocA": pct(h["LocA"]), "DetRe": pct(h["DetRe"]), "DetPr": pct(h["DetPr"]),
        "AssRe": pct(h["AssRe"]), "AssPr": pct(h["AssPr"]),
        "MOTA": pct(c["MOTA"]), "MOTP": pct(c["MOTP"]),
        "IDF1": pct(i["IDF1"]), "IDR": pct(i["IDR"]), "IDP": pct(i["IDP"]),
        "IDSW": float(c["IDSW"]), "Recall": pct(c["CLR_Re"]), "Precision": pct(c["CLR_Pr"]),
        "FP": float(c["CLR_FP"]), "FN": float(c["CLR_FN"]), "TP": float(c["CLR_TP"]),
        "MT": float(c["MT"]), "ML": float(c["ML"]), "Frag": float(c["Frag"]),
        "GT_IDs": float(res.get("Count", {}).get("GT_IDs", np.nan)),
        "IDs": float(res.get("Count", {}).get("IDs", np.nan)),
        "GT_Dets": float(c["CLR_TP"] + c["CLR_FN"]), "Dets": float(c["CLR_TP"] + c["CLR_FP"]),
    }  # fmt: skip


def evaluate(
    sequences: Mapping[str, tuple[Tracks, Tracks, int]],
    benchmark: Benchmark = "MOT17",
    progress: bool = False,
) -> EvalResult:
    """Evaluate several sequences and combine them the way TrackEval does.

    Args:
        sequences: ``{name: (ground truth, prediction, seq_length)}``.
        benchmark: see :func:`preprocess_sequence`.
        progress: show a progress bar.

    Returns:
        :class:`EvalResult` with one row per sequence and ``"COMBINED"``.
    """
    from tqdm import tqdm

    metrics = _metrics()
    result = EvalResult()
    counts: dict[str, dict[str, float]] = {}
    items = list(sequences.items())
    if "COMBINED" in sequences:  # the name of the combined row
        raise ValueError("a sequence may not be named COMBINED (the combined row's name)")
    for name, (gt, pred, n) in tqdm(items, desc="evaluate", disable=not progress, unit="seq"):
        data = preprocess_sequence(gt, pred, n, benchmark, name)
        if not data["num_gt_dets"]:  # TrackEval's own arithmetic, but rarely what was meant
            warnings.warn(f"{name}: no ground-truth box counts in evaluation; TrackEval gives "
                          "the sequence MOTA 0 in its own row, while the combined row counts "
                          f"its {data['num_tracker_dets']} boxes as false positives",
                          stacklevel=2)  # fmt: skip
        result.raw[name] = {m.get_name(): m.eval_sequence(data) for m in metrics}
        counts[name] = {"GT_IDs": data["num_gt_ids"], "IDs": data["num_tracker_ids"]}
    if not items:
        raise ValueError("no sequences to evaluate")
    combined = {
        m.get_name(): m.combine_sequences({k: v[m.get_name()] for k, v in result.raw.items()})
        for m in metrics
    }
    for name, res in result.raw.items():
        result.table[name] = summarize({**res, "Count": counts[name]})
    total = {k: float(sum(c[k] for c in counts.values())) for k in ("GT_IDs", "IDs")}
    result.raw["COMBINED"] = combined
    result.table["COMBINED"] = summarize({**combined, "Count": total})
    return result
