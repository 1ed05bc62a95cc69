"""The time-aware message passing network (MPN) of SUSHI / MPNTrack and SPAM's level stack.

References: Brasó & Leal-Taixé, "Learning a Neural Solver for Multiple Object Tracking" (CVPR
2020, dvl-tum/mot_neural_solver); Cetintas et al., "Unifying Short and Long-Term Tracking with
Graph Hierarchies" (SUSHI, CVPR 2023, dvl-tum/SUSHI ``src/models/mpntrack.py``,
``src/models/hiclnet.py``); Cetintas et al., "SPAMming Labels" (SPAM, ECCV 2024). Layer sizes
follow ``configs/mpntrack_cfg.yaml`` of SUSHI (design notes §1.9); the node level (GNN_node) is
our proposal (design notes §3.3). Written from the design notes, no code copied.

One message-passing step on a graph whose edges point from the earlier node (``src``) to the
later node (``dst``)::

    edge update   e   <- MLP_e([x_src, x_dst, e_0, e])                    (2n + 2d -> 80 -> d)
    past msgs     m_p = MLP_past([x_src, e])   summed at dst             (n + d -> 56 -> n)
    future msgs   m_f = MLP_future([x_dst, e]) summed at src             (n + d -> 56 -> n)
    node update   x_v <- MLP_x([sum m_p, sum m_f])                        (2n -> n)

with ``n = node_dim``, ``d = edge_dim`` and ``e_0`` the encoded input edge (plus the level
embedding). The node's own previous state is not an input of its update (as in SUSHI), except
that a node without any incident edge keeps its state (SUSHI would collapse it to a constant;
this changes no edge output and lets GNN_node score isolated detections from their features).

Speed (CPU first, device-agnostic, no Python loop over nodes or edges): the first Linear of
every edge-wise MLP is split by input block, so the node blocks are projected once per node
and gathered per edge (one ``index_select`` per endpoint serves all three edge-wise MLPs)
instead of multiplying gathered node states per edge; this is the same layer (one
``nn.Linear`` over the concatenation) at about a third of the edge-wise multiply-adds. Edges
are processed in chunks (``TimeAwareMessagePassing.chunk_size``) so the 80- and 56-wide
per-edge intermediates stay in cache and never need fresh 100 MB buffers.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "HierarchicalGNN",
    "MPNConfig",
    "MPNOutput",
    "NodeProjections",
    "TimeAwareMPN",
    "TimeAwareMessagePassing",
    "focal_loss",
]

# Hidden widths of SUSHI's configs/mpntrack_cfg.yaml (design notes §1.9).
EDGE_ENCODER_HIDDEN: tuple[int, ...] = (18, 18)
NODE_ENCODER_HIDDEN: tuple[int, ...] = (32,)
EDGE_UPDATE_HIDDEN = 80
MESSAGE_HIDDEN = 56
CLASSIFIER_HIDDEN = 8

ShareMode = Literal["all_but_first", "all"]


@dataclass(frozen=True)
class MPNConfig:
    """Sizes and options of one :class:`TimeAwareMPN`; defaults are SUSHI's widths."""

    node_in: int = 6
    """Node input features per node, e.g. ``(t, x, y, h, w, conf)``."""
    edge_in: int = 8
    """Edge input features per edge (the order the graph builder writes them in)."""
    node_dim: int = 32
    """Width of the node states. Larger gives more capacity to the node head and the messages
    at quadratic cost in the node-update MLPs."""
    edge_dim: int = 16
    """Width of the edge states (and of the level embedding)."""
    steps: int = 12
    """Message-passing steps. Each step widens every node's receptive field by one hop; more
    steps cost linearly more time and (when training) memory."""
    class_steps: int = 11
    """The classifier(s) run after each of the last ``class_steps`` steps (1 <= class_steps <=
    steps); training sums the loss over them, inference uses the last."""
    node_head: bool = False
    """Add a node classifier (GNN_node: true vs false positive detection)."""
    num_levels: int = 1
    """Rows of the learned level embedding added to every encoded edge; 0 or 1 means no
    embedding (then only level 0 is accepted)."""
    dropout: float = 0.0
    """Dropout after every ReLU (training only; not after the logits); SUSHI uses 0."""

    def __post_init__(self) -> None:
        for name in ("node_in", "edge_in", "node_dim", "edge_dim", "steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"MPNConfig.{name} must be a positive int, got {value!r}")
        if not isinstance(self.class_steps, int) or not 1 <= self.class_steps <= self.steps:
            raise ValueError(
                f"MPNConfig.class_steps must be in [1, steps={self.steps}], "
                f"got {self.class_steps!r}"
            )
        if not isinstance(self.num_levels, int) or self.num_levels < 0:
            raise ValueError(f"MPNConfig.num_levels must be an int >= 0, got {self.num_levels!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"MPNConfig.dropout must be in [0, 1), got {self.dropout!r}")

    @property
    def has_level_embedding(self) -> bool:
        """Whether the network owns a level embedding table (``num_levels >= 2``)."""
        return self.num_levels >= 2


@dataclass
class MPNOutput:
    """Logits of one :class:`TimeAwareMPN` forward pass.

    Attributes:
        edge_logits: ``class_steps`` tensors of shape ``(E,)``, one per classified step in step
            order; the last one is the prediction.
        node_logits: ``class_steps`` tensors of shape ``(N,)`` when the net has a node head,
            else ``None``.
    """

    edge_logits: list[Tensor]
    node_logits: list[Tensor] | None = None


class _MLP(nn.Module):
    """Linear layers with ReLU (and dropout) after each, except optionally after the last.

    :meth:`tail` continues from the pre-activation output of the first layer, so callers can
    compute that first layer block-wise (see the module docstring).
    """

    def __init__(
        self, dims: Sequence[int], *, final_activation: bool = True, dropout: float = 0.0
    ) -> None:
        super().__init__()
        if len(dims) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got {dims}")
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))
        self.final_activation = final_activation
        self.dropout = dropout

    @property
    def first(self) -> nn.Linear:
        """The first Linear layer."""
        layer = self.layers[0]
        assert isinstance(layer, nn.Linear)
        return layer

    def split_first(self, sizes: Sequence[int]) -> tuple[Tensor, ...]:
        """Column blocks of the first layer's weight, one per input block of ``sizes``."""
        return torch.split(self.first.weight, list(sizes), dim=1)

    def _activate(self, h: Tensor, last: bool) -> Tensor:
        if last and not self.final_activation:
            return h
        # in place is safe: every producer here (addmm, add, index_select) keeps no output
        h = F.relu_(h)
        if self.dropout > 0.0:
            h = F.dropout(h, self.dropout, self.training)
        return h

    def tail(self, pre: Tensor) -> Tensor:
        """Run everything after the first Linear; ``pre`` is its output before activation."""
        n = len(self.layers)
        h = self._activate(pre, last=n == 1)
        for i in range(1, n):
            h = self._activate(self.layers[i](h), last=i == n - 1)
        return h

    def forward(self, h: Tensor) -> Tensor:
        return self.tail(self.first(h))

    def reset_parameters(self) -> None:
        for layer in self.layers:
            assert isinstance(layer, nn.Linear)
            layer.reset_parameters()


