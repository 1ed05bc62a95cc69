"""spamlabels.nn: the time-aware MPN, the level stack and the focal loss (tiny, seeded graphs)."""

from __future__ import annotations

import contextlib
import copy
import math
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("torch")

import torch
import torch.nn.functional as F

from spamlabels.nn import (
    HierarchicalGNN,
    MPNConfig,
    MPNOutput,
    TimeAwareMPN,
    focal_loss,
)

Graph = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny graphs gain nothing from threads, and on a busy 2-core machine every parallel
    kernel can wait ~50 ms for the second core; restore the setting afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# small widths keep every test well under a second; invariances do not depend on the sizes
TINY = MPNConfig(node_dim=8, edge_dim=4, steps=4, class_steps=3, node_head=True, num_levels=3)


def make_graph(
    num_nodes: int, num_edges: int, config: MPNConfig = TINY, seed: int = 0, isolated: int = 0
) -> Graph:
    """Random graph: every node gets a frame, each edge joins two nodes of different frames,
    earlier node first. The last ``isolated`` nodes get no edge."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(num_nodes, config.node_in, generator=g, dtype=torch.float64)
    frames = torch.randint(0, 6, (num_nodes,), generator=g)
    connected = num_nodes - isolated
    rows: list[list[int]] = []
    while len(rows) < num_edges:
        a, b = torch.randint(0, connected, (2,), generator=g).tolist()
        if frames[a] != frames[b]:
            rows.append([a, b] if frames[a] < frames[b] else [b, a])
    edge_index = torch.tensor(rows, dtype=torch.long).reshape(-1, 2).t().contiguous()
    edge_attr = torch.randn(num_edges, config.edge_in, generator=g, dtype=torch.float64)
    return x, edge_index, edge_attr


def make_model(config: MPNConfig = TINY, seed: int = 0) -> TimeAwareMPN:
    """A model in float64 eval mode, so that invariances hold to ~1e-12."""
    torch.manual_seed(seed)
    return TimeAwareMPN(config).double().eval()


def stacked(out: MPNOutput) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(class_steps, E)`` edge logits and ``(class_steps, N)`` node logits (or None)."""
    nodes = torch.stack(out.node_logits) if out.node_logits is not None else None
    return torch.stack(out.edge_logits), nodes


@pytest.mark.parametrize(
    "config",
    [
        MPNConfig(),  # the SUSHI sizes, no node head
        MPNConfig(node_head=True, num_levels=9),  # GNN_node-like with a level table
        TINY,
        MPNConfig(node_dim=4, edge_dim=2, steps=1, class_steps=1),  # smallest schedule
    ],
)
def test_output_shapes_and_finite(config: MPNConfig) -> None:
    x, edge_index, edge_attr = make_graph(15, 40, config, seed=1)
    out = make_model(config)(x, edge_index, edge_attr)
    assert len(out.edge_logits) == config.class_steps
    assert all(lg.shape == (40,) for lg in out.edge_logits)
    assert all(torch.isfinite(lg).all() for lg in out.edge_logits)
    if config.node_head:
        assert out.node_logits is not None and len(out.node_logits) == config.class_steps
        assert all(lg.shape == (15,) and torch.isfinite(lg).all() for lg in out.node_logits)
    else:
        assert out.node_logits is None
    # the classified steps are distinct states, not copies of one
    if config.class_steps > 1:
        assert not torch.allclose(out.edge_logits[0], out.edge_logits[-1])


def test_backward_reaches_every_parameter() -> None:
    model = make_model()
    model.train()
    x, edge_index, edge_attr = make_graph(20, 60, seed=2)
    level = torch.arange(60) % TINY.num_levels  # every embedding row is used
    out = model(x, edge_index, edge_attr, level=level)
    assert out.node_logits is not None
    targets = (torch.arange(60) % 3 == 0).double()
    losses = [focal_loss(lg, targets) for lg in out.edge_logits]
    losses += [focal_loss(lg, torch.ones_like(lg)) for lg in out.node_logits]
    torch.stack(losses).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def _seq(mlp: torch.nn.Module, h: torch.Tensor, logits: bool = False) -> torch.Tensor:
    """Linear layers with ReLU after each (not after the last when ``logits``)."""
    layers = list(mlp.layers)  # type: ignore[union-attr, arg-type]
    for i, layer in enumerate(layers):
        h = layer(h)
        if not (logits and i == len(layers) - 1):
            h = torch.relu(h)
    return h


