"""Ours' review asks whether final tracks go on through chains of unused candidates."""

from __future__ import annotations

import json

import numpy as np
import pytest
from factories import make_dets, make_tracks

from spamlabels.active import (
    CallbackAnnotator,
    HumanKnowledge,
    LevelBudget,
    NodeAnswer,
    OracleAnnotator,
    SequenceTruth,
    TrackletAnswer,
    TrackletQuery,
    extension_chains,
    label_sequences,
)
from spamlabels.active.selection import Selection, decision_entropy, entropy
from spamlabels.core import Provenance
from spamlabels.track.spam import SpamTracker, _attach

torch = pytest.importorskip("torch")

from test_active import _task, _tracker  # noqa: E402

from spamlabels.synth import SceneConfig, simulate_scene  # noqa: E402

EXTEND = Selection(decision_entropy, entropy, existence=True, extend=True)


def _walk(frames, x0=100.0, step=10.0):
    """Boxes of one person walking right, ``step`` px per frame from ``x0`` at frame 0."""
    return [[x0 + step * f, 50.0, 20.0, 60.0] for f in frames]


def test_chains_continue_both_ends_at_constant_velocity():
    # rows 0-3: the track (frames 4-7); 4-5: on its path after it, 6: before it; 7: far off
    # the path (frame 8), 8: on the path but two frames after a frame without any candidate
    frames = [4, 5, 6, 7, 8, 9, 3, 8, 12]
    boxes = [*_walk([4, 5, 6, 7, 8, 9, 3]), [400.0, 300.0, 20.0, 60.0], *_walk([12])]
    dets = make_dets(frames, boxes)
    tracks = make_tracks([(f, 1, *b) for f, b in zip(frames[:4], boxes[:4], strict=True)],
                         data={"det_index": np.arange(4)})  # fmt: skip
    free = np.ones(len(dets), bool)
    free[:4] = False
    chains = extension_chains(tracks, dets, free)
    assert [(c.track, c.anchor, c.side, c.rows.tolist()) for c in chains] == [
        (1, 3, 1, [4, 5]),
        (1, 0, -1, [6]),
    ]
    # a candidate that is not free is left out, and the chain stops there
    free[4] = False
    assert [c.rows.tolist() for c in extension_chains(tracks, dets, free)] == [[6]]
    # too far from the prediction: no chain
    assert extension_chains(tracks, dets, np.arange(len(dets)) == 7) == []
    with pytest.raises(ValueError, match="free has 2 rows"):
        extension_chains(tracks, dets, np.ones(2, bool))


def test_a_candidate_joins_one_chain_and_holes_are_not_ends():
    # two tracks end where the same box (row 4, frame 8) continues both: the first takes it
    dets = make_dets([6, 7, 6, 7, 8], _walk([6, 7]) + _walk([6, 7], x0=101.0) + _walk([8]))
    tracks = make_tracks([(6, 1, *_walk([6])[0]), (7, 1, *_walk([7])[0]),
                          (6, 2, *_walk([6], 101.0)[0]), (7, 2, *_walk([7], 101.0)[0])],
                         data={"det_index": np.arange(4)})  # fmt: skip
    chains = extension_chains(tracks, dets, np.arange(5) == 4)
    assert [(c.track, c.rows.tolist()) for c in chains] == [(1, [4])]
    # only the ends are looked at, not the holes inside a track
    dets = make_dets([1, 2, 3, 5], _walk([1, 2, 3, 5]))
    tracks = make_tracks([(1, 1, *_walk([1])[0]), (5, 1, *_walk([5])[0])],
                         data={"det_index": np.array([0, 3])})  # fmt: skip
    assert extension_chains(tracks, dets, np.array([False, True, True, False])) == []