class NodeProjections(NamedTuple):
    """Node blocks of the first layers of the edge-wise MLPs, projected once per step.

    Each edge gathers one row of ``src`` (by its earlier endpoint) and one of ``dst`` (by its
    later endpoint), so gathering these rows equals multiplying gathered node states, at ``N``
    instead of ``E`` matrix rows. The layer biases are folded in here (every edge gathers
    exactly one row of each table).

    Attributes:
        src: ``(N, 80 + 56)``: the earlier node's block of the edge update (with its bias),
            then the sender block of the past-message MLP (with its bias).
        dst: ``(N, 80 + 56)``: the later node's block of the edge update, then the sender
            block of the future-message MLP (with its bias).
    """

    src: Tensor
    dst: Tensor


class _GatherChunks(torch.autograd.Function):
    """``table[index[a:a+chunk]]`` for every chunk, with one gradient buffer for all chunks.

    Autograd on per-chunk ``index_select`` would zero-fill and sum a full ``table``-sized
    gradient per chunk; this backward fills one and ``index_add_``s every chunk into it.
    """

    @staticmethod
    def forward(ctx: Any, table: Tensor, index: Tensor, chunk: int) -> tuple[Tensor, ...]:
        ctx.save_for_backward(index)
        ctx.table_shape = table.shape
        ctx.chunk = chunk
        ctx.set_materialize_grads(False)
        return tuple(table.index_select(0, idx) for idx in index.split(chunk))

    @staticmethod
    def backward(ctx: Any, *grads: Tensor | None) -> tuple[Tensor | None, None, None]:
        (index,) = ctx.saved_tensors
        out: Tensor | None = None
        for idx, grad in zip(index.split(ctx.chunk), grads, strict=True):
            if grad is None:
                continue
            if out is None:
                out = grad.new_zeros(ctx.table_shape)
            out.index_add_(0, idx, grad)
        return out, None, None


