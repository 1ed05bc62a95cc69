from __future__ import annotations

import itertools

import numpy as np
import pytest
from factories import make_dets, make_tracks

from spamlabels.core import hungarian_iou, match_per_frame
from spamlabels.eval import evaluate, oracle_from_candidates
from spamlabels.io import MOTSequence


def test_hungarian_prefers_total_iou_and_respects_threshold():
    iou = np.array([[0.9, 0.6], [0.8, 0.0], [0.45, 0.3]])
    r, c = hungarian_iou(iou, 0.5)
    # greedy would give (0,0)=0.9 and leave row 1 unmatched; optimum is 0.6 + 0.8
    assert sorted(zip(r.tolist(), c.tolist(), strict=True)) == [(0, 1), (1, 0)]
    assert hungarian_iou(np.zeros((0, 3)))[0].shape == (0,)


def test_hungarian_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(40):
        iou = rng.random((3, 4)) * rng.integers(0, 2, (3, 4))
        r, c = hungarian_iou(iou, 0.5)
        best = 0.0
        for perm in itertools.permutations(range(4), 3):
            best = max(best, sum(iou[i, j] for i, j in enumerate(perm) if iou[i, j] >= 0.5))
        assert iou[r, c].sum() == pytest.approx(best)
        assert (iou[r, c] >= 0.5).all()


def test_match_per_frame_and_oracle():
    gt = make_tracks([(1, 4, 0, 0, 10, 10), (1, 5, 50, 0, 10, 10), (2, 4, 2, 0, 10, 10)], cls=1)
    dets = make_dets(
        [1, 1, 1, 2, 3],
        [[1, 0, 10, 10], [51, 1, 10, 10], [200, 0, 10, 10], [2, 0, 10, 10], [0, 0, 10, 10]],
    )
    to_gt, iou = match_per_frame(dets, gt)
    np.testing.assert_array_equal(to_gt, [0, 1, -1, 2, -1])
    assert iou[3] == pytest.approx(1.0) and iou[2] == 0
    oracle = oracle_from_candidates(gt, dets)
    np.testing.assert_array_equal(oracle.id, [4, 5, 4])
    s = evaluate({"s": (gt, oracle, 3)}).combined
    assert s["FP"] == 0 and s["FN"] == 0


@pytest.mark.integration
def test_oracle_reproduces_reference_numbers(mot17):
    """README of ../shared/data: oracle from candidates on YOLOX val halves, conf >= 0.1."""
    inputs = {}
    for s in ("02", "05", "09"):
        seq = MOTSequence.open(mot17 / "train" / f"MOT17-{s}-YOLOX")
        dets = seq.det("val")
        gt = seq.gt("val")
        inputs[s] = (gt, oracle_from_candidates(gt, dets[dets.score >= 0.1]), seq.length("val"))
    table = evaluate(inputs).table
    for s, ref in (("02", 62.7), ("05", 73.6), ("09", 75.3)):
        assert table[s]["HOTA"] == pytest.approx(ref, abs=0.2)
