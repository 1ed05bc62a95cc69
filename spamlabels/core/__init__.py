"""The data model: columnar box tables, box geometry and dataset splits (numpy only)."""

from spamlabels.core.boxes import (
    box_area,
    box_giou,
    box_ioa,
    box_iou,
    box_iou_pairs,
    cxcywh_to_xyxy,
    xyah_to_xyxy,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xyah,
    xyxy_to_xywh,
)
from spamlabels.core.detections import Detections, Provenance, Tracks
from spamlabels.core.errors import DataFormatError
from spamlabels.core.matching import hungarian_iou, match_per_frame
from spamlabels.core.scores import SCORE_MAPS, ScoreMap, check_score_map, map_scores
from spamlabels.core.splits import Half, half_range, take_half

__all__ = [
    "SCORE_MAPS",
    "DataFormatError",
    "Detections",
    "Half",
    "Provenance",
    "ScoreMap",
    "Tracks",
    "box_area",
    "box_giou",
    "box_ioa",
    "box_iou",
    "box_iou_pairs",
    "check_score_map",
    "cxcywh_to_xyxy",
    "half_range",
    "hungarian_iou",
    "map_scores",
    "match_per_frame",
    "take_half",
    "xyah_to_xyxy",
    "xywh_to_xyxy",
    "xyxy_to_cxcywh",
    "xyxy_to_xyah",
    "xyxy_to_xywh",
]
