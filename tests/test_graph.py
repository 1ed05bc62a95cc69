from __future__ import annotations

import itertools

import numpy as np
import pytest

from spamlabels.core import Tracks
from spamlabels.eval import evaluate, oracle_from_candidates
from spamlabels.graph import (
    ClipHierarchy,
    HierarchyConfig,
    assign_gt_ids,
    candidate_edges,
    components,
    context_velocity,
    edge_labels,
    motion_giou,
    node_attributes,
    reciprocal_topk,
    round_edges,
)
from spamlabels.synth import SceneConfig, simulate_scene


def _brute_candidates(start, end, window, score, k):
    n = len(start)
    pairs = [(i, j) for i in range(n) for j in range(n)
             if window[i] == window[j] and end[i] < start[j]]  # fmt: skip
    nbrs = {v: sorted(((score[i, j], i, j) for i, j in pairs if v in (i, j))) for v in range(n)}
    # top-k by score; ties here are impossible (continuous random scores)
    top = {v: {(i, j) for _, i, j in nbrs[v][:k]} for v in range(n)}
    return sorted((i, j) for i, j in pairs if (i, j) in top[i] and (i, j) in top[j])


@pytest.mark.parametrize("block_entries", [2_000_000, 30, 1])
@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_edges_match_brute_force(seed, dense, block_entries):
    rng = np.random.default_rng(seed)
    n = 40
    start = rng.integers(0, 12, n)
    end = start + rng.integers(0, 3, n)
    window = start // 6
    score = rng.random((n, n))
    src, dst, sc = candidate_edges(start, end, window, lambda s, d: score[s, d], k=3,
                                   dense=dense, block_entries=block_entries)  # fmt: skip
    np.testing.assert_array_equal(sc, score[src, dst])
    got = sorted(zip(src.tolist(), dst.tolist(), strict=True))
    assert got == _brute_candidates(start, end, window, score, 3)
    assert (end[src] < start[dst]).all() and (window[src] == window[dst]).all()


def test_reciprocal_topk_small():
    # node 0 has edges to 1, 2, 3 (scores .1 .2 .3); k = 2 keeps (0,1), (0,2) from 0's side
    src, dst = np.array([0, 0, 0]), np.array([1, 2, 3])
    assert reciprocal_topk(src, dst, np.array([0.1, 0.2, 0.3]), 4, 2).tolist() == [
        True,
        True,
        False,
    ]


def _brute_round(src, dst, prob, n, threshold=0.5):
    best, best_w = None, -1.0
    cand = [e for e in range(len(src)) if prob[e] > threshold]
    for r in range(len(cand) + 1):
        for sub in itertools.combinations(cand, r):
            outs = [src[e] for e in sub]
            ins = [dst[e] for e in sub]
            if len(set(outs)) < len(outs) or len(set(ins)) < len(ins):
                continue
            w = sum(prob[e] - threshold for e in sub)
            if w > best_w + 1e-12:
                best, best_w = set(sub), w
    return best


@pytest.mark.parametrize("threshold", [0.5, 0.35])
@pytest.mark.parametrize("seed", range(8))
def test_round_edges_is_the_exact_projection(seed, threshold):
    rng = np.random.default_rng(seed)
    n = 6
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = rng.choice(len(pairs), size=9, replace=False)
    src = np.array([pairs[c][0] for c in chosen])
    dst = np.array([pairs[c][1] for c in chosen])
    prob = rng.random(9)
    active = round_edges(src, dst, prob, n, threshold=threshold)
    assert set(np.flatnonzero(active).tolist()) == _brute_round(src, dst, prob, n, threshold)
    assert np.bincount(src[active], minlength=n).max() <= 1
    assert np.bincount(dst[active], minlength=n).max() <= 1


