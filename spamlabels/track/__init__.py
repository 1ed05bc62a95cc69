"""Online trackers on detections: the :class:`Tracker` interface, its registry and ByteTrack."""

from spamlabels.track.base import (
    Tracker,
    available_trackers,
    create_tracker,
    warn_unless_probabilities,
)
from spamlabels.track.bytetrack import ByteTrack, ByteTrackConfig, OutputBox, linear_assignment
from spamlabels.track.kalman import KalmanFilterXYAH
from spamlabels.track.postprocess import (
    cut_tracks,
    interpolate_tracks,
    smooth_tracks,
    stitch_tracks,
    swap_tracks,
)

__all__ = [
    "ByteTrack",
    "ByteTrackConfig",
    "KalmanFilterXYAH",
    "OutputBox",
    "Tracker",
    "available_trackers",
    "create_tracker",
    "cut_tracks",
    "interpolate_tracks",
    "linear_assignment",
    "smooth_tracks",
    "stitch_tracks",
    "swap_tracks",
    "warn_unless_probabilities",
]