def reference_forward(
    model: TimeAwareMPN,
    x: torch.Tensor,
    edge_index: torch.Tensor,
    edge_attr: torch.Tensor,
    level: int,
) -> MPNOutput:
    """Design notes §1.9 written literally: concatenations and a loop over the edges."""
    c = model.config
    e0 = _seq(model.edge_encoder, edge_attr)
    if model.level_embedding is not None:
        e0 = e0 + model.level_embedding.weight[level]
    h, e = _seq(model.node_encoder, x), e0
    edges = [(int(s), int(t)) for s, t in edge_index.t()]
    touched = {v for pair in edges for v in pair}
    out = MPNOutput(edge_logits=[], node_logits=[])
    for step in range(c.steps):
        mp = model.mp
        e = _seq(mp.edge_mlp, torch.cat([h[edge_index[0]], h[edge_index[1]], e0, e], dim=1))
        past = torch.zeros_like(h)
        future = torch.zeros_like(h)
        for i, (s, t) in enumerate(edges):  # s is the earlier node, t the later one
            past[t] += _seq(mp.past_mlp, torch.cat([h[s], e[i]]))
            future[s] += _seq(mp.future_mlp, torch.cat([h[t], e[i]]))
        new_h = _seq(mp.node_mlp, torch.cat([past, future], dim=1))
        h = torch.stack([new_h[v] if v in touched else h[v] for v in range(len(h))])
        if step >= c.steps - c.class_steps:
            out.edge_logits.append(_seq(model.edge_classifier, e, logits=True).squeeze(-1))
            assert out.node_logits is not None and model.node_classifier is not None
            out.node_logits.append(_seq(model.node_classifier, h, logits=True).squeeze(-1))
    return out


@pytest.mark.parametrize("chunk_size", [16_384, 4])  # one chunk / several chunks
def test_matches_literal_reference(chunk_size: int) -> None:
    model = make_model()
    model.mp.chunk_size = chunk_size
    x, edge_index, edge_attr = make_graph(11, 24, seed=14, isolated=2)
    got_edges, got_nodes = stacked(model(x, edge_index, edge_attr, level=1))
    ref_edges, ref_nodes = stacked(reference_forward(model, x, edge_index, edge_attr, level=1))
    torch.testing.assert_close(got_edges, ref_edges)
    torch.testing.assert_close(got_nodes, ref_nodes)
    with torch.no_grad():  # the inference path gathers lazily
        torch.testing.assert_close(stacked(model(x, edge_index, edge_attr, level=1))[0], ref_edges)
    # gradients through the chunked gather equal plain autograd on the literal version
    assert got_nodes is not None and ref_nodes is not None
    w_edges, w_nodes = torch.randn_like(got_edges), torch.randn_like(got_nodes)
    grads = []
    for edges, nodes in ((got_edges, got_nodes), (ref_edges, ref_nodes)):
        model.zero_grad()
        ((edges * w_edges).sum() + (nodes * w_nodes).sum()).backward()
        grads.append([p.grad.clone() for p in model.parameters() if p.grad is not None])
    assert len(grads[0]) == len(grads[1]) == len(list(model.parameters()))
    for got, ref in zip(*grads, strict=True):
        torch.testing.assert_close(got, ref)


def test_node_and_edge_permutation_equivariance() -> None:
    model = make_model()
    x, edge_index, edge_attr = make_graph(18, 50, seed=3, isolated=2)
    g = torch.Generator().manual_seed(4)
    node_perm = torch.randperm(18, generator=g)  # new node i is old node node_perm[i]
    edge_perm = torch.randperm(50, generator=g)
    new_id = torch.empty_like(node_perm)
    new_id[node_perm] = torch.arange(18)
    ref_edges, ref_nodes = stacked(model(x, edge_index, edge_attr))
    got_edges, got_nodes = stacked(
        model(x[node_perm], new_id[edge_index][:, edge_perm], edge_attr[edge_perm])
    )
    torch.testing.assert_close(got_edges, ref_edges[:, edge_perm])
    assert got_nodes is not None and ref_nodes is not None
    torch.testing.assert_close(got_nodes, ref_nodes[:, node_perm])


