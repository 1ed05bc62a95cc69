"""Training loops (needs ``spamlabels[gnn]``): the GNN hierarchy on sequences with ground truth."""

from spamlabels.train.data import mot_sequences, synthetic_sequences
from spamlabels.train.gnn import (
    TrainConfig,
    Trainer,
    TrainingDiverged,
    TrainSequence,
    make_train_sequence,
)

__all__ = [
    "TrainConfig",
    "TrainSequence",
    "Trainer",
    "TrainingDiverged",
    "make_train_sequence",
    "mot_sequences",
    "synthetic_sequences",
]
