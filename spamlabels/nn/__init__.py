"""Graph neural networks on plain PyTorch: tensors in, tensors out (needs ``spamlabels[gnn]``).

Only this package imports torch; ``import spamlabels`` works without it.
"""

try:
    import torch  # noqa: F401
except ImportError as err:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "spamlabels.nn needs PyTorch: install it with `pip install 'spamlabels[gnn]'`"
    ) from err

from spamlabels.nn.checkpoint import (
    load_checkpoint,
    read_checkpoint_meta,
    read_trainer_state,
    save_checkpoint,
)
from spamlabels.nn.mpn import (
    HierarchicalGNN,
    MPNConfig,
    MPNOutput,
    TimeAwareMessagePassing,
    TimeAwareMPN,
    focal_loss,
)

__all__ = [
    "HierarchicalGNN",
    "MPNConfig",
    "MPNOutput",
    "TimeAwareMPN",
    "TimeAwareMessagePassing",
    "focal_loss",
    "load_checkpoint",
    "read_checkpoint_meta",
    "read_trainer_state",
    "save_checkpoint",
]