@pytest.mark.parametrize("chunk_size", [0, 7, 1])  # no chunks / uneven chunks / one edge each
def test_disjoint_union_equals_separate_graphs(chunk_size: int) -> None:
    model = make_model()
    model.mp.chunk_size = chunk_size
    x1, ei1, ea1 = make_graph(12, 30, seed=5, isolated=1)
    x2, ei2, ea2 = make_graph(9, 20, seed=6)
    edges1, nodes1 = stacked(model(x1, ei1, ea1, level=1))
    edges2, nodes2 = stacked(model(x2, ei2, ea2, level=2))
    batch_edges, batch_nodes = stacked(
        model(
            torch.cat([x1, x2]),
            torch.cat([ei1, ei2 + 12], dim=1),
            torch.cat([ea1, ea2]),
            level=torch.cat([torch.full((30,), 1), torch.full((20,), 2)]),
        )
    )
    torch.testing.assert_close(batch_edges, torch.cat([edges1, edges2], dim=1))
    assert batch_nodes is not None and nodes1 is not None and nodes2 is not None
    torch.testing.assert_close(batch_nodes, torch.cat([nodes1, nodes2], dim=1))


def test_time_direction_matters_and_is_the_only_asymmetry() -> None:
    model = make_model()
    x, edge_index, edge_attr = make_graph(16, 45, seed=7)
    ref_edges, ref_nodes = stacked(model(x, edge_index, edge_attr))
    rev_edges, rev_nodes = stacked(model(x, edge_index.flip(0), edge_attr))
    assert torch.isfinite(rev_edges).all() and rev_nodes is not None
    assert ref_nodes is not None and not torch.allclose(rev_nodes, ref_nodes)
    assert not torch.allclose(rev_edges, ref_edges)
    # swapping the past/future weights (and the src/dst input blocks) undoes the reversal
    swapped = copy.deepcopy(model)
    mp, n = swapped.mp, TINY.node_dim
    with torch.no_grad():
        for a, b in zip(mp.past_mlp.parameters(), mp.future_mlp.parameters(), strict=True):
            tmp = a.clone()
            a.copy_(b)
            b.copy_(tmp)
        for layer in (mp.edge_mlp.first, mp.node_mlp.first):
            w = layer.weight
            w.copy_(torch.cat([w[:, n : 2 * n], w[:, :n], w[:, 2 * n :]], dim=1))
    sw_edges, sw_nodes = stacked(swapped(x, edge_index.flip(0), edge_attr))
    torch.testing.assert_close(sw_edges, ref_edges)
    torch.testing.assert_close(sw_nodes, ref_nodes)


def test_no_edges_scores_nodes_from_their_features() -> None:
    model = make_model()
    x = make_graph(5, 0, seed=8)[0]
    out = model(x, torch.zeros(2, 0, dtype=torch.long), torch.zeros(0, TINY.edge_in).double())
    assert [lg.shape for lg in out.edge_logits] == [(0,)] * TINY.class_steps
    assert out.node_logits is not None
    assert model.node_classifier is not None
    expected = model.node_classifier(model.node_encoder(x)).squeeze(-1)
    for lg in out.node_logits:
        torch.testing.assert_close(lg, expected)
    assert expected.unique().numel() == 5  # not a constant: isolated nodes keep their features


def test_empty_graph() -> None:
    model = make_model()
    model.train()
    x = torch.zeros(0, TINY.node_in, dtype=torch.float64)
    ei = torch.zeros(2, 0, dtype=torch.long)
    out = model(x, ei, torch.zeros(0, TINY.edge_in, dtype=torch.float64), level=2)
    assert out.node_logits is not None
    assert all(lg.shape == (0,) for lg in [*out.edge_logits, *out.node_logits])
    loss = torch.stack([focal_loss(lg, lg.detach()) for lg in out.edge_logits]).sum()
    loss.backward()  # an empty batch still yields a (zero) differentiable loss
    assert float(loss.detach()) == 0.0


