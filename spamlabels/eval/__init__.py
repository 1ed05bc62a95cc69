"""Tracking metrics (HOTA, CLEAR/MOTA, Identity/IDF1) on in-memory tables, via TrackEval."""

from spamlabels.eval.metrics import (
    SUMMARY_FIELDS,
    EvalError,
    EvalResult,
    evaluate,
    evaluate_sequence,
    preprocess_sequence,
    summarize,
)
from spamlabels.eval.oracle import oracle_from_candidates

__all__ = [
    "SUMMARY_FIELDS",
    "EvalError",
    "EvalResult",
    "evaluate",
    "evaluate_sequence",
    "oracle_from_candidates",
    "preprocess_sequence",
    "summarize",
]