def _chunk_gatherer(table: Tensor, index: Tensor, chunk: int) -> Callable[[int], Tensor]:
    """``get(i)`` = rows of ``table`` (``(N, k)``) at chunk ``i`` of ``index`` (``(E,)``).

    With autograd all chunks are gathered at once through :class:`_GatherChunks`; without it
    each chunk is gathered when asked for, so that it is still in cache when used.
    """
    if torch.is_grad_enabled() and table.requires_grad:
        rows: tuple[Tensor, ...] = _GatherChunks.apply(table, index, chunk)
        return rows.__getitem__
    pieces = index.split(chunk)
    return lambda i: table.index_select(0, pieces[i])


class TimeAwareMessagePassing(nn.Module):
    """One SUSHI message-passing step (weights shared by all steps of a :class:`TimeAwareMPN`).

    Split like PyG's ``MessagePassing``: :meth:`project_nodes`, :meth:`edge_update`,
    :meth:`message`, :meth:`aggregate`, :meth:`update`; :meth:`forward` runs them, visiting
    the edges in chunks of ``chunk_size`` so that the wide per-edge intermediates (80 and 56
    columns) stay small and in cache. Chunking changes only the order of floating-point sums.

    Args:
        node_dim: width ``n`` of the node states.
        edge_dim: width ``d`` of the edge states.
        dropout: dropout after every ReLU.
        chunk_size: edges per chunk. Smaller chunks keep temporaries in cache (faster
            inference); larger chunks mean fewer, larger autograd nodes. ``0`` = no chunking.
    """

    def __init__(
        self, node_dim: int, edge_dim: int, dropout: float = 0.0, chunk_size: int = 16_384
    ) -> None:
        super().__init__()
        if chunk_size < 0:
            raise ValueError(f"chunk_size must be >= 0, got {chunk_size}")
        self.node_dim = node_dim
        self.edge_dim = edge_dim
        self.chunk_size = chunk_size
        n, d = node_dim, edge_dim
        self.edge_mlp = _MLP([2 * n + 2 * d, EDGE_UPDATE_HIDDEN, d], dropout=dropout)
        self.past_mlp = _MLP([n + d, MESSAGE_HIDDEN, n], dropout=dropout)
        self.future_mlp = _MLP([n + d, MESSAGE_HIDDEN, n], dropout=dropout)
        self.node_mlp = _MLP([2 * n, n], dropout=dropout)

    def project_nodes(self, x: Tensor) -> NodeProjections:
        """Project the node states through the node blocks of the edge-wise first layers.

        Args:
            x: ``(N, n)`` node states.

        Returns:
            :class:`NodeProjections`, two ``(N, 136)`` tables.
        """
        n, d = self.node_dim, self.edge_dim
        w_src, w_dst, _ = self.edge_mlp.split_first([n, n, 2 * d])
        w_past, _ = self.past_mlp.split_first([n, d])
        w_future, _ = self.future_mlp.split_first([n, d])
        b_edge = self.edge_mlp.first.bias
        zero = torch.zeros_like(b_edge)
        src = F.linear(x, torch.cat([w_src, w_past]), torch.cat([b_edge, self.past_mlp.first.bias]))
        dst = F.linear(
            x, torch.cat([w_dst, w_future]), torch.cat([zero, self.future_mlp.first.bias])
        )
        return NodeProjections(src, dst)

    def edge_update(self, node_src: Tensor, node_dst: Tensor, e0: Tensor, e: Tensor) -> Tensor:
        """New edge states ``MLP_e([x_src, x_dst, e_0, e])`` of some edges.

        Args:
            node_src: ``(C, 80)`` edge-update block of :attr:`NodeProjections.src`, gathered by
                earlier endpoint (carries the layer bias).
            node_dst: ``(C, 80)`` edge-update block of :attr:`NodeProjections.dst`, gathered by
                later endpoint.
            e0: ``(C, d)`` encoded input edges.
            e: ``(C, d)`` current edge states.

        Returns:
            ``(C, d)`` updated edge states.
        """
        n, d = self.node_dim, self.edge_dim
        _, _, w_edge = self.edge_mlp.split_first([n, n, 2 * d])
        pre = torch.addmm(node_src, torch.cat([e0, e], dim=1), w_edge.t())
        return self.edge_mlp.tail(pre.add_(node_dst))

    def message(self, past_in: Tensor, future_in: Tensor, e: Tensor) -> tuple[Tensor, Tensor]:
        """Messages to the later endpoint (from the past) and to the earlier one (from the future).

        Args:
            past_in: ``(C, 56)`` past-message block of :attr:`NodeProjections.src` gathered by
                earlier endpoint (the sender; node states before this step, with the bias).
            future_in: ``(C, 56)`` future-message block of :attr:`NodeProjections.dst`
                gathered by later endpoint.
            e: ``(C, d)`` updated edge states.

        Returns:
            ``(past, future)``, each ``(C, n)``: ``past[i] = MLP_past([x_src[i], e[i]])`` goes to
            the later endpoint, ``future[i] = MLP_future([x_dst[i], e[i]])`` to the earlier one.
        """
        n, d = self.node_dim, self.edge_dim
        _, wp_e = self.past_mlp.split_first([n, d])
        _, wf_e = self.future_mlp.split_first([n, d])
        past = torch.addmm(past_in, e, wp_e.t())
        future = torch.addmm(future_in, e, wf_e.t())
        return self.past_mlp.tail(past), self.future_mlp.tail(future)

    def aggregate(
        self,
        past: Tensor,
        future: Tensor,
        src: Tensor,
        dst: Tensor,
        out: tuple[Tensor, Tensor],
    ) -> tuple[Tensor, Tensor]:
        """Add the messages of some edges to the per-node sums (in place).

        Args:
            past: ``(C, n)`` messages for ``dst``.
            future: ``(C, n)`` messages for ``src``.
            src: ``(C,)`` long, earlier endpoints.
            dst: ``(C,)`` long, later endpoints.
            out: ``(past_sum, future_sum)``, each ``(N, n)``, start as zeros.

        Returns:
            ``out`` after the additions.
        """
        past_sum, future_sum = out
        return past_sum.index_add_(0, dst, past), future_sum.index_add_(0, src, future)

    def update(self, past_sum: Tensor, future_sum: Tensor) -> Tensor:
        """New node states ``MLP_x([past_sum, future_sum])``, ``(N, n)`` each -> ``(N, n)``."""
        return self.node_mlp(torch.cat([past_sum, future_sum], dim=1))

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        e0: Tensor,
        e: Tensor,
        has_edge: Tensor | None = None,
    ) -> tuple[Tensor, Tensor]:
        """One step: edge update with the old nodes, then node update with the new edges.

        Args:
            x: ``(N, n)`` node states.
            edge_index: ``(2, E)`` long, row 0 the earlier and row 1 the later endpoint.
            e0: ``(E, d)`` encoded input edges (re-attached at every step).
            e: ``(E, d)`` edge states.
            has_edge: ``(N,)`` bool, nodes with at least one incident edge; the others keep
                their state. ``None`` updates every node.

        Returns:
            ``(x_new, e_new)`` of shapes ``(N, n)`` and ``(E, d)``.
        """
        num_edges = edge_index.shape[1]
        proj = self.project_nodes(x)
        sums = (x.new_zeros(x.shape[0], self.node_dim), x.new_zeros(x.shape[0], self.node_dim))
        chunk = self.chunk_size if 0 < self.chunk_size < num_edges else max(num_edges, 1)
        # split(), not slicing: the backward of a slice zero-fills a full-size gradient per chunk
        srcs, dsts = edge_index[0].split(chunk), edge_index[1].split(chunk)
        widths = [EDGE_UPDATE_HIDDEN, MESSAGE_HIDDEN]
        # one gather per endpoint serves the edge update and the message MLPs
        src_rows = _chunk_gatherer(proj.src, edge_index[0], chunk)
        dst_rows = _chunk_gatherer(proj.dst, edge_index[1], chunk)
        new_edges = []
        for i, (e0_c, e_c) in enumerate(zip(e0.split(chunk), e.split(chunk), strict=True)):
            src_edge, src_past = src_rows(i).split(widths, dim=1)
            dst_edge, dst_future = dst_rows(i).split(widths, dim=1)
            e_new = self.edge_update(src_edge, dst_edge, e0_c, e_c)
            past, future = self.message(src_past, dst_future, e_new)
            sums = self.aggregate(past, future, srcs[i], dsts[i], sums)
            new_edges.append(e_new)
        if len(new_edges) == 1:
            e_out = new_edges[0]
        elif new_edges:
            e_out = torch.cat(new_edges)
        else:
            e_out = e.new_zeros(0, self.edge_dim)
        x_new = self.update(*sums)
        if has_edge is not None:
            x_new = torch.where(has_edge.unsqueeze(1), x_new, x)
        return x_new, e_out

    def reset_parameters(self) -> None:
        for mlp in (self.edge_mlp, self.past_mlp, self.future_mlp, self.node_mlp):
            mlp.reset_parameters()

    def extra_repr(self) -> str:
        return f"node_dim={self.node_dim}, edge_dim={self.edge_dim}, chunk_size={self.chunk_size}"