def test_edge_threshold_per_level():
    src, dst, prob = np.array([0]), np.array([1]), np.array([0.42])
    assert not round_edges(src, dst, prob, 2).any()
    assert round_edges(src, dst, prob, 2, threshold=0.4).all()
    with pytest.raises(ValueError, match="threshold"):
        round_edges(src, dst, prob, 2, threshold=1.0)
    cfg = HierarchyConfig(edge_threshold=(0.5, 0.45, 0.4))
    assert [cfg.edge_threshold_at(k) for k in (1, 2, 3, 4, 9)] == [0.5, 0.45, 0.4, 0.4, 0.4]
    assert HierarchyConfig(edge_threshold=0.45).edge_threshold_at(7) == 0.45
    for bad in (0.0, (0.5, 1.2), ()):
        with pytest.raises(ValueError, match="edge_threshold"):
            HierarchyConfig(edge_threshold=bad)
    # the tracker's setting reaches the hierarchy: a 2-detection clip whose only link has
    # probability between the two thresholds is one track or two
    frame = np.array([1, 2])
    xywh = np.array([[0, 0, 10, 20], [1, 0, 10, 20]], float)
    for t, n_tracks in ((0.5, 2), (0.4, 1)):
        h = ClipHierarchy(frame, xywh, np.array([0.9, 0.9]), 10.0, (100, 100),
                          config=HierarchyConfig(coverages=(2,), edge_threshold=t))  # fmt: skip
        h.skip_node_level()
        g = h.edge_graph()
        h.apply_edge_probs(g, np.full(g.num_edges, 0.42))
        assert len(np.unique(h.track_ids())) == n_tracks


def test_round_edges_forced():
    src, dst, prob = np.array([0, 0]), np.array([1, 2]), np.array([0.9, 0.2])
    forced = np.array([-1, 1], np.int8)  # a human removed the likely link, confirmed the other
    assert round_edges(src, dst, prob, 3, forced).tolist() == [False, True]


def test_components_and_edge_labels():
    lab = components(np.array([0, 3]), np.array([1, 4]), 5)
    assert lab.tolist() == [0, 0, 1, 2, 2]
    # id 7 at nodes 0, 1, 2 (times 0, 1, 2): only consecutive links are positive
    src, dst = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3])
    gap = np.array([1, 2, 1, 1])
    ids = np.array([7, 7, 7, -1])
    assert edge_labels(src, dst, gap, ids).tolist() == [True, False, True, False]


def test_motion_giou_exact_for_linear_motion():
    # one node moving +2 px/frame over frames 0..3, the other continuing at frames 6..9
    frame = np.array([0, 1, 2, 3, 6, 7, 8, 9])
    x = 10.0 + 2.0 * frame
    xywh = np.stack([x, np.full(8, 5.0), np.full(8, 10.0), np.full(8, 20.0)], 1)
    attrs = node_attributes(frame, xywh, np.ones(8), np.array([0] * 4 + [1] * 4), 2,
                            motion_window=4)  # fmt: skip
    np.testing.assert_allclose(attrs.vel_fwd[0], [2, 0])
    np.testing.assert_allclose(attrs.vel_bwd[1], [-2, 0])
    g = motion_giou(attrs, np.array([0]), np.array([1]), max_steps=8)
    assert g[0] == pytest.approx(1.0)
    # without motion windows the feature is the "unknown" value -2
    flat = node_attributes(frame, xywh, np.ones(8), np.array([0] * 4 + [1] * 4), 2)
    assert motion_giou(flat, np.array([0]), np.array([1]), 8)[0] == -2


def test_context_velocity_uses_mutual_best_neighbours_only():
    # person A moves +3 px/frame over frames 0..2; person B stands still far away in frames 1, 2;
    # a box overlapping nothing sits alone in frame 5; one A box is not live
    frame = np.array([0, 1, 2, 1, 2, 5, 3])
    x = np.array([0.0, 3.0, 6.0, 500.0, 500.0, 900.0, 9.0])
    xywh = np.stack([x, np.zeros(7), np.full(7, 20.0), np.full(7, 40.0)], 1)
    live = np.array([True] * 6 + [False])
    past, future = context_velocity(frame, xywh, live)
    np.testing.assert_allclose(past[[1, 2]], [[3, 0], [3, 0]])  # from the previous frame
    np.testing.assert_allclose(future[[0, 1]], [[-3, 0], [-3, 0]])  # pointing back in time
    np.testing.assert_allclose(past[4], [0, 0])
    assert np.isnan(past[[0, 3, 5, 6]]).all()  # no neighbour before (or not live)
    assert np.isnan(future[[2, 5, 6]]).all()  # frame 3's box is not live
    # IoU below the threshold: no neighbour
    far = xywh.copy()
    far[1, 0] = 15.0  # IoU with frame 0's box = 5/35
    p2, _ = context_velocity(frame, far, live)
    assert np.isnan(p2[1]).all()


