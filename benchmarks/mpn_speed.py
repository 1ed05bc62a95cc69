"""Speed of one TimeAwareMPN (default SUSHI sizes) on a random graph, CPU by default.

Times inference (``torch.no_grad``) and training (forward + focal loss over the classified
steps + backward), median of ``--repeats`` runs after one warm-up run.

    python benchmarks/mpn_speed.py --nodes 20000 --edges 200000 --out runs/mpn_speed.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from spamlabels.io import atomic_write
from spamlabels.nn import MPNConfig, TimeAwareMPN, focal_loss


def random_graph(
    num_nodes: int, num_edges: int, config: MPNConfig, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(x, edge_index, edge_attr)`` with uniform random endpoints (earlier node first)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(num_nodes, config.node_in, generator=g)
    a = torch.randint(0, num_nodes, (num_edges,), generator=g)
    b = torch.randint(0, num_nodes, (num_edges,), generator=g)
    edge_index = torch.stack([torch.minimum(a, b), torch.maximum(a, b)])
    edge_attr = torch.randn(num_edges, config.edge_in, generator=g)
    return x, edge_index, edge_attr


def _median_ms(fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), times


def main() -> None:
    """Print and optionally save the timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=20_000)
    ap.add_argument("--edges", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--node-head", action="store_true", help="time GNN_node (with node head)")
    ap.add_argument(
        "--chunk-size", type=int, default=None, help="edges per chunk (default: the model's)"
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    config = MPNConfig(node_head=args.node_head)
    model = TimeAwareMPN(config).to(device)
    if args.chunk_size is not None:
        model.mp.chunk_size = args.chunk_size
    x, edge_index, edge_attr = (t.to(device) for t in random_graph(args.nodes, args.edges, config))
    targets = (torch.rand(args.edges) < 0.1).float().to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def infer() -> None:
        model.eval()
        with torch.no_grad():
            model(x, edge_index, edge_attr)
        sync()

    def train_step() -> None:
        model.train()
        model.zero_grad(set_to_none=True)
        out = model(x, edge_index, edge_attr)
        loss = torch.stack([focal_loss(lg, targets) for lg in out.edge_logits]).sum()
        loss.backward()
        sync()

    infer_ms, infer_all = _median_ms(infer, args.repeats)
    train_ms, train_all = _median_ms(train_step, args.repeats)
    result = {
        "device": str(device),
        "cpu": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "nodes": args.nodes,
        "edges": args.edges,
        "steps": config.steps,
        "node_head": config.node_head,
        "parameters": model.num_parameters(),
        "chunk_size": model.mp.chunk_size,
        "repeats": args.repeats,
        "inference_ms": infer_ms,
        "inference_edges_per_s": args.edges / (infer_ms / 1e3),
        "train_step_ms": train_ms,
        "train_step_edges_per_s": args.edges / (train_ms / 1e3),
        "inference_ms_all": infer_all,
        "train_step_ms_all": train_all,
        # Linux reports KiB; the whole process, i.e. the training step's peak
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    infer_rate, train_rate = result["inference_edges_per_s"], result["train_step_edges_per_s"]
    print(
        f"TimeAwareMPN N={args.nodes} E={args.edges} steps={config.steps} on {device} "
        f"({result['threads']} threads)\n"
        f"  inference        {infer_ms:9.1f} ms  {infer_rate:12,.0f} edges/s\n"
        f"  forward+backward {train_ms:9.1f} ms  {train_rate:12,.0f} edges/s\n"
        f"  peak RSS {result['peak_rss_mib']:.0f} MiB"
    )
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
