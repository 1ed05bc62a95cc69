"""Training the GNN hierarchy (GNN_node + GNN_edge levels) on sequences with ground truth.

Design notes §1.10, §1.13, §3.3: labels from ground truth (detections matched per frame by
Hungarian at IoU >= 0.5; majority ids for tracklets; the closest same-id neighbour edges are
positive; GNN_node: matched detections are true), focal loss with gamma = 1 summed over the
classified message-passing steps, Adam (lr 3e-4, weight decay 1e-4), batches of clips, and a
level-by-level curriculum: level 0 alone at first, one more level every ``level_unlock``
iterations. Deeper levels are trained on the hierarchy the model itself builds (its own
rounded decisions), so they see realistic errors. No gradient crosses levels.

Clips are sampled at random (sequence, start frame) with ``clip_length`` frames; every clip
of a batch goes through the same level at the same time, and the graphs of one level are
batched into one disjoint union for a single forward pass.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import DataFormatError, Detections, Tracks
from spamlabels.graph import ClipHierarchy, HierarchyConfig, LevelGraph, assign_gt_ids

__all__ = [
    "TrainConfig",
    "TrainSequence",
    "Trainer",
    "TrainingDiverged",
    "make_train_sequence",
    "training_log",
]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :class:`Trainer` (defaults: the paper / SUSHI where they exist)."""

    iterations: int = 2000
    """Optimiser steps."""
    batch_size: int = 4
    """Clips per step (paper: 4 graphs)."""
    clip_length: int = 128
    """Frames per training clip; the deepest trained level covers ``clip_length`` frames."""
    long_clip_every: int = 0
    """Every n-th step (once the curriculum has reached them) trains the levels that cover
    more than ``clip_length`` frames on clips as long as the last level's coverage (512):
    the lower levels are then built by the model without gradients; 0 = never."""
    lr: float = 3e-4
    weight_decay: float = 1e-4
    gamma: float = 1.0
    """Focal-loss focusing parameter (SUSHI: 1)."""
    level_unlock: int = 150
    """Steps before each further level joins the curriculum (SUSHI: 500)."""
    node_edge_weight: float = 0.5
    """Weight of GNN_node's auxiliary edge loss."""
    min_conf: float = 0.01
    """Detections below this confidence are not used."""
    appearance_dropout: float = 0.5
    """Probability that a training clip is built without its re-ID embeddings (when the
    sequence has any), so that one model serves sequences with and without them."""
    cut_links: float = 0.0
    """Fragment augmentation: when a level's decisions build the next level, each edge the
    model would take (p at least the level's edge threshold) is cut with this probability, so
    the levels above also see the easy, short-gap links that a lower level missed (on real
    data the lower levels leave such fragments, and the deep levels trained without them are
    reluctant to join them)."""
    seed: int = 0
    log_every: int = 25
    checkpoint_every: int = 250

    def __post_init__(self) -> None:
        for name in ("iterations", "batch_size", "level_unlock", "log_every", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.clip_length < 2:  # a clip of one frame has no edge to learn from
            raise ValueError(f"clip_length must be >= 2, got {self.clip_length}")
        for name in ("long_clip_every", "seed"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be a finite number >= 0, got {self.weight_decay}")
        if not math.isfinite(self.min_conf):
            raise ValueError(f"min_conf must be a finite number, got {self.min_conf}")
        if not 0.0 <= self.appearance_dropout <= 1.0:
            raise ValueError(f"appearance_dropout must be in [0, 1], got {self.appearance_dropout}")
        if not 0.0 <= self.cut_links < 1.0:
            raise ValueError(f"cut_links must be in [0, 1), got {self.cut_links}")


def training_log(checkpoint: str | Path) -> Path:
    """The JSON-lines log :meth:`Trainer.fit` appends to next to ``checkpoint``."""
    return Path(f"{checkpoint}.log.jsonl")


def _log_step(line: str) -> float:
    """The step of a training-log line (infinite for a line cut short by an interruption)."""
    try:
        return float(json.loads(line).get("step", 0))
    except (ValueError, AttributeError):
        return float("inf")


class TrainingDiverged(ArithmeticError):
    """The training loss became NaN or infinite (:meth:`Trainer.fit` stops; the checkpoint
    file keeps the last weights written before)."""


@dataclass
class TrainSequence:
    """A sequence prepared for training: candidate detections with their ground-truth ids."""

    name: str
    dets: Detections
    gt_id: NDArray[np.int64]
    fps: float
    image_size: tuple[int, int]
    n_frames: int


def make_train_sequence(
    name: str, dets: Detections, gt: Tracks, fps: float, image_size: tuple[int, int],
    n_frames: int, min_conf: float = 0.01,
) -> TrainSequence:  # fmt: skip
    """Keep detections with ``score >= min_conf`` and assign them ground-truth ids."""
    dets = dets[dets.score >= min_conf]
    return TrainSequence(name, dets, assign_gt_ids(dets, gt), fps, image_size, n_frames)


def _steps_loss(logits: Sequence[Any], target: Any, gamma: float) -> Any:
    """Focal loss summed over the classified message-passing steps (SUSHI: steps 2..12)."""
    import torch

    from spamlabels.nn import focal_loss

    return torch.stack([focal_loss(lg, target, gamma) for lg in logits]).sum()


@dataclass
class _Batch:
    x: Any
    edge_index: Any
    edge_attr: Any
    node_label: Any
    edge_label: Any
    node_sizes: list[int]
    edge_sizes: list[int]


def _collate(graphs: Sequence[LevelGraph]) -> _Batch:
    import torch

    offsets = np.cumsum([0] + [g.num_nodes for g in graphs[:-1]])
    x = np.concatenate([g.x for g in graphs])
    ei = np.concatenate([g.edge_index + o for g, o in zip(graphs, offsets, strict=True)], axis=1)
    ea = np.concatenate([g.edge_attr for g in graphs])
    el = np.concatenate([g.edge_label for g in graphs if g.edge_label is not None])
    nl = None
    if graphs[0].node_label is not None:
        nl = torch.from_numpy(np.concatenate([g.node_label for g in graphs]))  # type: ignore[misc]
    return _Batch(
        torch.from_numpy(x), torch.from_numpy(ei), torch.from_numpy(ea), nl,
        torch.from_numpy(el), [g.num_nodes for g in graphs], [g.num_edges for g in graphs],
    )  # fmt: skip


@dataclass
class Trainer:
    """Train a :class:`spamlabels.nn.HierarchicalGNN` on :class:`TrainSequence` s.

    Args:
        model: the network (modified in place).
        sequences: training data.
        config: hyper-parameters.
        hierarchy: graph settings (coverages, window of GNN_node).
    """

    model: Any
    sequences: list[TrainSequence]
    config: TrainConfig = field(default_factory=TrainConfig)
    hierarchy: HierarchyConfig = field(default_factory=HierarchyConfig)
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        import torch

        if not self.sequences:
            raise ValueError("no training sequences")
        self.rng = np.random.default_rng(self.config.seed)
        # its own stream, so that runs with and without link cuts sample the same clips
        self._cut_rng = np.random.default_rng([self.config.seed, 1])
        torch.manual_seed(self.config.seed)
        self._window: list[dict[str, float]] = []  # steps since the last log line
        self._seconds = 0.0  # training time so far (the log's "seconds")
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.config.lr,
                                          weight_decay=self.config.weight_decay)  # fmt: skip
        weights = np.array([max(s.n_frames, 1) for s in self.sequences], np.float64)
        self._seq_p = weights / weights.sum()

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, Any]:
        """What continues this run exactly from a checkpoint: the step, the history, the
        optimiser's state and every random generator's (:meth:`load_state`)."""
        import torch

        return {"step": self.step, "history": list(self.history),
                "window": [dict(s) for s in self._window], "seconds": self._seconds,
                "optimizer": self.optimizer.state_dict(),
                "rng": self.rng.bit_generator.state,
                "cut_rng": self._cut_rng.bit_generator.state,
                "torch_rng": torch.get_rng_state()}  # fmt: skip

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state` of a run of the same model, data and config."""
        import torch

        self.step = int(state["step"])
        self.history = list(state["history"])
        self._window[:] = [dict(s) for s in state["window"]]
        self._seconds = float(state["seconds"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        self._cut_rng.bit_generator.state = state["cut_rng"]
        torch.set_rng_state(state["torch_rng"])

    def resume(self, checkpoint: str | Path) -> bool:
        """Continue from ``checkpoint`` (written by :meth:`fit` of a run of the same data and
        config): its weights and, for a run cut short, the optimiser's and the random
        generators' state, so that the run ends as if never stopped (older checkpoints
        without that state: from their step, with a fresh optimiser). The lines of
        ``<checkpoint>.log.jsonl`` past its step are dropped (those steps run again).
        Returns whether the run continues exactly (the checkpoint held the state)."""
        from spamlabels.io import atomic_write
        from spamlabels.nn import load_checkpoint, read_checkpoint_meta, read_trainer_state

        self.model = load_checkpoint(checkpoint)
        self.__post_init__()  # an optimiser over the loaded weights
        state = read_trainer_state(checkpoint)
        if state is not None:
            try:
                self.load_state(state)
            except (KeyError, TypeError, ValueError, RuntimeError) as err:  # damaged by hand
                raise DataFormatError(checkpoint, "its trainer state cannot be read "
                                      f"({err.__class__.__name__}: {err}); start afresh "
                                      "(--force)") from None  # fmt: skip
        else:
            self.step = int(read_checkpoint_meta(checkpoint).get("step", 0))
        log = training_log(checkpoint)
        if log.is_file():
            lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
            with atomic_write(log) as fh:
                fh.write("".join(x for x in lines if _log_step(x) <= self.step))
        return state is not None

    # ------------------------------------------------------------------ sampling
    def _sample_clip(self, length: int) -> ClipHierarchy | None:
        seq = self.sequences[int(self.rng.choice(len(self.sequences), p=self._seq_p))]
        length = min(length, seq.n_frames)
        first = int(self.rng.integers(1, seq.n_frames - length + 2))
        rows = np.flatnonzero((seq.dets.frame >= first) & (seq.dets.frame < first + length))
        if len(rows) < 2:
            return None
        emb = seq.dets.data.get("embedding")
        if emb is not None and self.rng.uniform() < self.config.appearance_dropout:
            emb = None
        return ClipHierarchy(
            seq.dets.frame[rows], seq.dets.xywh[rows], seq.dets.score[rows], seq.fps,
            seq.image_size, emb=None if emb is None else np.asarray(emb)[rows],
            gt_id=seq.gt_id[rows], config=self.hierarchy,
        )  # fmt: skip

    def active_levels(self) -> int:
        """Edge levels trained at the current step (the node level always is)."""
        return min(self.step // self.config.level_unlock, len(self.hierarchy.coverages))

    def _apply_edges(self, clip: ClipHierarchy, graph: LevelGraph, p: NDArray[np.float64]) -> None:
        """Round ``graph``'s edges into the next level, cutting links (``cut_links``)."""
        q = self.config.cut_links
        forced = None
        if q > 0 and len(p):
            taken = p >= clip.config.edge_threshold_at(graph.level)
            cut = taken & (self._cut_rng.uniform(size=len(p)) < q)
            if cut.any():
                forced = np.where(cut, -1, 0).astype(np.int8)
        clip.apply_edge_probs(graph, p, forced)

    # ------------------------------------------------------------------ one step
    def train_step(self) -> dict[str, float]:
        """One optimiser step on a fresh batch; returns the losses and diagnostics."""
        import torch

        cfg = self.config
        levels = self.active_levels()
        # levels whose windows fit in a normal clip are trained on normal clips
        short_levels = sum(1 for c in self.hierarchy.coverages if c <= cfg.clip_length)
        long = (
            cfg.long_clip_every > 0
            and self.step % cfg.long_clip_every == cfg.long_clip_every - 1
            and levels > short_levels
        )
        # a long step builds the lower levels without gradients (the model's own decisions)
        # and trains only the levels that need more than clip_length frames
        trained_from = short_levels + 1 if long else 0
        length = self.hierarchy.coverages[-1] if long else cfg.clip_length
        clips = [c for c in (self._sample_clip(length) for _ in range(cfg.batch_size)) if c]
        self.model.train()
        self.optimizer.zero_grad()
        total = torch.zeros(())
        stats: dict[str, float] = {}
        graphs = [c.node_graph() for c in clips]
        batch = _collate(graphs)
        with torch.set_grad_enabled(not long):
            out = self.model(0, batch.x, batch.edge_index, batch.edge_attr)
        with torch.no_grad():
            p_node = torch.sigmoid(out.node_logits[-1]).double().numpy()
        if not long:
            node_loss = _steps_loss(out.node_logits, batch.node_label, cfg.gamma)
            edge_loss = _steps_loss(out.edge_logits, batch.edge_label, cfg.gamma)
            total = total + node_loss + cfg.node_edge_weight * edge_loss
            stats["node_loss"] = float(node_loss.detach())
            stats["node_acc"] = float(((p_node >= 0.5) == (batch.node_label.numpy() > 0.5)).mean())
        for c, g, p in zip(
            clips, graphs, np.split(p_node, np.cumsum(batch.node_sizes)[:-1]), strict=True
        ):
            c.apply_node_probs(g, p)
        for level in range(1, levels + 1):
            live = [c for c in clips if not c.done() and c.level == level]
            if not live:
                break
            graphs = [c.edge_graph() for c in live]
            batch = _collate(graphs)
            if sum(batch.edge_sizes) == 0:
                for c, g in zip(live, graphs, strict=True):
                    c.apply_edge_probs(g, np.zeros(0))
                continue
            with torch.set_grad_enabled(level >= trained_from):
                out = self.model(level, batch.x, batch.edge_index, batch.edge_attr)
            with torch.no_grad():
                p = torch.sigmoid(out.edge_logits[-1]).double().numpy()
            if level >= trained_from:
                loss = _steps_loss(out.edge_logits, batch.edge_label, cfg.gamma)
                total = total + loss
                with torch.no_grad():
                    lab = batch.edge_label.numpy() > 0.5
                    stats[f"l{level}_loss"] = float(loss.detach())
                    tp = float(((p >= 0.5) & lab).sum())
                    stats[f"l{level}_f1"] = 2 * tp / max(float((p >= 0.5).sum() + lab.sum()), 1.0)
            for c, g, pe in zip(
                live, graphs, np.split(p, np.cumsum(batch.edge_sizes)[:-1]), strict=True
            ):
                self._apply_edges(c, g, pe)
        if total.requires_grad:
            total.backward()
            self.optimizer.step()
        self.step += 1
        stats["loss"] = float(total.detach())
        stats["levels"] = float(levels)
        stats["long"] = float(long)
        return stats

    # ------------------------------------------------------------------ loop
    def fit(
        self,
        checkpoint: str | Path | None = None,
        meta: dict[str, Any] | None = None,
        progress: bool = True,
        callback: Callable[[Trainer, dict[str, float]], None] | None = None,
    ) -> list[dict[str, float]]:
        """Train until ``config.iterations`` steps; save ``checkpoint`` every
        ``checkpoint_every`` steps and at the end (atomically), and append one JSON line per
        ``log_every`` steps to ``<checkpoint>.log.jsonl``."""
        from tqdm import tqdm

        from spamlabels.nn import save_checkpoint

        cfg = self.config
        log_path = training_log(checkpoint) if checkpoint else None
        bar = tqdm(total=cfg.iterations, initial=self.step, desc="train", disable=not progress)
        window = self._window  # the steps since the last log line (kept across a resume)
        t0 = time.perf_counter() - self._seconds
        while self.step < cfg.iterations:
            stats = self.train_step()
            if not math.isfinite(stats.get("loss", 0.0)):  # the weights are ruined from here
                bar.close()
                raise TrainingDiverged(f"training diverged at step {self.step}: loss "
                                       f"{stats['loss']}")  # fmt: skip
            window.append(stats)
            bar.update(1)
            if self.step % cfg.log_every == 0 or self.step == cfg.iterations:
                keys = sorted({k for s in window for k in s})
                mean = {k: float(np.mean([s[k] for s in window if k in s])) for k in keys}
                mean.update(step=float(self.step), seconds=time.perf_counter() - t0)
                window.clear()
                self.history.append(mean)
                bar.set_postfix(loss=f"{mean['loss']:.3f}", levels=int(mean["levels"]))
                if log_path is not None:
                    with open(log_path, "a", encoding="utf-8") as fh:
                        fh.write(json.dumps(mean) + "\n")
                if callback is not None:
                    callback(self, mean)
            done = self.step == cfg.iterations
            self._seconds = time.perf_counter() - t0
            if checkpoint and (self.step % cfg.checkpoint_every == 0 or done):
                save_checkpoint(checkpoint, self.model, meta={
                    **(meta or {}), "train_config": asdict(cfg), "step": self.step,
                    "hierarchy": asdict(self.hierarchy),
                    "history": self.history[-1:] if self.history else [],
                }, trainer_state=None if done else self.state())  # fmt: skip
        bar.close()
        return self.history
