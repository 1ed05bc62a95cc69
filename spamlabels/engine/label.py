"""The labelling job behind ``spam label``: sequences in, labels with provenance and effort out.

For each given MOTChallenge sequence folder the job reads the candidate detections, runs the
graph hierarchy with active learning (:func:`spamlabels.active.label_sequences`, one budget
pool over all sequences) and writes into ``OUT_DIR``:

* ``<sequence>.txt``: the labels, MOTChallenge tracker format
  (``frame,id,left,top,w,h,conf,-1,-1,-1``); pseudo, accepted and interpolated boxes are
  smoothed over time (``LabelJob.smooth_seconds``), refined boxes are as the annotator drew
  them;
* ``<sequence>.provenance.csv``: one row per box of that file, in the same order:
  ``frame,id,provenance`` (``pseudo``, ``human-accepted``, ``human-refined``,
  ``interpolated``), ``human_linked`` (1: the box belongs to a tracklet whose links an
  annotator set or confirmed, so its identity is human-checked) and ``det_index`` (row of the
  candidate in ``det.txt`` of the half, after the confidence filter; -1 for interpolated
  boxes);
* ``effort.json``: ``clicks`` (this run), ``prior_clicks`` (the runs whose answers were
  given with ``--answers``), ``full_cost_clicks``, ``fraction`` (all clicks over the full
  cost) over all sequences, the same per sequence, clicks per level, the answers per kind of
  question (``node``: accept / reject / refine; ``tracklet``: reject or ``link N``, N links set;
  ``review``: keep / reject / extend / no-extension), the links set and those the labels do not
  keep (:meth:`~spamlabels.active.LabelResult.links_held`), ``quality`` and ``settings``;
* ``answers.json``: every answer so far (earlier runs' included), as facts about candidate
  rows, with a fingerprint of the candidates they were given on (``--answers`` reads it back:
  more budget later, or other weights, without asking anything twice);
* ``questions.csv``: every question of this run (sequence, level, kind, boxes, answer,
  clicks, uncertainty);
* ``report.md``: the same in a table, with HOTA / MOTA / IDF1 of the labels when the sequences
  have ground truth.

Everything that can be checked without the model is checked first (:func:`check_label_job`:
the settings, the output folder, the sequences, the budget, the answers file). Nothing is
written until every sequence is labelled; then every file is written into a staging folder
inside ``OUT_DIR``, so a failure while writing leaves ``OUT_DIR`` as it was, and moved into
place, ``answers.json`` first, so the answers of a run are never lost to a failure after it
(a move that fails, e.g. onto a folder of the same name, leaves the files before it new).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spamlabels.active import (
    DEFAULT_SPLIT,
    STRATEGIES,
    HumanKnowledge,
    LabelResult,
    LabelTask,
    OracleAnnotator,
    SequenceTruth,
    check_passes,
    check_split,
    full_cost,
    label_sequences,
    parse_budget,
)
from spamlabels.core import DataFormatError, Detections, Provenance, Tracks, check_score_map
from spamlabels.core.splits import Half
from spamlabels.eval import EvalResult, evaluate
from spamlabels.io import MOTSequence, atomic_write, write_mot
from spamlabels.nn import read_checkpoint_meta
from spamlabels.track import warn_unless_probabilities
from spamlabels.track.spam import DEFAULT_WEIGHTS, SpamTracker

__all__ = [
    "PROVENANCE_NAMES",
    "LabelInputs",
    "LabelJob",
    "LabelSummary",
    "PreparedLabelJob",
    "check_label_job",
    "load_answers",
    "load_label_inputs",
    "run_label_job",
]

PROVENANCE_NAMES = {
    Provenance.PSEUDO: "pseudo",
    Provenance.HUMAN_ACCEPTED: "human-accepted",
    Provenance.HUMAN_REFINED: "human-refined",
    Provenance.INTERPOLATED: "interpolated",
    Provenance.GROUND_TRUTH: "ground-truth",
}
"""Names of the provenance codes in ``<sequence>.provenance.csv``."""


@dataclass(frozen=True)
class LabelJob:
    """Settings of a labelling job (the options of ``spam label``).

    Attributes:
        budget: clicks (``"500"`` or ``500``) or a share of the full manual cost (``"3.3%"``).
        annotator: ``"oracle"`` (answers from each sequence's ``gt/gt.txt``).
        half: label one half of each sequence (MOT17 protocol) or ``"all"``.
        min_conf: candidate detections below this confidence are dropped first.
        score_map: detector scores to probabilities before that
            (:func:`spamlabels.core.map_scores`; ``"logistic"`` for margins such as DPM's).
        weights: model checkpoint (default: the shipped synthetic-only weights).
        strategy: selection strategy (:data:`spamlabels.active.STRATEGIES`).
        split: budget shares of (first levels, the three before the last three, last three).
        fit_split: fit the split to what each level can take (a dry run first;
            :func:`spamlabels.active.label_sequences`); ``False``: roll-over only.
        passes: the most passes over the hierarchy: a pass that leaves clicks while some
            levels still had questions is followed by a top-up from its answers
            (:func:`spamlabels.active.label_sequences`); 1: the paper's single pass.
        refine_iou: the oracle refines matched boxes below this IoU (``None``: never).
        seed: for random strategies.
        node_level: run GNN_node (and ask about single detections).
        smooth_seconds: the tracker's box smoothing over time (``SpamConfig.smooth_seconds``;
            ``None``: its default, 0: off); boxes refined by the annotator are kept as drawn.
        stitch_seconds: the tracker's stitching of tracks across gaps up to this long
            (``SpamConfig.stitch_seconds``; ``None``: its default, 0: off); never across a
            pair the annotator said is not consecutive (any candidate shown for a tracklet and
            not chosen).
        cut_iou: the tracker's cutting of links the tracks' own motion contradicts
            (``SpamConfig.cut_iou``; ``None``: its default, 0: off); never a link the
            annotator set, nor one between two boxes of tracklets whose identity they checked
            (unless they said the two are not consecutive).
        swap_margin: the tracker's exchange of the tails of tracks whose motion says they
            swapped (``SpamConfig.swap_margin``; ``None``: its default, 0: off); never
            breaking a link the annotator vouched for (one they set, or between two boxes of
            tracklets whose identity they checked, unless they said the two are not
            consecutive), nor making two boxes they said are not consecutive consecutive boxes
            of one track.
        answers: ``answers.json`` of an earlier run on the same candidates: its answers are
            replayed, each from the level where it was given, and never asked again (clicks
            of this run come on top).
        device: torch device of the network (``"cuda"``: the same decisions as on the CPU,
            ``tests/test_device.py``).
        force: start afresh in an output folder that holds an earlier run's answers.json
            (without it, and unless ``answers`` is that file, such a folder is refused: the
            answers paid for would be lost).
    """

    budget: str | int = "3.3%"
    annotator: str = "oracle"
    half: Half = "all"
    min_conf: float = 0.1
    score_map: str = "none"
    weights: str | Path | None = None
    strategy: str = "hierarchical"
    split: tuple[float, float, float] = DEFAULT_SPLIT  # type: ignore[assignment]
    fit_split: bool = True
    passes: int = 2
    refine_iou: float | None = None
    seed: int = 0
    node_level: bool = True
    smooth_seconds: float | None = None
    stitch_seconds: float | None = None
    cut_iou: float | None = None
    swap_margin: float | None = None
    answers: str | Path | None = None
    device: str = "cpu"
    force: bool = False


@dataclass
class LabelSummary:
    """What a job did: the result, the effort and, with ground truth, the label quality."""

    result: LabelResult
    full_cost: int
    quality: dict[str, dict[str, float]] = field(default_factory=dict)
    effort: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    report: str = ""
    """The text written to ``report.md``."""


def _effort(result: LabelResult, costs: dict[str, int], prior: dict[str, int]) -> dict[str, Any]:
    full = sum(costs.values())

    def block(clicks: int, cost: int, before: int) -> dict[str, Any]:
        return {"clicks": clicks, "prior_clicks": before, "full_cost_clicks": cost,
                "fraction": (clicks + before) / cost if cost else None}  # fmt: skip

    per_seq: dict[str, Any] = {}
    for name, cost in costs.items():
        qs = [q for q in result.queries if q.sequence == name]
        levels: dict[str, int] = {}
        for q in qs:
            levels[str(q.level)] = levels.get(str(q.level), 0) + q.clicks
        per_seq[name] = {**block(sum(q.clicks for q in qs), cost, prior.get(name, 0)),
                         "per_level": levels, "links": result.links_held(name)}  # fmt: skip
    per_level = {str(k): v for k, v in sorted(result.clicks_by("level").items())}
    kinds: dict[str, dict[str, int]] = {}  # question kind -> answer -> count
    for (kind, answer), n in sorted(Counter((q.kind, q.answer) for q in result.queries).items()):
        kinds.setdefault(kind, {})[answer] = n
    before = sum(prior.get(name, 0) for name in costs)
    links = {key: sum(s["links"][key] for s in per_seq.values())
             for key in ("set", "not_held", "contradicted")}  # fmt: skip
    return {**block(result.clicks, full, before), "budget_clicks": result.budget,
            "per_level": per_level, "per_sequence": per_seq, "questions": len(result.queries),
            "answers": kinds, "links": links}  # fmt: skip


def _digest(dets: Detections) -> str:
    """Fingerprint of a candidate table (frames and boxes to 0.01 px): answers name its rows."""
    h = hashlib.sha1(np.ascontiguousarray(dets.frame, np.int64).tobytes())
    h.update(np.round(dets.xywh * 100).astype(np.int64).tobytes())
    return h.hexdigest()[:16]


def _score_digest(dets: Detections) -> str:
    """Fingerprint of the candidates' detector scores (to 1e-4): the model reads them, so
    answers replay exactly only on the same scores."""
    return hashlib.sha1(np.round(dets.score * 1e4).astype(np.int64).tobytes()).hexdigest()[:16]


def load_answers(path: str | Path, tasks: Sequence[LabelTask]
                 ) -> tuple[dict[str, HumanKnowledge], dict[str, int], dict[str, Any]]:  # fmt: skip
    """Answers of an earlier run (its ``answers.json``) for ``tasks``: per sequence the
    knowledge and the clicks it cost, plus the file's entries for other sequences (kept
    as they are when the answers are written again).

    Raises:
        DataFormatError: unreadable file, a malformed entry, or answers given on other
            candidate detections (another det file or other scores, ``--score-map``,
            ``--half`` or ``--min-conf``).

    Warns:
        UserWarning: the file holds answers, but for none of ``tasks`` (nothing is replayed;
            its entries are kept).
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
        if not isinstance(doc, dict):
            raise ValueError("its top level is not a JSON object")
        if doc.get("format", 1) != 1:
            raise ValueError(f"format {doc.get('format')!r}, this version reads format 1")
        if not isinstance(doc["sequences"], dict):
            raise ValueError("'sequences' is not a JSON object")
        entries = dict(doc["sequences"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataFormatError(path, f"not an answers file of spam label ({err})") from None
    prior, clicks = {}, {}
    given = len(entries)
    for t in tasks:
        entry = entries.pop(t.name, None)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise DataFormatError(path, f"{t.name}: an entry must be an object")
        scores = entry.get("scores")  # files written before it was kept have none
        if entry.get("digest") != _digest(t.dets) or scores not in (None, _score_digest(t.dets)):
            msg = (f"answers for {t.name} were given on other candidate detections (det file, "
                   "its scores or --score-map, --half or --min-conf differ)")  # fmt: skip
            raise DataFormatError(path, msg)
        try:
            prior[t.name] = HumanKnowledge.from_dict(entry["knowledge"], t.dets)
            spent = entry.get("clicks", 0)
            if isinstance(spent, bool) or not isinstance(spent, int) or spent < 0:
                raise ValueError(f"clicks must be a whole number >= 0, got {spent!r}")
        except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as err:
            raise DataFormatError(path, f"{t.name}: {err}") from None
        clicks[t.name] = spent
    if given and not prior:
        names = ", ".join(sorted(entries)[:3]) + (", ..." if len(entries) > 3 else "")
        warnings.warn(f"{path}: no answers for the given sequences (it has {names}); they "
                      "are kept in the new answers.json, nothing is replayed",
                      stacklevel=2)  # fmt: skip
    return prior, clicks, entries


def _answers_json(result: LabelResult, tasks: Sequence[LabelTask], prior: dict[str, int],
                  others: dict[str, Any]) -> str:  # fmt: skip
    new = result.clicks_by("sequence")
    seqs = dict(others)
    for t in tasks:
        spent = prior.get(t.name, 0) + new.get(t.name, 0)
        seqs[t.name] = {"digest": _digest(t.dets), "scores": _score_digest(t.dets), "clicks": spent,
                        "knowledge": result.knowledge[t.name].to_dict()}  # fmt: skip
    return json.dumps({"format": 1, "sequences": seqs}) + "\n"


def _questions_csv(result: LabelResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["sequence", "level", "kind", "boxes", "answer", "clicks", "uncertainty",
                "pass"])  # fmt: skip
    for q in result.queries:
        w.writerow([q.sequence, q.level, q.kind, q.boxes, q.answer, q.clicks,
                    f"{q.uncertainty:.4f}", q.round])  # fmt: skip
    return buf.getvalue()


def _provenance_csv(tracks: Tracks) -> str:
    t = tracks.sorted()  # the rows of write_mot: frame, then id
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["frame", "id", "provenance", "human_linked", "det_index"])
    prov = np.asarray(t.data["provenance"])
    det = np.asarray(t.data["det_index"])
    linked = np.asarray(t.data.get("human_linked", np.zeros(len(t), bool)))
    for f, i, p, h, d in zip(t.frame, t.id, prov, linked, det, strict=True):
        w.writerow([int(f), int(i), PROVENANCE_NAMES[Provenance(int(p))], int(h), int(d)])
    return buf.getvalue()


def _count(n: int, word: str) -> str:
    """``"1 click"``, ``"2 clicks"``, ``"2 passes"``."""
    if int(n) == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith('s') else 's'}"


