"""Synthetic multi-object-tracking sequences: our stand-in for MOTSynth.

A seeded procedural generator of pedestrians walking on a ground plane seen by a pinhole
camera (static, panning, zooming or hand-held), with exact ground truth (boxes and
occlusion-aware visibility), a simulated detector calibrated against real MOT17 detections,
and optional rendered frames. It writes MOTChallenge-layout sequences or works fully in memory.

Example:
    >>> from spamlabels.synth import SceneConfig, simulate_scene
    >>> info, gt, det = simulate_scene(SceneConfig(n_frames=20, n_people=8), seed=1)
    >>> info.seq_length, bool((gt.visibility >= 0).all())
    (20, True)
"""

from spamlabels.synth.appearance import Appearance, Pattern
from spamlabels.synth.camera import CameraPath
from spamlabels.synth.config import (
    DETECTOR_PRESETS,
    SLOW_CROWD,
    CameraMotion,
    DetectorConfig,
    SceneConfig,
    VisibilityMode,
    sample_config,
)
from spamlabels.synth.detector import DetectionSource
from spamlabels.synth.render import render_frame
from spamlabels.synth.scene import (
    Scene,
    generate_dataset,
    generate_sequence,
    simulate_scene,
    write_frames,
    write_scene,
)
from spamlabels.synth.stats import DetectorStats, detector_stats, match_detections

__all__ = [
    "DETECTOR_PRESETS",
    "SLOW_CROWD",
    "Appearance",
    "CameraMotion",
    "CameraPath",
    "DetectionSource",
    "DetectorConfig",
    "DetectorStats",
    "Pattern",
    "Scene",
    "SceneConfig",
    "VisibilityMode",
    "detector_stats",
    "generate_dataset",
    "generate_sequence",
    "match_detections",
    "render_frame",
    "sample_config",
    "simulate_scene",
    "write_frames",
    "write_scene",
]