def _check_inputs(
    config: MPNConfig, x: Tensor, edge_index: Tensor, edge_attr: Tensor
) -> tuple[int, int]:
    if x.dim() != 2 or x.shape[1] != config.node_in:
        raise ValueError(f"x must have shape (N, {config.node_in}), got {tuple(x.shape)}")
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype != torch.long:
        raise ValueError(f"edge_index must be torch.long, got {edge_index.dtype}")
    num_nodes, num_edges = x.shape[0], edge_index.shape[1]
    if edge_attr.shape != (num_edges, config.edge_in):
        raise ValueError(
            f"edge_attr must have shape (E={num_edges}, {config.edge_in}), "
            f"got {tuple(edge_attr.shape)}"
        )
    if num_edges and (int(edge_index.min()) < 0 or int(edge_index.max()) >= num_nodes):
        raise ValueError(f"edge_index holds node ids outside [0, {num_nodes})")
    return num_nodes, num_edges


class TimeAwareMPN(nn.Module):
    """SUSHI's ``MOTMPNet`` with real node inputs, an optional node head and a level embedding.

    Encoders (run once), then ``config.steps`` shared-weight :class:`TimeAwareMessagePassing`
    steps; an edge classifier (``edge_dim -> 8 -> 1``) and optionally a node classifier
    (``node_dim -> 8 -> 1``) read the states after each of the last ``config.class_steps``
    steps. With the defaults it has 22,505 parameters (22,778 with the node head, plus
    ``16 * num_levels`` for a level embedding).

    Edges are undirected candidate links stored once, oriented in time: ``edge_index[0]`` is the
    earlier node, ``edge_index[1]`` the later one. Reversing an edge changes its meaning (the
    past and future MLPs swap), renumbering nodes or reordering edges does not.

    Args:
        config: sizes and options.
    """

    def __init__(self, config: MPNConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.edge_encoder = _MLP([c.edge_in, *EDGE_ENCODER_HIDDEN, c.edge_dim], dropout=c.dropout)
        self.node_encoder = _MLP([c.node_in, *NODE_ENCODER_HIDDEN, c.node_dim], dropout=c.dropout)
        self.level_embedding = (
            nn.Embedding(c.num_levels, c.edge_dim) if c.has_level_embedding else None
        )
        self.mp = TimeAwareMessagePassing(c.node_dim, c.edge_dim, dropout=c.dropout)
        self.edge_classifier = _MLP(
            [c.edge_dim, CLASSIFIER_HIDDEN, 1], final_activation=False, dropout=c.dropout
        )
        self.node_classifier = (
            _MLP([c.node_dim, CLASSIFIER_HIDDEN, 1], final_activation=False, dropout=c.dropout)
            if c.node_head
            else None
        )

    def _level_vector(self, level: int | Tensor, num_edges: int) -> Tensor | None:
        """``(1, d)`` or ``(E, d)`` level embedding rows, or ``None`` without an embedding."""
        if isinstance(level, Tensor):
            if level.shape != (num_edges,) or level.dtype != torch.long:
                raise ValueError(
                    f"a level tensor must be (E={num_edges},) long, "
                    f"got {tuple(level.shape)} {level.dtype}"
                )
            limit = max(self.config.num_levels, 1)
            if num_edges and (int(level.min()) < 0 or int(level.max()) >= limit):
                raise ValueError(f"level ids outside [0, {limit}) (num_levels <= 1: only 0)")
            if self.level_embedding is None:
                return None
            return self.level_embedding(level)
        if self.level_embedding is None:
            if level != 0:
                raise ValueError(f"this MPN has no level embedding (num_levels <= 1), got {level}")
            return None
        if not 0 <= level < self.config.num_levels:
            raise ValueError(f"level {level} outside [0, num_levels={self.config.num_levels})")
        return self.level_embedding.weight[level].unsqueeze(0)

    def forward(
        self, x: Tensor, edge_index: Tensor, edge_attr: Tensor, level: int | Tensor = 0
    ) -> MPNOutput:
        """Run the encoders, the message-passing steps and the classifiers.

        Args:
            x: ``(N, node_in)`` float node features.
            edge_index: ``(2, E)`` long; ``edge_index[0]`` is the earlier (past) endpoint and
                ``edge_index[1]`` the later one. One column per undirected candidate edge.
            edge_attr: ``(E, edge_in)`` float edge features.
            level: level id for the level embedding, an int or an ``(E,)`` long tensor (per
                edge, for batches mixing levels). Must be 0 without an embedding.

        Returns:
            :class:`MPNOutput` with ``class_steps`` edge logits of shape ``(E,)`` and, with a
            node head, ``class_steps`` node logits of shape ``(N,)``.

        Raises:
            ValueError: on shapes, dtypes, node ids or levels out of range.
        """
        c = self.config
        num_nodes, num_edges = _check_inputs(c, x, edge_index, edge_attr)
        level_vec = self._level_vector(level, num_edges)

        e0 = self.edge_encoder(edge_attr)
        if level_vec is not None:
            e0 = e0 + level_vec
        h = self.node_encoder(x)
        e = e0
        # isolated nodes keep their encoded state (needs no mask when every node has an edge)
        has_edge = torch.zeros(num_nodes, dtype=torch.bool, device=x.device)
        has_edge[edge_index.reshape(-1)] = True
        mask = None if bool(has_edge.all()) else has_edge

        edge_logits: list[Tensor] = []
        node_logits: list[Tensor] | None = [] if self.node_classifier is not None else None
        first_classified = c.steps - c.class_steps
        for step in range(c.steps):
            h, e = self.mp(h, edge_index, e0, e, mask)
            if step >= first_classified:
                edge_logits.append(self.edge_classifier(e).squeeze(-1))
                if self.node_classifier is not None and node_logits is not None:
                    node_logits.append(self.node_classifier(h).squeeze(-1))
        return MPNOutput(edge_logits=edge_logits, node_logits=node_logits)

    def num_parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def reset_parameters(self) -> None:
        """Re-initialise every layer (PyTorch's default initialisation)."""
        self.edge_encoder.reset_parameters()
        self.node_encoder.reset_parameters()
        if self.level_embedding is not None:
            self.level_embedding.reset_parameters()
        self.mp.reset_parameters()
        self.edge_classifier.reset_parameters()
        if self.node_classifier is not None:
            self.node_classifier.reset_parameters()

    def extra_repr(self) -> str:
        c = self.config
        return (
            f"steps={c.steps}, class_steps={c.class_steps}, node_head={c.node_head}, "
            f"num_levels={c.num_levels}"
        )


class HierarchicalGNN(nn.Module):
    """SPAM's stack: GNN_node at level 0, then GNN_edge at levels 1, 2, ... (design notes §3.2).

    ::

        level 0   node_net      (own weights, node head)
        level 1   edge_nets[0]  (own weights)                      share="all_but_first"
        level 2+  edge_nets[1]  (one net shared by levels >= 2)
        level 1+  edge_nets[0]  (one net for every edge level)     share="all"

    The edge net of level ``k`` is called with level embedding row ``k - 1`` (when its config
    has ``num_levels >= 2``; then ``k <= num_levels``). With the default configs the stack has
    68,076 parameters (the paper reports about 65K).

    Args:
        node_config: config of GNN_node; ``node_head`` is forced to True. Default
            ``MPNConfig(node_head=True)``.
        edge_config: config of every GNN_edge. Default ``MPNConfig(num_levels=9)`` (nine edge
            levels covering 2, 4, ..., 512 frames).
        share: ``"all_but_first"`` (SUSHI) or ``"all"``.
    """

    def __init__(
        self,
        node_config: MPNConfig | None = None,
        edge_config: MPNConfig | None = None,
        share: ShareMode = "all_but_first",
    ) -> None:
        super().__init__()
        if share not in ("all_but_first", "all"):
            raise ValueError(f"share must be 'all_but_first' or 'all', got {share!r}")
        node_config = node_config if node_config is not None else MPNConfig(node_head=True)
        if not node_config.node_head:
            node_config = dataclasses.replace(node_config, node_head=True)
        edge_config = edge_config if edge_config is not None else MPNConfig(num_levels=9)
        self.share: ShareMode = share
        self.node_net = TimeAwareMPN(node_config)
        n_edge_nets = 2 if share == "all_but_first" else 1
        self.edge_nets = nn.ModuleList(TimeAwareMPN(edge_config) for _ in range(n_edge_nets))

    @property
    def node_config(self) -> MPNConfig:
        """The config of GNN_node (``node_head`` is True)."""
        return self.node_net.config

    @property
    def edge_config(self) -> MPNConfig:
        """The config shared by every GNN_edge net."""
        return self.net(1).config

    def net(self, level: int) -> TimeAwareMPN:
        """The network that runs level ``level`` (0 = GNN_node)."""
        if level < 0:
            raise ValueError(f"level must be >= 0, got {level}")
        if level == 0:
            return self.node_net
        index = 0 if (self.share == "all" or level == 1) else 1
        net = self.edge_nets[index]
        assert isinstance(net, TimeAwareMPN)
        return net

    def forward(self, level: int, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> MPNOutput:
        """Run the network of ``level`` on one (batched) graph of that level.

        Args:
            level: 0 for GNN_node, ``k >= 1`` for GNN_edge level ``k``.
            x: ``(N, node_in)`` float node features.
            edge_index: ``(2, E)`` long, row 0 the earlier and row 1 the later endpoint.
            edge_attr: ``(E, edge_in)`` float edge features.

        Returns:
            :class:`MPNOutput`; ``node_logits`` is set at level 0 (and at edge levels only if
            the edge config asks for a node head).
        """
        net = self.net(level)
        if level == 0 or not net.config.has_level_embedding:
            return net(x, edge_index, edge_attr)
        return net(x, edge_index, edge_attr, level=level - 1)

    def num_parameters(self) -> int:
        """Number of distinct trainable parameters (shared nets counted once)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def focal_loss(
    logits: Tensor, targets: Tensor, gamma: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """Binary focal loss on logits (Lin et al. 2017; alpha = 1, as SUSHI trains).

    ``bce = BCEWithLogits(logits, targets)``, ``pt = exp(-bce)``,
    ``loss = (1 - pt) ** gamma * bce``, averaged over elements (``weight``-weighted mean if
    given). ``gamma = 0`` is plain BCE; raising ``gamma`` down-weights easy, confident
    predictions.

    Args:
        logits: ``(...)`` float logits.
        targets: same shape, values in ``[0, 1]`` (bool/int accepted).
        gamma: focusing exponent, ``>= 0``.
        weight: optional non-negative weights broadcastable to ``logits``.

    Returns:
        Scalar tensor; 0 (still attached to ``logits`` for autograd) if ``logits`` is empty or
        all weights are 0.
    """
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}")
    if targets.shape != logits.shape:
        raise ValueError(
            f"targets shape {tuple(targets.shape)} != logits shape {tuple(logits.shape)}"
        )
    if logits.numel() == 0:
        return logits.sum() * 0.0
    targets = targets.to(logits.dtype)
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    if gamma == 0:
        loss = bce
    else:
        # 1 - pt via expm1 (exact for small bce); the clamp keeps gamma < 1 free of 0 ** -x
        focus = (-torch.expm1(-bce)).clamp_min(torch.finfo(bce.dtype).tiny)
        loss = focus.pow(gamma) * bce
    if weight is None:
        return loss.mean()
    w = torch.broadcast_to(weight.to(loss.dtype), loss.shape)
    total = w.sum()
    mean = (w * loss).sum() / total.clamp_min(torch.finfo(loss.dtype).tiny)
    return torch.where(total > 0, mean, loss.sum() * 0.0)
