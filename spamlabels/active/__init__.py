"""Active learning on graph hierarchies: uncertainty, level budgets, annotators, clicks.

Paper §3.3 and supplementary A.2; design notes §3.4-3.6. :func:`label_sequences` runs the
hierarchy level by level over every clip of every sequence, asks an
:class:`~spamlabels.active.annotators.Annotator` about the most uncertain nodes until each
level's share of the budget is spent, and clamps the answers before the level is rounded.
"""

from spamlabels.active.annotators import (
    Annotator,
    CallbackAnnotator,
    NodeAnswer,
    NodeQuery,
    OracleAnnotator,
    SequenceTruth,
    TrackletAnswer,
    TrackletQuery,
)
from spamlabels.active.baselines import (
    frame_based_cost,
    frame_based_labels,
    frame_step_for_budget,
)
from spamlabels.active.budget import (
    CLICKS_ACCEPT,
    CLICKS_ASSOCIATE,
    CLICKS_REFINE,
    CLICKS_REJECT,
    DEFAULT_SPLIT,
    LevelBudget,
    check_passes,
    check_split,
    counted_boxes,
    fit_shares,
    full_cost,
    parse_budget,
    split_levels,
)
from spamlabels.active.extension import Extension, extension_chains
from spamlabels.active.labeler import (
    HumanKnowledge,
    LabelResult,
    LabelTask,
    Query,
    label_sequences,
)
from spamlabels.active.selection import (
    STRATEGIES,
    LevelView,
    Selection,
    Selector,
    decision_entropy,
    ensemble_selection,
)
from spamlabels.active.uncertainty import (
    binary_entropy,
    edge_node_uncertainty,
    existence_uncertainty,
)

__all__ = [
    "CLICKS_ACCEPT",
    "CLICKS_ASSOCIATE",
    "CLICKS_REFINE",
    "CLICKS_REJECT",
    "DEFAULT_SPLIT",
    "STRATEGIES",
    "Annotator",
    "CallbackAnnotator",
    "Extension",
    "HumanKnowledge",
    "LabelResult",
    "LabelTask",
    "LevelBudget",
    "LevelView",
    "NodeAnswer",
    "NodeQuery",
    "OracleAnnotator",
    "Query",
    "Selection",
    "Selector",
    "SequenceTruth",
    "TrackletAnswer",
    "TrackletQuery",
    "binary_entropy",
    "check_passes",
    "check_split",
    "counted_boxes",
    "decision_entropy",
    "edge_node_uncertainty",
    "ensemble_selection",
    "existence_uncertainty",
    "extension_chains",
    "fit_shares",
    "frame_based_cost",
    "frame_based_labels",
    "frame_step_for_budget",
    "full_cost",
    "label_sequences",
    "parse_budget",
    "split_levels",
]