def test_an_extension_puts_a_box_in_no_track_into_its_partners_track():
    # rows 0-1 track 5 (frames 1-2), row 2 track 7 (frame 1); rows 3-6 in no track; a pair
    # (a, b) puts b into a's track
    dets = make_dets([1, 2, 1, 3, 4, 2, 3], _walk([1, 2, 1, 3, 4, 2, 3]))
    tracks = make_tracks([(1, 5, *_walk([1])[0]), (2, 5, *_walk([2])[0]),
                          (1, 7, *_walk([1], 300.0)[0])],
                         data={"det_index": np.array([0, 1, 2]),
                               "provenance": np.zeros(3, np.int8)})  # fmt: skip
    out = _attach(tracks, dets, [(1, 3), (3, 4), (2, 5)], None)
    got = sorted(zip(out.data["det_index"].tolist(), out.id.tolist(), out.frame.tolist(),
                     strict=True))  # fmt: skip
    assert got == [(0, 5, 1), (1, 5, 2), (2, 7, 1), (3, 5, 3), (4, 5, 4), (5, 7, 2)]
    assert (out.data["provenance"] == Provenance.PSEUDO).all()
    # never two boxes of one track in one frame (row 5 is in frame 2, which track 5 has); a
    # dropped row (3) joins nothing, nor what hangs on it (4); row 6 (frame 3) joins
    out = _attach(tracks, dets, [(0, 5), (1, 3), (3, 4), (1, 6)], np.arange(7) == 3)
    got = sorted(zip(out.data["det_index"].tolist(), out.id.tolist(), strict=True))
    assert got == [(0, 5), (1, 5), (2, 7), (6, 5)]
    # a blocked row stops its chain; a pair joins b to a's track, not the other way round
    for pairs in ([(0, 5), (5, 6)], [(3, 1)]):
        assert _attach(tracks, dets, pairs, None) is tracks
    assert _attach(tracks, dets, [(0, 1)], None) is tracks  # nothing to attach


@pytest.fixture(scope="module")
def scene():
    return simulate_scene(SceneConfig(n_frames=120, n_people=12), seed=11)


def _session(scene, answer, prior=None):
    from spamlabels.active.labeler import _Session

    asked: list[TrackletQuery] = []

    def on_tracklet(q: TrackletQuery) -> TrackletAnswer:
        asked.append(q)
        return answer(q)

    ann = CallbackAnnotator(lambda q: NodeAnswer("reject"), on_tracklet)
    session = _Session(_tracker(), [_task(scene)], ann, EXTEND, 0, prior=prior)
    levels = session.num_levels()
    session.run(LevelBudget(0, [1.0 / levels] * levels))
    return session, asked, levels


def _link(q: TrackletQuery) -> TrackletAnswer:
    if not q.num_candidates:
        return TrackletAnswer()  # the existence questions: keep
    return TrackletAnswer(successor=0) if q.cand_side[0] > 0 else TrackletAnswer(predecessor=0)


