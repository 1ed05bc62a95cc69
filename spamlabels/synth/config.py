"""Configuration of a synthetic scene (:class:`SceneConfig`) and of its simulated detector
(:class:`DetectorConfig`), and the per-sequence randomisation of a dataset (:func:`sample_config`).

Units: lengths in metres, angles in degrees, times in seconds, image sizes in pixels. Every
field is checked in ``__post_init__``; a bad value raises :class:`ValueError` naming the field.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, get_args

import numpy as np

__all__ = [
    "DETECTOR_PRESETS",
    "CameraMotion",
    "DetectorConfig",
    "SceneConfig",
    "VisibilityMode",
    "sample_config",
]

VisibilityMode = Literal["silhouette", "box"]
"""How ``gt.txt`` visibility is measured: the visible fraction of the person's rendered
silhouette, or (MOT17's convention) the fraction of the person's box not covered by the boxes
of nearer people and objects; both count parts outside the image as hidden."""

CameraMotion = Literal["static", "pan", "zoom", "pan_zoom", "handheld"]
"""How the camera moves: fixed; panning (yaw sweep); zooming (focal-length sweep); both; or
carried by a walking person (translation, bob and shake), like MOT17-10/11/13."""


def _check(ok: Any, name: str, value: Any, rule: str) -> None:
    if not ok:
        raise ValueError(f"{name} must be {rule}, got {value!r}")


def _check_ranges(obj: Any, ranges: dict[str, tuple[float, float]]) -> None:
    for name, (lo, hi) in ranges.items():
        value = getattr(obj, name)
        ok = (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and lo <= float(value) <= hi
        )
        _check(ok, name, value, f"a number in [{lo}, {hi}]")


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of the simulated person detector (see :mod:`spamlabels.synth.detector`).

    For every ground-truth box, with ``v`` the unoccluded fraction of its in-image part, ``h``
    its full height in pixels of a 1080-pixel-high image (the detector sees images resized to
    a fixed size), ``o = (1 - v) ** occlusion_power`` and ``s = max(0, log2(100 / h))``
    (halvings below 100 px), the detector

    - misses it outright with probability ``sigmoid(miss_base + miss_occlusion * o +
      miss_small * s)``;
    - otherwise gives it the confidence ``sigmoid(score_ceiling + score_size * log2(h / 100)
      - loss)`` where ``log(loss) ~ N(loss_base + loss_occlusion * o + loss_small * s,
      loss_spread^2)``: confidences bunch just below a ceiling with a long tail towards 0,
      as real ones do (capped at ``score_cap``, rounded to ``score_decimals``);
    - keeps it when the confidence is at least ``min_score``.

    The normal draws are a mix of white noise and per-track AR(1) processes (shares
    ``noise_white``, ``noise_fast``, rest slow; correlation times ``fast_tau``, ``slow_tau``),
    and the outright misses follow an AR(1) process of time ``miss_tau``, so confidences and
    misses are correlated in time as in real detector output. Box edges move by Gaussian
    AR(1) noise of standard deviation ``loc_px + loc_rel * h * (1 + loc_occlusion * (1 - v))``
    (1080p) pixels. False positives are parts or shifted duplicates of people and background
    clutter, both mostly of low confidence.

    The defaults are the ``"yolox"`` preset, calibrated on the YOLOX-X detections of MOT17
    (validation half): the true-detection part is a maximum-likelihood fit, the rest was tuned
    by hand on ``benchmarks/synth_detector_stats.py``; :data:`DETECTOR_PRESETS` also holds
    ``"frcnn"`` (hand-tuned to MOT17's public Faster R-CNN). ``docs/synth.md`` gives the
    calibration.
    """

    name: str = "yolox"
    """Label of the parameter set (informative only)."""
    occlusion_power: float = 2.6
    """Exponent of the occluded fraction in ``o = (1 - v) ** occlusion_power``: above 1, the
    first hidden parts matter little and the last visible ones a lot."""
    miss_base: float = -4.45
    """Logit of the outright-miss probability of a fully visible person of >= 100 px."""
    miss_occlusion: float = 3.3
    """Added to the miss logit, times ``o``."""
    miss_small: float = 1.35
    """Added to the miss logit per halving of the box height below 100 px."""
    miss_tau: float = 0.6
    """Correlation time of outright misses along a track, seconds."""
    score_ceiling: float = 3.15
    """Confidence logit that a 100-pixel-tall person's confidence stays below."""
    score_size: float = 0.16
    """Change of the ceiling per doubling of the box height."""
    loss_base: float = -0.23
    """Mean log of the logit loss of a fully visible person of >= 100 px."""
    loss_occlusion: float = 1.4
    """Added to the mean log-loss, times ``o``."""
    loss_small: float = 1.0
    """Added to the mean log-loss per halving of the box height below 100 px."""
    loss_spread: float = 0.62
    """Standard deviation of the log-loss."""
    noise_white: float = 0.2
    """Share of the log-loss variance that is independent from frame to frame."""
    noise_fast: float = 0.4
    """Share of the log-loss variance with correlation time ``fast_tau`` (the rest has
    ``slow_tau``)."""
    fast_tau: float = 0.25
    """Correlation time of the fast noise, seconds."""
    slow_tau: float = 4.0
    """Correlation time of the slow noise, seconds."""
    score_cap: float = 0.96
    """Largest confidence the detector outputs."""
    min_score: float = 0.01
    """Detections below this confidence are dropped (the detector's output threshold)."""
    score_decimals: int = 2
    """Confidences are rounded to this many decimals (YOLOX det.txt has 2); -1 keeps all."""
    loc_px: float = 1.5
    """Size-independent part of the box-edge noise, pixels."""
    loc_rel: float = 0.007
    """Box-edge noise per pixel of box height."""
    loc_occlusion: float = 4.0
    """Relative growth of the box-edge noise from fully visible to fully occluded."""
    loc_tau: float = 0.3
    """Correlation time of the box-edge noise along a track, seconds."""
    loc_weak: float = 0.0
    """Relative growth of the box-edge noise of weak detections: the noise is multiplied by
    ``1 + loc_weak * r`` with ``r`` rising linearly from 0 at confidence 0.7 to 1 at 0.3 and
    below (a real detector's weak boxes of occluded people are also its worst-placed ones)."""
    nms_iou: float = 0.7
    """Non-maximum suppression: a detection overlapping a more confident one of the same frame
    with a larger IoU is dropped (1 disables it). ByteTrack's YOLOX uses 0.7."""
    truncation_as_occlusion: bool = False
    """Treat the part of a person outside the image like an occluded part (``v`` then
    includes it). YOLOX detects people cut by the image border well; FRCNN rarely."""
    clip_to_image: bool = False
    """Clip boxes to the image (FRCNN does); YOLOX trained on MOT17 outputs amodal boxes
    that may extend past the image border, like MOT17's ground truth."""
    visible_part_bias: float = 0.1
    """0: boxes of occluded people cover the full person (a detector trained on amodal
    boxes, like YOLOX on MOT17); 1: they cover only the visible part (FRCNN-like)."""
    part_rate: float = 1.0
    """Expected number of part / duplicate false positives per fully visible person and
    frame (scaled by ``sqrt(v)``)."""
    clutter_rate: float = 8.0
    """Expected background false positives per frame on a 1920x1080 image (scaled with the
    image area)."""
    fp_ceiling: float = 2.3
    """Largest confidence logit of a false positive."""
    fp_decay: float = 0.4
    """False-positive confidence logits follow an exponential distribution that starts at
    ``logit(min_score)`` and decays at this rate per logit unit, truncated at ``fp_ceiling``:
    most are near the threshold, few are confident."""
    prop_fire_rate: float = 0.3
    """Probability per frame that a person-like static object (prop) in view, at least 30 %
    unoccluded, fires a false positive."""
    fp_min_height: float = 0.0
    """False positives (parts, clutter, props) smaller than this (1080p-equivalent pixels) are
    dropped: a real detector rarely fires on the head of a distant person."""
    clutter_height: tuple[float, float] = (0.03, 0.35)
    """Range of clutter box heights as fractions of the image height (log-uniform)."""
    clutter_persistent: float = 0.6
    """Share of the clutter that comes from persistent sites (fixed places of the image that
    keep firing, on and off with correlation time ``fp_tau``, each firing in about a third
    of the frames); the rest is drawn anew in every frame."""
    fp_tau: float = 1.5
    """Correlation time (seconds) of the on/off state of part / duplicate false positives and
    of prop firings: real false positives persist over many frames (a duplicate box follows
    its person, a static object keeps firing), so a false detection is usually present in the
    previous frame too. 0.5 s reproduces the flickering false positives of earlier versions."""
    fp_score_tau: float = 2.0
    """Correlation time (seconds) of the confidence of a persistent false positive."""
    part_jitter: float = 0.04
    """Frame-to-frame jitter (AR(1), fraction of the person's size) of a part / duplicate box
    around its fixed shape: each person keeps the same kind of part box (upper body, shifted
    duplicate, merge...) with the same proportions for the whole of its track."""

    def __post_init__(self) -> None:
        _check(
            isinstance(self.name, str) and bool(self.name), "name", self.name, "a non-empty string"
        )
        _check_ranges(
            self,
            {
                "occlusion_power": (0.05, 20),
                "miss_base": (-20, 20),
                "miss_occlusion": (-20, 20),
                "miss_small": (-20, 20),
                "miss_tau": (0, 100),
                "score_ceiling": (-20, 20),
                "score_size": (-20, 20),
                "loss_base": (-20, 20),
                "loss_occlusion": (-20, 20),
                "loss_small": (-20, 20),
                "loss_spread": (0, 20),
                "noise_white": (0, 1),
                "noise_fast": (0, 1),
                "fast_tau": (0, 100),
                "slow_tau": (0, 1000),
                "score_cap": (0.01, 1),
                "min_score": (0, 1),
                "loc_px": (0, 100),
                "loc_rel": (0, 1),
                "loc_occlusion": (0, 100),
                "loc_tau": (0, 100),
                "loc_weak": (0, 100),
                "fp_min_height": (0, 2000),
                "visible_part_bias": (0, 1),
                "part_rate": (0, 20),
                "clutter_rate": (0, 1000),
                "fp_ceiling": (-20, 20),
                "fp_decay": (0, 100),
                "prop_fire_rate": (0, 1),
                "clutter_persistent": (0, 1),
                "fp_tau": (0.01, 1000),
                "fp_score_tau": (0.01, 1000),
                "part_jitter": (0, 1),
                "nms_iou": (0.05, 1),
            },
        )
        _check(
            self.noise_white + self.noise_fast <= 1.0,
            "noise_white + noise_fast",
            self.noise_white + self.noise_fast,
            "<= 1",
        )
        _check(
            self.min_score < self.score_cap,
            "min_score",
            self.min_score,
            f"below score_cap ({self.score_cap})",
        )
        lo, hi = self.clutter_height
        _check(0 < lo <= hi <= 2, "clutter_height", self.clutter_height, "0 < low <= high <= 2")
        for name in ("clip_to_image", "truncation_as_occlusion"):
            _check(isinstance(getattr(self, name), bool), name, getattr(self, name), "a bool")
        _check(
            isinstance(self.score_decimals, int) and -1 <= self.score_decimals <= 10,
            "score_decimals",
            self.score_decimals,
            "an int in [-1, 10]",
        )

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> DetectorConfig:
        """A named parameter set (``"yolox"`` or ``"frcnn"``), optionally with overrides."""
        if name not in DETECTOR_PRESETS:
            raise ValueError(f"unknown detector preset {name!r}; known: {sorted(DETECTOR_PRESETS)}")
        return replace(DETECTOR_PRESETS[name], **overrides)


DETECTOR_PRESETS: dict[str, DetectorConfig] = {
    "yolox": DetectorConfig(),
    "frcnn": DetectorConfig(
        name="frcnn",
        occlusion_power=2.0,
        miss_base=-3.5,
        miss_occlusion=17.0,
        miss_small=1.0,
        miss_tau=0.6,
        score_ceiling=6.0,
        score_size=0.3,
        loss_base=-1.0,
        loss_occlusion=2.0,
        loss_small=1.0,
        loss_spread=1.5,
        score_cap=1.0,
        min_score=0.05,
        score_decimals=3,
        clip_to_image=True,
        truncation_as_occlusion=True,
        nms_iou=0.5,
        loc_px=1.0,
        loc_rel=0.008,
        loc_occlusion=1.0,
        visible_part_bias=1.0,
        part_rate=0.035,
        clutter_rate=0.15,
        fp_ceiling=4.5,
        fp_decay=0.1,
        prop_fire_rate=0.05,
    ),
    # the yolox preset with weak boxes closer to real YOLOX ones (docs/synth.md): weak true
    # boxes placed worse, no tiny false positives, more person-sized ones
    "yolox-weak": DetectorConfig(
        name="yolox-weak",
        loc_weak=0.8,
        fp_min_height=45.0,
        clutter_height=(0.055, 0.25),
        clutter_rate=10.0,
        part_rate=1.3,
        fp_decay=0.3,
        fp_ceiling=1.4,
    ),
}
"""Named detector parameter sets calibrated against MOT17 (see ``docs/synth.md``)."""


@dataclass(frozen=True)
class SceneConfig:
    """Everything that defines one synthetic sequence apart from its random seed.

    The world is a flat ground plane (z = 0, metres) seen by a pinhole camera; people walk on
    it inside the *walking area*: the part of the ground the camera sees, from a little nearer
    than where feet leave the image bottom to where people get smaller than
    ``min_person_px`` (or their heads leave the image top, or ``max_distance``), 10 % wider
    than the view plus 0.6 m so that people enter and leave it. Boxes are in pixels of a
    ``width`` x ``height`` image.
    """

    n_frames: int = 300
    """Sequence length in frames (frames are numbered 1..n_frames)."""
    fps: float = 30.0
    """Frame rate, frames per second."""
    width: int = 1920
    """Image width, pixels."""
    height: int = 1080
    """Image height, pixels."""
    n_people: int = 25
    """Mean number of people in the walking area at a time (the visible count is lower:
    the area has a margin outside the view)."""
    density_variation: float = 0.25
    """Relative amplitude of slow changes of the crowd size over the sequence."""
    camera_height: float = 6.0
    """Height of the camera centre above the ground, metres."""
    camera_tilt: float = 15.0
    """Angle of the optical axis below the horizontal, degrees."""
    vertical_fov: float = 45.0
    """Vertical field of view, degrees (sets the focal length)."""
    camera_motion: CameraMotion = "static"
    """How the camera moves (see :data:`CameraMotion`)."""
    pan_amplitude: float = 12.0
    """Amplitude of the yaw sweep for ``pan`` / ``pan_zoom``, degrees."""
    zoom_range: float = 1.5
    """Ratio of the largest to the smallest focal length for ``zoom`` / ``pan_zoom``."""
    walk_speed: float = 1.3
    """Mean walking speed, m/s."""
    walk_speed_std: float = 0.25
    """Standard deviation of the walking speed between people, m/s."""
    min_walk_speed: float = 0.4
    """Floor on a walking person's cruising speed, m/s (drawn from ``walk_speed`` ±
    ``walk_speed_std``, then clipped to ``[min_walk_speed, 2.5]``)."""
    group_fraction: float = 0.3
    """Probability that a newcomer arrives as a group of 2 to 4 people walking together."""
    standing_fraction: float = 0.1
    """Fraction of the initial people who stand (nearly) still the whole sequence."""
    stop_rate: float = 0.03
    """Stops per walking person per second (each lasts 1 s to ``max_stop_seconds``)."""
    max_stop_seconds: float = 6.0
    """Longest stop of a walking person, seconds."""
    turn_rate: float = 0.05
    """Turns per walking person per second (30 to 90 degrees over 1 to 2.5 s)."""
    flow_coherence: float = 0.6
    """Share of people walking along the scene's main axis (both directions, so groups
    cross); the rest walk in random directions."""
    min_person_px: float = 40.0
    """People are placed only where a 1.75 m person is at least this many pixels tall (at
    the widest zoom); this sets the far end of the walking area."""
    max_distance: float = 120.0
    """Upper bound on the far end of the walking area, metres."""
    n_props: int = 6
    """Number of static person-sized objects (bins, poles, signs) on the ground: they occlude
    people and attract false positives of the simulated detector."""
    clip_boxes: bool = True
    """Clip ground-truth boxes to the image (MOT17 keeps the unclipped box; both are valid)."""
    min_box_px: float = 2.0
    """Rows whose (clipped) box is narrower or shorter than this are dropped, pixels."""
    min_visibility: float = 0.0
    """Rows with a lower visibility are dropped (0 keeps fully occluded people, like MOT17)."""
    visibility: VisibilityMode = "silhouette"
    """Which visibility ``gt.txt`` reports (see :data:`VisibilityMode`). The simulated
    detector always uses the box visibility, the quantity it was calibrated on."""
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    """The simulated detector."""

    def __post_init__(self) -> None:
        for name in ("n_frames", "width", "height", "n_people", "n_props"):
            value = getattr(self, name)
            lo = 0 if name == "n_props" else 1
            _check(
                isinstance(value, (int, np.integer))
                and not isinstance(value, bool)
                and lo <= value <= 1_000_000,
                name,
                value,
                f"an int >= {lo}",
            )
        _check(
            self.width >= 16 and self.height >= 16,
            "width x height",
            (self.width, self.height),
            "at least 16 x 16",
        )
        _check(self.n_people <= 500, "n_people", self.n_people, "at most 500")
        _check_ranges(
            self,
            {
                "fps": (1, 240),
                "density_variation": (0, 0.9),
                "camera_height": (0.5, 100),
                "camera_tilt": (-30, 85),
                "vertical_fov": (5, 150),
                "pan_amplitude": (0, 90),
                "zoom_range": (1, 10),
                "walk_speed": (0.1, 5),
                "walk_speed_std": (0, 2),
                "min_walk_speed": (0, 2.5),
                "max_stop_seconds": (1, 3600),
                "group_fraction": (0, 1),
                "standing_fraction": (0, 1),
                "stop_rate": (0, 10),
                "turn_rate": (0, 10),
                "flow_coherence": (0, 1),
                "min_person_px": (2, 10_000),
                "max_distance": (2, 10_000),
                "min_box_px": (0.01, 10_000),
                "min_visibility": (0, 1),
            },
        )
        _check(
            self.camera_motion in get_args(CameraMotion),
            "camera_motion",
            self.camera_motion,
            f"one of {get_args(CameraMotion)}",
        )
        _check(isinstance(self.clip_boxes, bool), "clip_boxes", self.clip_boxes, "a bool")
        _check(
            self.visibility in get_args(VisibilityMode),
            "visibility",
            self.visibility,
            f"one of {get_args(VisibilityMode)}",
        )
        _check(
            isinstance(self.detector, DetectorConfig), "detector", self.detector, "a DetectorConfig"
        )
        half_fov = math.radians(self.vertical_fov) / 2
        bottom_ray = math.radians(self.camera_tilt) + half_fov
        _check(
            bottom_ray > math.radians(1.0),
            "camera_tilt + vertical_fov / 2",
            self.camera_tilt + self.vertical_fov / 2,
            "> 1 degree (the camera must see the ground)",
        )

    @property
    def focal(self) -> float:
        """Focal length in pixels (of the widest zoom)."""
        return self.height / 2 / math.tan(math.radians(self.vertical_fov) / 2)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the fields (``detector`` as a nested dict)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["detector"] = {f.name: getattr(self.detector, f.name) for f in fields(self.detector)}
        return out


_MOTIONS: tuple[CameraMotion, ...] = ("static", "pan", "zoom", "pan_zoom", "handheld")
_MOTION_P = (0.45, 0.15, 0.1, 0.1, 0.2)
_FPS_CHOICES = (10, 12, 14, 15, 20, 24, 25, 30)

SLOW_CROWD: dict[str, float | tuple[float, float]] = {
    "walk_speed": (0.5, 1.1),
    "min_walk_speed": 0.2,
    "standing_fraction": (0.1, 0.35),
    "stop_rate": (0.03, 0.1),
    "max_stop_seconds": 12.0,
}
"""Walking parameters of a loitering crowd (:func:`sample_config`'s ``slow_share``): a
range is drawn uniformly per scene. Chosen so that static-camera scenes match the speeds of
the MOT17 train halves' static-camera crowds (median 0.15-0.2 box heights per second, 30 %
of the boxes nearly still; docs/synth.md)."""


def sample_config(
    rng: np.random.Generator,
    n_frames: int = 300,
    width: int = 1920,
    height: int = 1080,
    people: tuple[int, int] = (5, 80),
    fps: tuple[float, float] = (10, 30),
    detector: DetectorConfig | None = None,
    slow_share: float = 0.0,
) -> SceneConfig:
    """Draw a varied scene: crowd size in ``people``, frame rate, camera pose and motion,
    walking behaviour, depth of the walking area. About 45 % of the cameras are at eye level
    (all hand-held ones), with smaller crowds; the rest look down from 3 to 12 m.

    With probability ``slow_share`` the scene is a *loitering crowd* (:data:`SLOW_CROWD`):
    slower walkers, more people standing, more and longer stops, like the static-camera
    crowds of MOT17-02 / -04 (docs/synth.md, "Walking speed"). With ``slow_share = 0`` (the
    default) no extra random number is drawn, so earlier datasets are reproduced exactly.

    Args:
        rng: the random generator (the only source of randomness).
        n_frames: frames per sequence.
        width: image width, pixels.
        height: image height, pixels.
        people: inclusive range of ``n_people``.
        fps: inclusive range of frame rates; common rates (10..30) inside it are preferred.
        detector: detector parameters (default: the ``"yolox"`` preset).
        slow_share: probability in [0, 1] of a loitering crowd.

    Returns:
        A validated :class:`SceneConfig`.
    """
    if not 0.0 <= slow_share <= 1.0:
        raise ValueError(f"slow_share must be in [0, 1], got {slow_share}")
    lo, hi = people
    if not 1 <= lo <= hi:
        raise ValueError(f"people must be a range 1 <= min <= max, got {people}")
    if not 0 < fps[0] <= fps[1]:
        raise ValueError(f"fps must be a range 0 < min <= max, got {fps}")
    choices = [f for f in _FPS_CHOICES if fps[0] <= f <= fps[1]]
    rate = float(rng.choice(choices)) if choices else float(rng.uniform(*fps))
    motion: CameraMotion = _MOTIONS[int(rng.choice(len(_MOTIONS), p=_MOTION_P))]
    if motion == "handheld" or rng.uniform() < 0.3:  # eye level, like much of MOT17
        cam_height, tilt = rng.uniform(1.4, 2.5), rng.uniform(-2.0, 10.0)
        # the view is shallow: fewer people (skewed to the low end), seen farther away
        n_people = lo + int((hi - lo + 1) * rng.uniform() ** 2)
        min_px = rng.uniform(35.0, 70.0)
    else:  # elevated
        cam_height = float(np.exp(rng.uniform(np.log(3.0), np.log(12.0))))
        tilt = rng.uniform(8.0, 35.0)
        n_people = int(rng.integers(lo, hi + 1))
        min_px = rng.uniform(50.0, 100.0)
    vfov = rng.uniform(35.0, 65.0)
    tilt = max(tilt, 2.0 - vfov / 2)
    config = SceneConfig(
        n_frames=n_frames,
        fps=rate,
        width=width,
        height=height,
        n_people=n_people,
        density_variation=float(rng.uniform(0.0, 0.4)),
        camera_height=float(cam_height),
        camera_tilt=float(tilt),
        vertical_fov=float(vfov),
        camera_motion=motion,
        pan_amplitude=float(rng.uniform(5.0, 25.0)),
        zoom_range=float(rng.uniform(1.2, 2.0)),
        walk_speed=float(rng.uniform(1.1, 1.5)),
        group_fraction=float(rng.uniform(0.1, 0.5)),
        standing_fraction=float(rng.uniform(0.0, 0.25)),
        stop_rate=float(rng.uniform(0.0, 0.06)),
        turn_rate=float(rng.uniform(0.0, 0.1)),
        flow_coherence=float(rng.uniform(0.2, 0.9)),
        min_person_px=float(min_px),
        n_props=int(rng.integers(0, 12)),
        detector=detector if detector is not None else DetectorConfig(),
    )
    if slow_share > 0.0 and rng.uniform() < slow_share:
        drawn: dict[str, Any] = {k: float(rng.uniform(*v)) if isinstance(v, tuple) else v
                                 for k, v in SLOW_CROWD.items()}  # fmt: skip
        config = replace(config, **drawn)
    return config
