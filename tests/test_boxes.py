from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spamlabels.core import (
    box_giou,
    box_ioa,
    box_iou,
    box_iou_pairs,
    cxcywh_to_xyxy,
    xyah_to_xyxy,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xyah,
    xyxy_to_xywh,
)


@pytest.mark.parametrize(
    ("a", "b", "iou", "giou"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0, 1.0),  # identical
        ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150, 50 / 150),  # half overlap, hull = union
        ([0, 0, 10, 10], [20, 0, 30, 10], 0.0, -(300 - 200) / 300),  # disjoint: hull 30x10
        ([0, 0, 10, 10], [2, 2, 4, 4], 4 / 100, 4 / 100),  # contained
        ([0, 0, 10, 10], [10, 10, 20, 20], 0.0, -(400 - 200) / 400),  # touching corners
    ],
)
def test_iou_giou_hand_values(a, b, iou, giou):
    assert box_iou([a], [b])[0, 0] == pytest.approx(iou)
    assert box_giou([a], [b])[0, 0] == pytest.approx(giou)
    assert box_iou_pairs([a], [b])[0] == pytest.approx(iou)


def test_ioa_hand_value():
    # 2x2 box inside a 10x10: covered fully; the big box is 4 % covered
    assert box_ioa([[2, 2, 4, 4]], [[0, 0, 10, 10]])[0, 0] == pytest.approx(1.0)
    assert box_ioa([[0, 0, 10, 10]], [[2, 2, 4, 4]])[0, 0] == pytest.approx(0.04)


def test_format_round_trips():
    xywh = np.array([[10.0, 20.0, 30.0, 60.0]])
    xyxy = xywh_to_xyxy(xywh)
    np.testing.assert_allclose(xyxy, [[10, 20, 40, 80]])
    np.testing.assert_allclose(xyxy_to_xywh(xyxy), xywh)
    np.testing.assert_allclose(xyxy_to_cxcywh(xyxy), [[25, 50, 30, 60]])
    np.testing.assert_allclose(cxcywh_to_xyxy(xyxy_to_cxcywh(xyxy)), xyxy)
    np.testing.assert_allclose(xyxy_to_xyah(xyxy), [[25, 50, 0.5, 60]])
    np.testing.assert_allclose(xyah_to_xyxy(xyxy_to_xyah(xyxy)), xyxy)


def test_shapes_and_empty():
    assert box_iou(np.zeros((0, 4)), np.zeros((3, 4))).shape == (0, 3)
    assert box_giou(np.zeros((2, 4)), np.zeros((0, 4))).shape == (2, 0)
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        box_iou(np.zeros((2, 3)), np.zeros((2, 4)))


_coords = st.floats(min_value=-500, max_value=500, allow_nan=False)
_sizes = st.floats(min_value=0.5, max_value=300, allow_nan=False)


@st.composite
def _boxes(draw):
    k = draw(st.integers(1, 6))
    xy = draw(arrays(np.float64, (k, 2), elements=_coords))
    wh = draw(arrays(np.float64, (k, 2), elements=_sizes))
    return np.concatenate([xy, xy + wh], axis=1)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_boxes(), _boxes())
def test_iou_properties(a, b):
    iou = box_iou(a, b)
    np.testing.assert_allclose(iou, box_iou(b, a).T)  # symmetric
    assert (iou >= 0).all() and (iou <= 1).all()  # bounded
    np.testing.assert_allclose(np.diag(box_iou(a, a)), 1.0)  # IoU(a, a) = 1
    giou = box_giou(a, b)
    assert (giou <= iou + 1e-12).all() and (giou >= -1).all()  # GIoU <= IoU, >= -1
    np.testing.assert_allclose(giou, box_giou(b, a).T)