def test_a_linked_chain_joins_its_track_and_a_refused_one_is_not_asked_again(scene):
    session, asked, levels = _session(scene, _link)
    before = session.results()["s"]
    budget = len(np.unique(before.id)) + 3
    assert session.review(levels, budget) == budget
    ext = [q for q in asked if q.num_candidates]
    assert len(ext) >= 3 and all(q.review and q.level == levels for q in ext)
    queries = [q for q in session.queries if q.answer == "extend"]
    u = [q.uncertainty for q in queries]
    assert len(queries) == len(ext) and u == sorted(u, reverse=True)
    after = session.results()["s"]
    k = session.know[0]
    row = np.asarray(after.data["det_index"])
    dets = session.tasks[0].dets
    for q in ext:
        chain = q.candidate(0)
        assert k.linked[chain].all() and not np.isin(chain, before.data["det_index"]).any()
        anchor = q.dets[-1] if q.cand_side[0] > 0 else q.dets[0]
        ids = after.id[np.isin(row, np.append(chain, anchor))]
        assert len(ids) == len(chain) + 1 and len(np.unique(ids)) == 1  # one track
        # consecutive frames, moving away from the track
        f = np.sort(dets.frame[chain])
        assert (np.diff(f) == 1).all()
        assert f[0] == dets.frame[anchor] + 1 or f[-1] == dets.frame[anchor] - 1
        mine = np.isin(row, chain)
        assert (np.asarray(after.data["provenance"])[mine] == Provenance.PSEUDO).all()
        assert np.asarray(after.data["human_linked"])[mine].all()  # identity checked
    assert not k.accepted.any()  # the boxes were not looked at one by one
    assert len(k.must) == sum(len(q.candidate(0)) for q in ext) == len(k.extend)
    for a, b in k.must:  # in time order
        assert dets.frame[a] + 1 == dets.frame[b]
    assert {tuple(sorted(p)) for p in k.must} == {tuple(sorted(p)) for p in k.extend}
    # each chain joins its track whatever the relinking does, and no other track (a chain
    # box a clip had in a short track is kept out of it): stitching off
    session.tracker = SpamTracker(clip_length=64, stitch_seconds=0.0)
    off = session.results()["s"]
    row_off = np.asarray(off.data["det_index"])
    for q in ext:
        anchor = q.dets[-1] if q.cand_side[0] > 0 else q.dets[0]
        ids = off.id[np.isin(row_off, np.append(q.candidate(0), anchor))]
        assert len(ids) == len(q.candidate(0)) + 1 and len(np.unique(ids)) == 1
    # the links round-trip through answers.json, and only they take untracked boxes in
    back = HumanKnowledge.from_dict(json.loads(json.dumps(k.to_dict())), dets)
    assert back.extend == k.extend and back.must == k.must
    session.know[0].extend = []
    assert not np.isin(ext[0].candidate(0), session.results()["s"].data["det_index"]).any()
    # "no link": recorded as a pair that must not be joined, so a top-up does not ask it again
    session, asked, levels = _session(scene, lambda q: TrackletAnswer())
    session.review(levels, budget)
    first = [q for q in asked if q.num_candidates]
    k = session.know[0]
    assert len(k.cannot[levels]) == len(first) >= 3 and not k.must and not k.linked.any()
    assert not k.extend
    assert [q.answer for q in session.queries[-len(first) :]] == ["no-extension"] * len(first)
    seen = {tuple(q.candidate(0).tolist()) for q in first}
    # also when the earlier run's review came at a deeper level (it held a longer sequence)
    deeper = HumanKnowledge.from_dict({**k.to_dict(), "cannot": {}}, session.tasks[0].dets)
    deeper.cannot = {levels + 2: list(k.cannot[levels])}
    for prior in (k, deeper):
        again, asked2, _ = _session(scene, lambda q: TrackletAnswer(), prior={"s": prior})
        again.review(levels, budget)
        assert any(q.num_candidates for q in asked2)
        assert all(tuple(q.candidate(0).tolist()) not in seen for q in asked2 if q.num_candidates)

    # "reject" drops the track, which is then not asked about at its other end
    def reject_ends(q: TrackletQuery) -> TrackletAnswer:
        return TrackletAnswer(reject=bool(q.num_candidates))

    session, asked, levels = _session(scene, reject_ends)
    session.review(levels, budget + 20)
    ext = [q for q in asked if q.num_candidates]
    tracks = [frozenset(q.dets.tolist()) for q in ext]
    assert len(ext) >= 3 and len(set(tracks)) == len(tracks)
    k = session.know[0]
    assert all(k.rejected[q.dets].all() for q in ext) and not k.linked.any()
    # the chain is the only candidate, on its side
    both = TrackletAnswer(predecessor=0, successor=0)
    session, _, levels = _session(scene, lambda q: both if q.num_candidates else TrackletAnswer())
    with pytest.raises(ValueError, match="one candidate"):
        session.review(levels, budget)