def test_level_embedding() -> None:
    model = make_model()
    x, ei, ea = make_graph(10, 25, seed=9)
    by_level = [stacked(model(x, ei, ea, level=k))[0] for k in range(TINY.num_levels)]
    assert not torch.allclose(by_level[0], by_level[1])
    assert not torch.allclose(by_level[1], by_level[2])
    as_tensor = stacked(model(x, ei, ea, level=torch.full((25,), 2)))[0]
    torch.testing.assert_close(as_tensor, by_level[2])
    with pytest.raises(ValueError, match="outside"):
        model(x, ei, ea, level=TINY.num_levels)
    with pytest.raises(ValueError, match="outside"):
        model(x, ei, ea, level=torch.full((25,), TINY.num_levels))
    with pytest.raises(ValueError, match=r"\(E=25,\) long"):
        model(x, ei, ea, level=torch.zeros(24, dtype=torch.long))
    plain = make_model(MPNConfig(node_dim=8, edge_dim=4, steps=2, class_steps=1))
    x, ei, ea = make_graph(10, 25, MPNConfig(), seed=9)
    assert plain.level_embedding is None
    with pytest.raises(ValueError, match="no level embedding"):
        plain(x, ei, ea, level=1)


@pytest.mark.parametrize(
    ("shape_fix", "expectation"),
    [
        (lambda x, ei, ea: (x, ei, ea), contextlib.nullcontext()),  # valid
        (lambda x, ei, ea: (x[:, :3], ei, ea), pytest.raises(ValueError, match="x must")),
        (lambda x, ei, ea: (x, ei.t(), ea), pytest.raises(ValueError, match="edge_index must")),
        (lambda x, ei, ea: (x, ei.int(), ea), pytest.raises(ValueError, match=r"torch\.long")),
        (lambda x, ei, ea: (x, ei, ea[:-1]), pytest.raises(ValueError, match="edge_attr")),
        (lambda x, ei, ea: (x, ei + 100, ea), pytest.raises(ValueError, match="outside")),
    ],
)
def test_input_validation(
    shape_fix: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Graph],
    expectation: contextlib.AbstractContextManager[object],
) -> None:
    model = make_model()
    with expectation:
        model(*shape_fix(*make_graph(8, 10, seed=10)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"steps": 0},  # no message passing
        {"class_steps": 0},  # nothing to predict from
        {"class_steps": 13},  # more classified steps than steps
        {"node_dim": -1},
        {"num_levels": -1},
        {"dropout": 1.0},
    ],
)
def test_config_validation(kwargs: dict[str, int | float]) -> None:
    with pytest.raises(ValueError, match="MPNConfig"):
        MPNConfig(**kwargs)  # type: ignore[arg-type]


def test_dropout_only_in_training() -> None:
    model = make_model(MPNConfig(node_dim=8, edge_dim=4, steps=3, class_steps=1, dropout=0.5))
    x, ei, ea = make_graph(10, 25, MPNConfig(), seed=11)
    torch.testing.assert_close(model(x, ei, ea).edge_logits[-1], model(x, ei, ea).edge_logits[-1])
    model.train()
    torch.manual_seed(0)
    a = model(x, ei, ea).edge_logits[-1]
    b = model(x, ei, ea).edge_logits[-1]
    assert not torch.allclose(a, b)


def _mpn_size(c: MPNConfig) -> int:
    """Parameters of one TimeAwareMPN from the layer sizes of design notes §1.9."""

    def linear(i: int, o: int) -> int:
        return i * o + o

    n, d = c.node_dim, c.edge_dim
    size = linear(c.edge_in, 18) + linear(18, 18) + linear(18, d)  # edge encoder
    size += linear(c.node_in, 32) + linear(32, n)  # node encoder
    size += linear(2 * n + 2 * d, 80) + linear(80, d)  # edge update
    size += 2 * (linear(n + d, 56) + linear(56, n))  # past and future MLPs
    size += linear(2 * n, n)  # node combine
    size += linear(d, 8) + linear(8, 1)  # edge classifier
    size += (linear(n, 8) + linear(8, 1)) if c.node_head else 0
    return size + (c.num_levels * d if c.num_levels >= 2 else 0)


def test_hierarchical_gnn_sharing_and_size() -> None:
    torch.manual_seed(0)
    model = HierarchicalGNN()
    assert model.net(0) is model.node_net and model.node_config.node_head
    assert model.net(2) is model.net(3) is model.net(9)
    assert model.net(1) is not model.net(2)
    assert len(model.edge_nets) == 2
    # the paper reports ~65K: GNN_node + GNN_edge level 1 + one GNN_edge shared by levels 2-9
    total = model.num_parameters()
    assert total == _mpn_size(model.node_config) + 2 * _mpn_size(model.edge_config) == 68_076
    assert 60_000 <= total <= 70_000
    shared = HierarchicalGNN(share="all")
    assert shared.net(1) is shared.net(2) and len(shared.edge_nets) == 1
    assert shared.num_parameters() == total - _mpn_size(model.edge_config)
    # node_head is forced on GNN_node
    assert HierarchicalGNN(MPNConfig(), MPNConfig()).node_net.node_classifier is not None
    with pytest.raises(ValueError, match="share"):
        HierarchicalGNN(share="none")  # type: ignore[arg-type]


