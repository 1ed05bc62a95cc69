from __future__ import annotations

import numpy as np
import pytest
from factories import make_tracks

from spamlabels.eval import EvalError, evaluate, evaluate_sequence, summarize


def _scene():
    """Two people walking right for 5 frames, plus one static distractor (class 7)."""
    rows = []
    for f in range(1, 6):
        rows.append((f, 1, 10 + 5 * f, 10, 20, 40))
        rows.append((f, 2, 200 + 5 * f, 10, 20, 40))
    gt = make_tracks(rows, cls=1)
    distractor = make_tracks([(f, 3, 400, 10, 20, 40) for f in range(1, 6)], cls=7)
    from spamlabels.core import Tracks

    return Tracks.merge([gt, distractor]), gt


def test_perfect_tracker_scores_100():
    gt_all, gt = _scene()
    s = summarize(evaluate_sequence(gt_all, gt, seq_length=5))
    assert s["HOTA"] == pytest.approx(100) and s["MOTA"] == pytest.approx(100)
    assert s["IDF1"] == pytest.approx(100) and s["IDSW"] == 0


def test_relabelling_ids_changes_nothing():
    gt_all, gt = _scene()
    pred = gt.replace(id=gt.id * 17 + 5)
    a = summarize(evaluate_sequence(gt_all, gt, 5))
    b = summarize(evaluate_sequence(gt_all, pred, 5))
    assert a == b


def test_distractor_matches_are_not_false_positives():
    gt_all, gt = _scene()
    on_distractor = make_tracks([(f, 9, 401, 10, 20, 40) for f in range(1, 6)])
    from spamlabels.core import Tracks

    s = summarize(evaluate_sequence(gt_all, Tracks.merge([gt, on_distractor]), 5))
    assert s["FP"] == 0 and s["MOTA"] == pytest.approx(100)
    # under MOT15 rules there is no class preprocessing: the distractor gt counts as a person
    s15 = summarize(evaluate_sequence(gt_all, Tracks.merge([gt, on_distractor]), 5, "MOT15"))
    assert s15["FN"] == 0 and s15["FP"] == 0


def test_mota_hand_computed():
    gt_all, gt = _scene()
    # keep track 1 intact; track 2 predicted only in frames 1-3 and under a new id in frame 3
    keep = (gt.id == 1) | (gt.frame <= 3)
    pred = gt[keep]
    pred = pred.replace(id=np.where((pred.id == 2) & (pred.frame == 3), 5, pred.id))
    s = summarize(evaluate_sequence(gt_all, pred, 5))
    # 10 gt boxes: 2 misses, 0 FP, 1 id switch -> MOTA = 1 - 3/10
    assert s["FN"] == 2 and s["FP"] == 0 and s["IDSW"] == 1
    assert s["MOTA"] == pytest.approx(70.0)


def test_consider_flag_and_combined():
    gt_all, gt = _scene()
    ignored = gt.replace(consider=gt.id != 2)
    s = evaluate({"a": (ignored, gt[gt.id == 1], 5), "b": (gt_all, gt, 5)})
    assert s.table["a"]["FN"] == 0 and s.table["a"]["MOTA"] == pytest.approx(100)
    assert s.combined["GT_Dets"] == 15 and s.combined["HOTA"] == pytest.approx(100)


def test_duplicate_id_in_a_frame_is_an_error():
    gt_all, gt = _scene()
    with pytest.raises(EvalError, match="same id more than once in frame 1"):
        evaluate_sequence(gt_all, gt.replace(id=np.ones(len(gt), int)), 5)


def test_a_sequence_with_no_counted_ground_truth_is_warned_about():
    from spamlabels.core import Tracks

    pred = make_tracks([(1, 1, 0, 0, 10, 10), (2, 1, 1, 0, 10, 10)])
    with pytest.warns(UserWarning, match="empty: no ground-truth box counts in evaluation"):
        res = evaluate({"empty": (Tracks.empty(), pred, 3)})
    # TrackEval's arithmetic, kept: 0 in its row; combined, (0 - 2 FP) / max(1, 0 gt)
    assert res.table["empty"]["MOTA"] == 0.0 and res.combined["MOTA"] == pytest.approx(-200.0)


def test_a_sequence_named_combined_is_refused():
    t = make_tracks([(1, 1, 0, 0, 10, 10)], cls=1)
    with pytest.raises(ValueError, match="named COMBINED"):
        evaluate({"COMBINED": (t, t, 1), "b": (t, t, 1)})


def test_an_unknown_benchmark_is_refused():
    t = make_tracks([(1, 1, 0, 0, 10, 10)], cls=1)
    with pytest.raises(ValueError, match="unknown benchmark 'mot20'"):
        evaluate({"a": (t, t, 1)}, benchmark="mot20")  # type: ignore[arg-type]
