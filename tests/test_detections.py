from __future__ import annotations

import contextlib

import numpy as np
import pytest
from factories import make_dets, make_tracks
from hypothesis import given, settings
from hypothesis import strategies as st

from spamlabels.core import Detections, Tracks, half_range, take_half


@pytest.mark.parametrize(
    ("kwargs", "expectation"),
    [
        # a valid two-row table
        ({"frame": [1, 2], "xywh": [[0, 0, 1, 1], [0, 0, 2, 2]]}, contextlib.nullcontext()),
        # xywh with the wrong number of rows
        ({"frame": [1, 2], "xywh": [[0, 0, 1, 1]]}, pytest.raises(ValueError, match="shape")),
        # zero width
        ({"frame": [1], "xywh": [[0, 0, 0, 1]]}, pytest.raises(ValueError, match="> 0")),
        # negative height
        ({"frame": [1], "xywh": [[0, 0, 1, -1]]}, pytest.raises(ValueError, match="> 0")),
        # NaN coordinate
        ({"frame": [1], "xywh": [[np.nan, 0, 1, 1]]}, pytest.raises(ValueError, match="finite")),
        # infinite score
        ({"frame": [1], "xywh": [[0, 0, 1, 1]], "score": [np.inf]},
         pytest.raises(ValueError, match="score must be finite")),
        # fractional frame
        ({"frame": [1.5], "xywh": [[0, 0, 1, 1]]}, pytest.raises(ValueError, match="integers")),
        # extra column of the wrong length
        ({"frame": [1], "xywh": [[0, 0, 1, 1]], "data": {"emb": np.zeros((2, 3))}},
         pytest.raises(ValueError, match="first dimension")),
    ],
)  # fmt: skip
def test_validation(kwargs, expectation):
    with expectation:
        Detections(**kwargs)


def test_tracks_need_ids():
    with pytest.raises(ValueError, match="id >= 0"):
        Tracks(frame=[1], xywh=[[0, 0, 1, 1]])
    t = make_tracks([(1, 3, 0, 0, 1, 1), (2, 3, 1, 0, 1, 1), (1, 5, 0, 0, 2, 2)])
    np.testing.assert_array_equal(t.track_ids(), [3, 5])
    np.testing.assert_array_equal(t.track(3).frame, [1, 2])


def test_indexing_keeps_columns_aligned():
    d = Detections(
        frame=[3, 1, 2, 1], xywh=np.arange(16, dtype=float).reshape(4, 4) + 1,
        score=[0.1, 0.2, 0.3, 0.4], data={"emb": np.arange(8).reshape(4, 2)},
    )  # fmt: skip
    sub = d[d.score > 0.15]
    assert isinstance(sub, Detections) and len(sub) == 3
    np.testing.assert_array_equal(sub.frame, [1, 2, 1])
    np.testing.assert_array_equal(sub.data["emb"], [[2, 3], [4, 5], [6, 7]])
    assert d[-1].score[0] == 0.4 and d[0].frame[0] == 3
    assert d[1:3] == d[[1, 2]]


def test_frame_slicing_and_iteration():
    d = make_dets([2, 1, 2, 5], [[0, 0, 1, 1]] * 4, score=[0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(d.frames(), [1, 2, 5])
    np.testing.assert_allclose(d.at_frame(2).score, [0.1, 0.3])  # original order kept
    assert len(d.at_frame(4)) == 0
    assert [(f, len(x)) for f, x in d.iter_frames()] == [(1, 1), (2, 2), (5, 1)]


def test_merge_empty_eq_sorted():
    a = make_dets([1], [[0, 0, 1, 1]])
    b = make_dets([0 + 1], [[1, 1, 1, 1]])
    m = Detections.merge([a, b])
    assert len(m) == 2 and m != a and m == Detections.merge([a, b])
    assert len(Detections.empty()) == 0
    t = make_tracks([(2, 1, 0, 0, 1, 1), (1, 2, 0, 0, 1, 1), (1, 1, 0, 0, 1, 1)])
    s = t.sorted()
    np.testing.assert_array_equal(np.c_[s.frame, s.id], [[1, 1], [1, 2], [2, 1]])


@pytest.mark.parametrize(
    ("n", "half", "expected"),
    [
        (600, "train", (1, 301)),  # MOT17-02: frames 1..N//2+1
        (600, "val", (302, 600)),  # N//2+2..N, length N - N//2 - 1 = 299
        (837, "val", (420, 837)),  # odd length (MOT17-05)
        (10, "all", (1, 10)),
    ],
)
def test_half_range(n, half, expected):
    assert half_range(n, half) == expected


def test_take_half_renumbers():
    t = make_tracks([(f, 1, 0, 0, 1, 1) for f in range(1, 11)])
    val, n = take_half(t, 10, "val")
    assert n == 10 - 10 // 2 - 1
    np.testing.assert_array_equal(val.frame, np.arange(1, n + 1))
    train, n_train = take_half(t, 10, "train")
    assert n_train == 6 and train.frame.max() == 6


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 6), min_size=0, max_size=30))
def test_frame_index_partitions_rows(frames):
    d = make_dets(frames, [[0, 0, 1, 1]] * len(frames), score=np.arange(len(frames), dtype=float))
    seen = np.concatenate([x.score for _, x in d.iter_frames()]) if frames else np.zeros(0)
    assert sorted(seen.tolist()) == list(range(len(frames)))  # every row exactly once
    for f in set(frames):
        assert (d.at_frame(f).frame == f).all()