def test_hierarchical_gnn_dispatch() -> None:
    torch.manual_seed(0)
    model = HierarchicalGNN().double().eval()
    x, ei, ea = make_graph(10, 25, MPNConfig(), seed=12)
    out0 = model(0, x, ei, ea)
    assert out0.node_logits is not None and out0.node_logits[-1].shape == (10,)
    out3 = model(3, x, ei, ea)
    assert out3.node_logits is None
    # level k runs its net with embedding row k - 1
    torch.testing.assert_close(out3.edge_logits[-1], model.net(3)(x, ei, ea, 2).edge_logits[-1])
    out2 = model(2, x, ei, ea)
    assert not torch.allclose(out2.edge_logits[-1], out3.edge_logits[-1])
    with pytest.raises(ValueError):
        model(10, x, ei, ea)  # nine edge levels only
    with pytest.raises(ValueError):
        model(-1, x, ei, ea)


def test_focal_loss_hand_values() -> None:
    logits = torch.tensor([0.0, 2.0, -1.0])
    targets = torch.tensor([1.0, 0.0, 0.0])
    bce = [math.log(2.0), math.log1p(math.exp(2.0)), math.log1p(math.exp(-1.0))]
    one_minus_pt = [1.0 - math.exp(-b) for b in bce]  # 0.5, e^2/(1+e^2), 1/(1+e)
    assert one_minus_pt[0] == pytest.approx(0.5)
    assert one_minus_pt[1] == pytest.approx(math.exp(2) / (1 + math.exp(2)))
    for gamma in (1.0, 2.0, 0.5):
        expected = sum(q**gamma * b for q, b in zip(one_minus_pt, bce, strict=True)) / 3
        assert float(focal_loss(logits, targets, gamma)) == pytest.approx(expected, rel=1e-6)
    # weighted mean: weights 1, 0, 3
    w = torch.tensor([1.0, 0.0, 3.0])
    expected = (one_minus_pt[0] * bce[0] + 3 * one_minus_pt[2] * bce[2]) / 4
    assert float(focal_loss(logits, targets, 1.0, weight=w)) == pytest.approx(expected, rel=1e-6)
    assert float(focal_loss(logits, targets, weight=torch.zeros(3))) == 0.0
    # bool targets, and a confident correct prediction costs (almost) nothing
    assert float(focal_loss(torch.tensor([30.0]), torch.tensor([True]))) < 1e-20


def test_focal_loss_gamma_zero_is_bce() -> None:
    g = torch.Generator().manual_seed(13)
    logits = torch.randn(4, 7, generator=g)
    targets = (torch.rand(4, 7, generator=g) > 0.5).float()
    torch.testing.assert_close(
        focal_loss(logits, targets, gamma=0.0),
        F.binary_cross_entropy_with_logits(logits, targets),
    )


def test_focal_loss_empty_and_invalid() -> None:
    logits = torch.zeros(0, requires_grad=True)
    loss = focal_loss(logits, torch.zeros(0))
    assert float(loss.detach()) == 0.0 and loss.requires_grad
    loss.backward()
    assert logits.grad is not None and logits.grad.shape == (0,)
    with pytest.raises(ValueError, match="gamma"):
        focal_loss(torch.zeros(2), torch.zeros(2), gamma=-1.0)
    with pytest.raises(ValueError, match="shape"):
        focal_loss(torch.zeros(2), torch.zeros(3))


def test_focal_loss_gradients_finite_at_saturation() -> None:
    logits = torch.tensor([100.0, -100.0, 0.0], requires_grad=True)
    focal_loss(logits, torch.tensor([1.0, 0.0, 1.0]), gamma=0.5).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


def test_import_spamlabels_does_not_import_torch() -> None:
    code = (
        "import sys, spamlabels, spamlabels.core, spamlabels.io, spamlabels.eval;"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
