"""Checkpoints of :class:`~spamlabels.nn.HierarchicalGNN`: weights + the configs that built it.

A checkpoint is a ``torch.save`` dict::

    {"format": "spamlabels.gnn/1", "node_config": {...}, "edge_config": {...}, "share": ...,
     "state_dict": {...}, "meta": {...}}

``meta`` is free-form JSON-like data (the training config, the hierarchy settings, the data it
was trained on, its git commit). A checkpoint of a training run cut short also holds
``"trainer_state"`` (the optimiser's and the random generators' state, to continue exactly;
:func:`read_trainer_state`); finished weights do not. Saving is atomic (temporary file +
rename), so an interrupted training never corrupts the last good checkpoint.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from spamlabels.core import DataFormatError
from spamlabels.nn.mpn import HierarchicalGNN, MPNConfig

__all__ = [
    "FORMAT",
    "load_checkpoint",
    "read_checkpoint_meta",
    "read_trainer_state",
    "save_checkpoint",
]

FORMAT = "spamlabels.gnn/1"


def save_checkpoint(
    path: str | Path,
    model: HierarchicalGNN,
    meta: dict[str, Any] | None = None,
    trainer_state: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` (weights and architecture) and ``meta`` to ``path`` atomically.

    ``trainer_state`` (tensors, numbers, lists and dicts: the optimiser's state and the random
    generators' of a training run cut short) lets the run continue exactly where it stopped
    (:func:`read_trainer_state`); finished weights leave it out."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "node_config": dataclasses.asdict(model.node_config),
        "edge_config": dataclasses.asdict(model.edge_config),
        "share": model.share,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "meta": meta or {},
    }
    if trainer_state is not None:
        payload["trainer_state"] = trainer_state
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(path, "weights file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise DataFormatError(
            path, f"not a spamlabels checkpoint ({err.__class__.__name__})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataFormatError(path, f"not a spamlabels checkpoint (expected format {FORMAT})")
    return payload


def load_checkpoint(path: str | Path) -> HierarchicalGNN:
    """Rebuild the model saved by :func:`save_checkpoint` (in eval mode, on the CPU)."""
    payload = _read(path)
    model = HierarchicalGNN(
        MPNConfig(**payload["node_config"]), MPNConfig(**payload["edge_config"]), payload["share"]
    )
    bad = [k for k, v in payload["state_dict"].items()
           if v.is_floating_point() and not bool(v.isfinite().all())]  # fmt: skip
    if bad:  # e.g. weights of a training run that diverged
        raise DataFormatError(path, f"{len(bad)} weight tensors hold NaN or infinite "
                                    f"values (the first: {bad[0]}); unusable")  # fmt: skip
    model.load_state_dict(payload["state_dict"])
    return model.eval()


def read_checkpoint_meta(path: str | Path) -> dict[str, Any]:
    """The ``meta`` dict of a checkpoint."""
    return dict(_read(path)["meta"])


def read_trainer_state(path: str | Path) -> dict[str, Any] | None:
    """The ``trainer_state`` a checkpoint was saved with (``None``: finished weights, or
    weights written before it was kept)."""
    return _read(path).get("trainer_state")
