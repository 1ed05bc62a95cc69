"""Hierarchical graphs over clips of detections (numpy): candidate edges, pruning, features,
rounding, and the per-clip hierarchy state that the GNN tracker and active learning share."""

from spamlabels.graph.edges import candidate_edges, reciprocal_topk
from spamlabels.graph.features import (
    EDGE_FEATURES,
    NODE_FEATURES,
    NodeAttributes,
    context_velocity,
    edge_features,
    motion_giou,
    node_attributes,
)
from spamlabels.graph.hierarchy import (
    ClipHierarchy,
    HierarchyConfig,
    LevelGraph,
    LevelRecord,
    edge_labels,
    majority_ids,
)
from spamlabels.graph.labels import ASSIGN_CLASSES, assign_gt_ids
from spamlabels.graph.rounding import components, round_edges

__all__ = [
    "ASSIGN_CLASSES",
    "EDGE_FEATURES",
    "NODE_FEATURES",
    "ClipHierarchy",
    "HierarchyConfig",
    "LevelGraph",
    "LevelRecord",
    "NodeAttributes",
    "assign_gt_ids",
    "candidate_edges",
    "components",
    "context_velocity",
    "edge_features",
    "edge_labels",
    "majority_ids",
    "motion_giou",
    "node_attributes",
    "reciprocal_topk",
    "round_edges",
]