def test_the_oracle_extends_a_track_by_the_identity_next_to_the_chain():
    gid = np.array([1, 1, 2, 2, 2, 1, -1, -1])
    oracle = OracleAnnotator({"s": SequenceTruth(gid, np.zeros((8, 4)))})

    def ask(track, chain, side):
        n = len(chain)
        q = TrackletQuery("s", 9, np.array(track), 1, 9, np.array(chain), np.zeros(n, np.int64),
                          np.array([side]), np.array([10]), np.array([12]), np.array([0.4]),
                          review=True)  # fmt: skip
        return oracle.answer_tracklet(q)

    # the track ends on person 2: a chain of person 2 continues it, one of person 1 does not
    assert ask([0, 1, 2], [3, 4], 1) == TrackletAnswer(successor=0)
    assert ask([0, 1, 2], [5], 1) == TrackletAnswer()
    assert ask([2, 0, 1], [5], -1) == TrackletAnswer()  # its first box is person 2
    assert ask([0, 1, 2], [5, 0], -1) == TrackletAnswer(predecessor=0)
    assert ask([0, 1, 2], [3, 6, 7], 1) == TrackletAnswer()  # mostly false boxes
    assert ask([0, 6, 7], [3], 1).reject  # a false track is rejected, as in the review
    assert ask([0, 1, 6], [3], 1) == TrackletAnswer()  # ends on a false box: no identity


def test_ours_spends_what_the_levels_leave_on_extensions(scene):
    _, gt, _ = scene
    task = _task(scene)
    truth = {"s": SequenceTruth.from_ground_truth(task.dets, gt)}
    res = label_sequences([task], OracleAnnotator(truth), 400, tracker=_tracker(),
                          strategy=EXTEND, split=(0, 0, 1), fit_split=False)  # fmt: skip
    assert res.clicks <= 400
    review = [q for q in res.queries if q.kind == "review"]
    assert "extend" in {q.answer for q in review}
    assert {q.answer for q in review} <= {"keep", "reject", "extend", "no-extension"}
    # the oracle links a chain only where most of it shows the person the track ends on
    k = res.knowledge["s"]
    gid = truth["s"].gt_id
    chains: dict[int, list[int]] = {}
    head = {b: a for a, b in k.extend}
    for b in head:
        a = b
        while a in head:
            a = head[a]
        chains.setdefault(a, []).append(b)
    assert chains and all(2 * np.sum(gid[c] == gid[a]) >= len(c) for a, c in chains.items())
    with pytest.raises(ValueError, match="needs the review"):
        Selection(decision_entropy, entropy, extend=True)


def test_review_answers_are_checked_and_the_chain_is_the_callbacks_own(scene):
    _, gt, _ = scene
    task = _task(scene)
    oracle = OracleAnnotator({"s": SequenceTruth.from_ground_truth(task.dets, gt)})
    kw = {"strategy": EXTEND, "split": (0, 0, 1), "fit_split": False}

    def none_in_review(q):
        return None if q.review else oracle.answer_tracklet(q)

    ann = CallbackAnnotator(oracle.answer_node, none_in_review)
    with pytest.raises(TypeError, match="answer_tracklet returned None"):
        label_sequences([task], ann, 400, tracker=_tracker(), **kw)

    def scribble(q):
        a = oracle.answer_tracklet(q)
        if q.review and len(q.cand_rows):
            q.cand_rows[:] = q.dets[0]  # the query's arrays are the callback's own
        return a

    ref = label_sequences([task], oracle, 400, tracker=_tracker(), **kw)
    got = label_sequences([task], CallbackAnnotator(oracle.answer_node, scribble), 400,
                          tracker=_tracker(), **kw)  # fmt: skip
    assert "extend" in {q.answer for q in got.queries}
    np.testing.assert_array_equal(got.knowledge["s"].linked, ref.knowledge["s"].linked)