def test_context_motion_gives_the_first_edge_level_a_motion_feature():
    info, _, det = simulate_scene(SceneConfig(n_frames=30, n_people=6), seed=5)
    dets = det[det.score >= 0.5]
    graphs = {}
    for ctx in (False, True):
        config = HierarchyConfig(coverages=(2, 4, 8, 16, 32), context_motion=ctx)
        h = ClipHierarchy(dets.frame, dets.xywh, dets.score, info.frame_rate,
                          (info.im_width, info.im_height), config=config)  # fmt: skip
        h.skip_node_level()
        graphs[ctx] = h.edge_graph()
    plain, ctx_graph = graphs[False], graphs[True]
    # same candidate edges (level-1 pruning is by feet distance either way)
    assert (plain.src == ctx_graph.src).all() and (plain.dst == ctx_graph.dst).all()
    assert (plain.edge_attr[:, 7] == -2).all()
    assert (ctx_graph.edge_attr[:, 7] > -2).mean() > 0.5
    np.testing.assert_array_equal(plain.edge_attr[:, :7], ctx_graph.edge_attr[:, :7])


def test_hierarchy_with_oracle_decisions_reaches_the_oracle():
    info, gt, det = simulate_scene(SceneConfig(n_frames=60, n_people=12), seed=3)
    dets = det[det.score >= 0.1]
    gid = assign_gt_ids(dets, gt)
    h = ClipHierarchy(dets.frame, dets.xywh, dets.score, info.frame_rate,
                      (info.im_width, info.im_height), gt_id=gid,
                      config=HierarchyConfig(coverages=(2, 4, 8, 16, 32, 64)))  # fmt: skip
    g = h.node_graph()
    assert g.x.shape == (len(dets), 6) and g.edge_attr.shape == (g.num_edges, 8)
    h.apply_node_probs(g, g.node_label)
    levels = 0
    while not h.done():
        g = h.edge_graph()
        assert (g.node_end[g.src] < g.node_start[g.dst]).all()
        h.apply_edge_probs(g, g.edge_label)
        levels += 1
    assert levels == 6 and len(h.records) == 7
    ids = h.track_ids()
    keep = ids >= 0
    assert (keep == (gid >= 0)).all()  # exactly the true detections survive
    pred = Tracks(frame=dets.frame[keep], xywh=dets.xywh[keep], id=ids[keep])
    res = evaluate({"h": (gt, pred, 60), "o": (gt, oracle_from_candidates(gt, dets), 60)}).table
    assert res["h"]["HOTA"] >= res["o"]["HOTA"] - 2.0
    # no track holds two boxes in one frame
    pairs = np.stack([pred.frame, pred.id], 1)
    assert len(np.unique(pairs, axis=0)) == len(pred)


def test_node_keep_conf_protects_confident_detections_from_gnn_node():
    frame = np.array([1, 1, 2, 2])
    xywh = np.array([[0, 0, 10, 20], [50, 0, 10, 20], [1, 0, 10, 20], [51, 0, 10, 20]], float)
    score = np.array([0.9, 0.3, 0.6, 0.59])
    prob = np.array([0.1, 0.1, 0.7, 0.9])
    for keep, expected in ((None, [True, True, True, False]), (0.6, [False, True, False, False])):
        cfg = HierarchyConfig(coverages=(2,), node_threshold=0.8, node_keep_conf=keep)
        h = ClipHierarchy(frame, xywh, score, 10.0, (100, 100), config=cfg)
        g = h.node_graph()
        node_prob = np.empty(g.num_nodes)
        node_prob[h.det_to_node] = prob  # one node per detection at the node level
        rejected = h.apply_node_probs(g, node_prob)
        assert h.rejected.tolist() == expected
        assert rejected.sum() == sum(expected)
        np.testing.assert_allclose(h.records[0].node_prob, node_prob)  # recorded unchanged
    with pytest.raises(ValueError, match="node_keep_conf"):
        HierarchyConfig(node_keep_conf=float("nan"))