def _unspent(left: int, result: LabelResult, review: bool) -> str:
    """report.md's sentence on the ``left`` clicks a run did not spend: why, and whether a
    top-up (``--answers``) would find questions to spend them on."""
    head = f"{_count(left, 'click')} of the budget {'was' if left == 1 else 'were'} left unspent"
    after = ", and so did the review of tracks and track ends" if review else ""
    if not result.open_levels:
        return (
            f"{head}: every level ran out of uncertain questions{after}. With these "
            "answers nothing is left to ask."
        )
    one = len(result.open_levels) == 1
    levels = ("level " if one else "levels ") + ", ".join(map(str, result.open_levels))
    starved = [lv for lv in result.open_levels
               if lv < len(result.shares) and result.shares[lv] == 0]  # fmt: skip
    text = (
        f"{head}: {levels} still had questions when "
        f"{'its share was' if one else 'their shares were'} spent, and the other levels ran "
        f"out of questions{after}. A top-up run with `--answers` this run's answers.json "
        f"and `--budget {left}` asks them"
    )
    if starved:
        text += (
            f"; give level {', '.join(map(str, starved))} a share with `--split` (this "
            "run's split gave none)"
        )
    return text + "."


def _report(summary: LabelSummary, job: LabelJob) -> str:
    e = summary.effort
    frac = f"{100 * e['fraction']:.2f} %" if e["fraction"] is not None else "n/a"
    lines = [
        "# spam label report", "",
        f"Budget {job.budget} = {_count(e['budget_clicks'], 'click')}; spent "
        f"{_count(e['clicks'], 'click')}"
        + (f" (+ {e['prior_clicks']} in earlier answers)" if e["prior_clicks"] else "")
        + f" ({frac} of the full manual cost, {e['full_cost_clicks']} clicks) on "
        f"{_count(e['questions'], 'question')} ({job.annotator} annotator, {job.strategy} "
        f"selection, {_count(summary.result.passes, 'pass')} over the hierarchy).", "",
        "| sequence | boxes | pseudo | human-accepted | human-refined | interpolated "
        "| human-linked | clicks (+ earlier) | effort (all clicks) | HOTA | MOTA | IDF1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name, tracks in summary.result.tracks.items():
        prov = np.asarray(tracks.data["provenance"])
        kinds = (Provenance.PSEUDO, Provenance.HUMAN_ACCEPTED, Provenance.HUMAN_REFINED,
                 Provenance.INTERPOLATED)  # fmt: skip
        counts = [int((prov == c).sum()) for c in kinds]
        counts.append(int(np.asarray(tracks.data["human_linked"]).sum()))
        s = e["per_sequence"][name]
        q = summary.quality.get(name, {})
        metrics = [f"{q[m]:.1f}" if m in q else "-" for m in ("HOTA", "MOTA", "IDF1")]
        eff = f"{100 * s['fraction']:.2f} %" if s["fraction"] is not None else "-"
        spent = f"{s['clicks']}" + (f" (+ {s['prior_clicks']})" if s["prior_clicks"] else "")
        lines.append(f"| {name} | {len(tracks)} | " + " | ".join(map(str, counts))
                     + f" | {spent} | {eff} | " + " | ".join(metrics) + " |")  # fmt: skip
    if "COMBINED" in summary.quality:
        c = summary.quality["COMBINED"]
        lines += ["", f"Combined: HOTA {c['HOTA']:.1f}, MOTA {c['MOTA']:.1f}, "
                      f"IDF1 {c['IDF1']:.1f}."]  # fmt: skip
    per_level = ", ".join(f"{k}: {v}" for k, v in e["per_level"].items()) or "none"
    lines += [
        "",
        f"Clicks per level (0 = GNN_node; one past the last edge level = the review "
        f"of whole final tracks): {per_level}",
    ]
    left = int(e["budget_clicks"]) - int(e["clicks"])
    if left > 0:
        lines += ["", _unspent(left, summary.result, job.strategy == "hierarchical")]
    links = e["links"]
    if links["not_held"]:  # answers the labels do not show: worth a look in the app
        lines += ["", f"Links set by the annotator: {links['set']}; the labels keep all but "
                      f"{links['not_held']} ({links['contradicted']} of them share a box with "
                      "another link on the same side, e.g. two tracklets of one person at the "
                      "same time linked to one box: one of the two is kept)."]  # fmt: skip
    return "\n".join(lines) + "\n"


@dataclass
class LabelInputs:
    """What a labelling run with the oracle needs, per sequence (keyed by sequence name).

    Attributes:
        tasks: the candidate detections to label.
        truth: their ground-truth identities and boxes (the oracle's knowledge).
        gts: ``(ground truth, number of frames)`` for evaluation.
        costs: full manual cost in clicks (:func:`spamlabels.active.full_cost`).
    """

    tasks: list[LabelTask]
    truth: dict[str, SequenceTruth]
    gts: dict[str, tuple[Tracks, int]]
    costs: dict[str, int]

    @property
    def full_cost(self) -> int:
        """Full manual cost of all sequences."""
        return sum(self.costs.values())

    def evaluate(self, tracks: Mapping[str, Tracks]) -> EvalResult:
        """Score labels (per sequence name) against these sequences' ground truth."""
        return evaluate({name: (self.gts[name][0], t, self.gts[name][1])
                         for name, t in tracks.items()})  # fmt: skip


def _candidates(seq: MOTSequence, half: Half, min_conf: float, score_map: str = "none"
                ) -> Detections:  # fmt: skip
    """The candidates of ``seq`` (``half``, scores mapped by ``score_map``, confidence >=
    ``min_conf``), with a warning for
    what would be labelled wrongly without a word: scores that are not probabilities, none
    left above ``min_conf``, rows repeating another exactly, boxes outside the image."""
    dets = seq.det(half, score_map=score_map)
    warn_unless_probabilities(dets.score, seq.det_path)
    if len(dets) and not (dets.score >= min_conf).any():
        warnings.warn(f"{seq.det_path}: no candidate is at least {min_conf:g} confident "
                      f"(the highest score is {dets.score.max():.3g}); nothing to label",
                      stacklevel=2)  # fmt: skip
    dets = dets[dets.score >= min_conf]
    key = np.column_stack([dets.frame, dets.xywh])
    repeats = len(key) - len(np.unique(key, axis=0)) if len(key) else 0
    if repeats:  # a second box on one object: the model tracks it as a second object
        warnings.warn(f"{seq.det_path}: {repeats} candidate rows repeat another row "
                      "exactly (same frame and box); each is labelled as its own object "
                      "(remove the copies)", stacklevel=2)  # fmt: skip
    width, height = seq.info.im_width, seq.info.im_height
    x, y, w, h = dets.xywh.T  # MOT pixels are 1-based: the image spans [1, W + 1)
    outside = int(np.count_nonzero((x + w <= 1) | (y + h <= 1) | (x >= width + 1)
                                   | (y >= height + 1)))  # fmt: skip
    if outside:  # no ground-truth box can match them: only questions and false positives
        boxes = "box lies" if outside == 1 else "boxes lie"
        warnings.warn(f"{seq.det_path}: {outside} candidate {boxes} entirely outside "
                      f"the {width}x{height} image of seqinfo.ini; they are labelled like "
                      "the others (check the image size or remove them)",
                      stacklevel=2)  # fmt: skip
    return dets


def load_label_inputs(seqs: Sequence[MOTSequence], half: Half = "all",
                      min_conf: float = 0.1, score_map: str = "none") -> LabelInputs:  # fmt: skip
    """Candidates (``det/det.txt`` of ``half``, scores mapped by ``score_map``, confidence >=
    ``min_conf``) and ground truth of each sequence. Raises :class:`DataFormatError` for a
    sequence without ``gt/gt.txt``."""
    out = LabelInputs([], {}, {}, {})
    for seq in seqs:
        if not seq.has_gt:
            raise DataFormatError(seq.gt_path, "the oracle annotator needs ground truth "
                                               "(no gt/gt.txt)")  # fmt: skip
        dets = _candidates(seq, half, min_conf, score_map)
        n = seq.length(half)
        gt = seq.gt(half)
        out.truth[seq.name] = SequenceTruth.from_ground_truth(dets, gt)
        out.gts[seq.name] = (gt, n)
        out.costs[seq.name] = full_cost(gt)
        out.tasks.append(LabelTask(seq.name, dets, n, seq.info.frame_rate,
                                   (seq.info.im_width, seq.info.im_height)))  # fmt: skip
    return out


def run_label_job(
    seq_dirs: Sequence[str | Path], out_dir: str | Path, job: LabelJob = LabelJob(),
    progress: bool = True,
) -> LabelSummary:  # fmt: skip
    """Label the sequences in ``seq_dirs`` and write the outputs (module docstring) to
    ``out_dir``.

    Raises: as :func:`check_label_job`, before any labelling.
    """
    p = check_label_job(seq_dirs, out_dir, job)
    inputs, clicks, prior, prior_clicks = p.inputs, p.clicks, p.prior, p.prior_clicks
    tasks, truth, costs, full = inputs.tasks, inputs.truth, inputs.costs, inputs.full_cost
    kwargs: dict[str, Any] = {"node_level": job.node_level, "device": job.device}
    post = {"smooth_seconds": job.smooth_seconds, "stitch_seconds": job.stitch_seconds,
            "cut_iou": job.cut_iou, "swap_margin": job.swap_margin}  # fmt: skip
    kwargs.update({k: v for k, v in post.items() if v is not None})
    tracker = SpamTracker(job.weights, **kwargs) if job.weights else SpamTracker(**kwargs)
    annotator = OracleAnnotator(truth, refine_iou=job.refine_iou)
    result = label_sequences(tasks, annotator, clicks, tracker=tracker, strategy=job.strategy,
                             split=job.split, seed=job.seed, progress=progress,
                             prior=prior, fit_split=job.fit_split,
                             passes=job.passes)  # fmt: skip
    summary = LabelSummary(result, full)
    summary.effort = _effort(result, costs, prior_clicks)
    table = inputs.evaluate(result.tracks).table
    summary.quality = {k: {m: float(v[m]) for m in ("HOTA", "DetA", "AssA", "MOTA", "IDF1")}
                       for k, v in table.items()}  # fmt: skip
    summary.effort["quality"] = summary.quality.get("COMBINED")
    summary.effort["settings"] = {
        "budget": job.budget if isinstance(job.budget, str) else int(job.budget),
        "annotator": job.annotator, "half": job.half,
        "min_conf": job.min_conf, "score_map": job.score_map, "strategy": job.strategy,
        # the split given, normalised (fitted per level from it: clicks in per_level)
        "split": [v / sum(job.split) for v in job.split],
        "fit_split": job.fit_split, "passes": job.passes, "refine_iou": job.refine_iou,
        "node_level": job.node_level,
        "smooth_seconds": tracker.config.smooth_seconds,
        "stitch_seconds": tracker.config.stitch_seconds,
        "cut_iou": tracker.config.cut_iou,
        "swap_margin": tracker.config.swap_margin,
        "weights": str(job.weights) if job.weights else "shipped",
        # what the weights were trained from (a self-training run's recipe, sequences, teacher)
        "weights_source": read_checkpoint_meta(job.weights or DEFAULT_WEIGHTS).get("source"),
        "answers": str(job.answers) if job.answers else None,
    }  # fmt: skip
    # ---- everything computed: write all files into a staging folder, then move them in
    out = Path(out_dir)
    texts = {f"{name}.provenance.csv": _provenance_csv(t) for name, t in result.tracks.items()}
    texts["effort.json"] = json.dumps(summary.effort, indent=2) + "\n"
    texts["answers.json"] = _answers_json(result, tasks, prior_clicks, p.others)
    texts["questions.csv"] = _questions_csv(result)
    summary.report = texts["report.md"] = _report(summary, job)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".spam-label.", dir=out))
    try:
        staged = [write_mot(staging / f"{name}.txt", t, kind="tracks")
                  for name, t in result.tracks.items()]  # fmt: skip
        for fname, text in texts.items():
            with atomic_write(staging / fname) as fh:
                fh.write(text)
            staged.append(staging / fname)
        # the answers first: once paid for, they are never lost to a failure after this
        staged.sort(key=lambda f: f.name != "answers.json")
        for f in staged:
            os.replace(f, out / f.name)
            summary.files.append(out / f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


@dataclass
class PreparedLabelJob:
    """A checked labelling job (:func:`check_label_job`): its inputs, its budget in clicks,
    and the earlier answers (per sequence, with the clicks they cost, and the answers file's
    entries for sequences not given, kept as they are)."""

    inputs: LabelInputs
    clicks: int
    prior: dict[str, HumanKnowledge]
    prior_clicks: dict[str, int]
    others: dict[str, Any]


def _check_out_dir(out: Path, names: Sequence[str], inputs: Sequence[Path] = (),
                   answers: str | Path | None = None, force: bool = False) -> None:  # fmt: skip
    """Raise :class:`ValueError` if ``out`` cannot become the output folder of sequences
    ``names`` (a file, under a folder this process cannot write to, holding a folder where
    an output goes, an output that is one of the ``inputs`` files, or an ``answers.json`` of
    an earlier run that ``answers`` does not build on: its paid answers would be lost),
    before any work is done."""
    try:
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out}: exists and is not a folder")
        base = out
        while not base.exists():  # the nearest folder that exists: the rest is created there
            base = base.parent
    except OSError as err:  # e.g. a parent folder this process may not look into
        raise ValueError(f"--out {out}: {err.strerror or err}") from None
    if not base.is_dir() or not os.access(base, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: cannot write into {base}")
    outputs = [f"{n}{ext}" for n in names for ext in (".txt", ".provenance.csv")]
    for f in [*outputs, "effort.json", "answers.json", "questions.csv", "report.md"]:
        if (out / f).is_dir():  # a folder holds an output's name: it cannot be written
            raise ValueError(f"--out {out}: {f} is a folder")
        if (out / f).is_file() and any(p.is_file() and os.path.samefile(out / f, p)
                                       for p in inputs):  # fmt: skip
            raise ValueError(f"--out {out}: {f} is an input of this run and would be "
                             "overwritten")  # fmt: skip
    held = out / "answers.json"
    if held.is_file() and not force and not (answers is not None and Path(answers).is_file()
                                             and os.path.samefile(held, answers)):  # fmt: skip
        raise ValueError(f"--out {out}: holds the answers.json of an earlier run; build on it "
                         f"with --answers {held}, replace it with --force, or write to "
                         "another folder")  # fmt: skip


def check_label_job(seq_dirs: Sequence[str | Path], out_dir: str | Path,
                    job: LabelJob = LabelJob()) -> PreparedLabelJob:  # fmt: skip
    """Every check of :func:`run_label_job` that needs no model: the annotator, strategy,
    split and weights file, the output folder, the sequence folders and their files, the
    budget, the answers file and its fingerprint.
    Cheap (reads the det and gt files); ``spam label --selftrain`` calls it before it trains.

    Raises:
        DataFormatError: a folder is not a sequence, a file in it is malformed, the oracle
            annotator is asked for a sequence without ``gt/gt.txt``, or the answers file is
            malformed or was given on other candidates.
        ValueError: a malformed budget, split or number of passes, an unknown annotator or
            strategy, or an unusable ``out_dir``.
    """
    if job.annotator != "oracle":
        raise ValueError(f"unknown annotator {job.annotator!r} (available: oracle)")
    if not np.isfinite(job.min_conf):
        raise ValueError(f"min_conf must be a finite number, got {job.min_conf!r}")
    check_score_map(job.score_map)
    if job.strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {job.strategy!r} (available: {', '.join(STRATEGIES)})")
    check_split(job.split)
    check_passes(job.passes)
    if job.weights is not None and not Path(job.weights).is_file():
        raise DataFormatError(job.weights, "no such weights file")
    if isinstance(seq_dirs, str | Path):  # one folder would be read as its characters
        raise ValueError(f"seq_dirs is a list of sequence folders, got the one path {seq_dirs!r}")
    if not seq_dirs:
        raise ValueError("no sequence folders given")
    seqs = [MOTSequence.open(p) for p in seq_dirs]
    names = [s.name for s in seqs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise DataFormatError(seq_dirs[names.index(sorted(dup)[0])],
                              f"sequence name {sorted(dup)[0]!r} given twice")  # fmt: skip
    real = [s.root.resolve() for s in seqs]
    for i, r in enumerate(real):
        if real.index(r) != i:  # the same folder under another path (a link, "x/..")
            raise DataFormatError(seq_dirs[i], f"the same folder as {seq_dirs[real.index(r)]}")
    reads = [p for q in seqs for p in q.input_files]
    _check_out_dir(Path(out_dir), names, reads, job.answers, job.force)
    inputs = load_label_inputs(seqs, job.half, job.min_conf, job.score_map)
    budget = job.budget
    if not isinstance(budget, str):  # clicks given as a number
        if isinstance(budget, bool) or not isinstance(budget, int | np.integer):
            raise ValueError(f"budget {budget!r}: expected a whole number of clicks (500) "
                             "or a percentage ('3.3%')")  # fmt: skip
        budget = str(int(budget))
    clicks = parse_budget(budget, inputs.full_cost)
    prior, prior_clicks, others = ({}, {}, {}) if job.answers is None else load_answers(
        job.answers, inputs.tasks)  # fmt: skip
    return PreparedLabelJob(inputs, clicks, prior, prior_clicks, others)