def test_integer_index_out_of_range_and_silently_wrong_columns_are_refused():
    d = Detections(frame=[1, 2, 3], xywh=np.ones((3, 4)), score=[0.1, 0.2, 0.3])
    assert d[-1].score.tolist() == [0.3] and d[2].score.tolist() == [0.3]
    assert d[-3].score.tolist() == [0.1]
    for i in (3, 10, -4):
        with pytest.raises(IndexError, match="of a table of 3 rows"):
            d[i]
    with pytest.raises(ValueError, match="id must be integers, row 0"):
        Detections(frame=[1, 2], xywh=np.ones((2, 4)), id=[1.7, 1.2])  # would merge tracks
    with pytest.raises(ValueError, match="score must be finite, row 1"):
        Detections(frame=[1, 2], xywh=np.ones((2, 4)), score=np.array([1, None], object))
    assert Detections(frame=[1], xywh=np.ones((1, 4)), id=[2.0]).id.tolist() == [2]
    big = np.array([2**53, 2**53 + 1], dtype=object)  # exact, not through floats
    assert Tracks(frame=[1, 1], xywh=np.ones((2, 4)), id=big).id.tolist() == [2**53, 2**53 + 1]
    with pytest.raises(ValueError, match="int64 range"):
        Tracks(frame=[1], xywh=np.ones((1, 4)), id=np.array([2**64], dtype=object))


def test_map_scores_logistic_none_and_refusals():
    import warnings

    from spamlabels.core import SCORE_MAPS, map_scores

    assert SCORE_MAPS == ("none", "logistic")
    margins = np.array([-0.5, 0.0, 2.0, -800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # margins: no warning, and no overflow from exp(800)
        p = map_scores(margins, "logistic")
    np.testing.assert_allclose(p, [1 / (1 + np.exp(0.5)), 0.5, 1 / (1 + np.exp(-2.0)), 0.0])
    assert float(map_scores(3.0, "logistic")) == pytest.approx(1 / (1 + np.exp(-3.0)))  # a scalar
    same = map_scores(margins)  # "none": a copy, never the caller's array
    np.testing.assert_array_equal(same, margins)
    same[0] = 9.0
    assert margins[0] == -0.5
    with pytest.raises(ValueError, match=r"unknown score map 'minmax' \(available: none, logistic"):
        map_scores(margins, "minmax")
    # probabilities through the logistic would all land in 0.5-0.73: said, naming the source
    with pytest.warns(UserWarning, match=r"det.txt: the scores are already within 0-1"):
        map_scores(np.array([0.1, 0.9]), "logistic", "det.txt")


def test_columns_in_their_dtype_are_kept_as_given_as_the_docstring_says():
    frame = np.array([1, 2], np.int64)
    d = Detections(frame=frame, xywh=np.ones((2, 4)))
    taken, swapped = d[np.array([True, True])], d.replace(score=np.array([0.5, 0.5]))
    frame[0] = 7
    assert d.frame[0] == 7 and swapped.frame[0] == 7  # kept, like a numpy view
    assert taken.frame[0] == 1  # indexing copies
    listed = Detections(frame=[1, 2], xywh=np.ones((2, 4)))  # another dtype: converted
    assert listed.frame.dtype == np.int64
