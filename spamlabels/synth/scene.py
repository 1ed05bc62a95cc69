"""Whole synthetic sequences: simulation in memory (:func:`simulate_scene`) and on disk
(:func:`generate_sequence`, :func:`generate_dataset`).

Box coordinates follow MOTChallenge: 1-based pixels, so the image spans ``[1, W + 1) x
[1, H + 1)`` and a box with ``left = 1`` starts at the first pixel column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from spamlabels.core import Detections, Tracks, xyxy_to_xywh
from spamlabels.io import SeqInfo, atomic_write, write_mot, write_seqinfo
from spamlabels.synth.appearance import Appearance, sample_appearance
from spamlabels.synth.camera import CameraPath, make_camera_path
from spamlabels.synth.config import DetectorConfig, SceneConfig, sample_config
from spamlabels.synth.detector import DetectorTargets, simulate_detections
from spamlabels.synth.figure import PROP_POSE, pose_index, pose_table
from spamlabels.synth.visibility import Figures, compute_visibility
from spamlabels.synth.walkers import WalkArea, Walkers, simulate_walkers

__all__ = ["Props", "Scene", "generate_dataset", "generate_sequence", "simulate_scene"]

MOT_OFFSET = 1.0
"""MOTChallenge pixel coordinates are 1-based: ``mot = image + 1``."""
_MIN_DEPTH = 0.5  # metres; points nearer the camera plane are not projected
_STREAMS = ("camera", "walkers", "appearance", "props", "detector", "texture")


@dataclass(frozen=True)
class Props:
    """Static person-sized objects on the ground (bins, poles, signs, kiosks).

    Attributes:
        xy: ``(m, 2)`` ground position, metres.
        size: ``(m, 2)`` width and height, metres.
        colour: ``(m, 3)`` BGR uint8.
    """

    xy: NDArray[np.float64]
    size: NDArray[np.float64]
    colour: NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.xy.shape[0])


_PROP_KINDS = np.array([[0.6, 1.0], [0.15, 3.0], [0.7, 2.1], [0.25, 0.9], [1.3, 1.9]])


def _sample_props(rng: np.random.Generator, area: WalkArea, n: int) -> Props:
    kind = rng.integers(0, len(_PROP_KINDS), n)
    size = _PROP_KINDS[kind] * rng.uniform(0.85, 1.15, (n, 2))
    grey = rng.uniform(50, 170, (n, 1))
    tint = rng.normal(0, 20, (n, 3))
    colour = np.clip(grey + tint, 0, 255).astype(np.uint8)
    return Props(area.sample_inside(rng, 0, n), size, colour)


@dataclass(frozen=True, eq=False)
class Scene:
    """A simulated sequence: labels, detections and everything needed to render its frames.

    Unpacks as ``info, gt, det = scene``.

    Attributes:
        config: the scene configuration.
        seed: the random seed it was simulated with.
        info: sequence information (``seqinfo.ini``).
        gt: ground truth: class 1, ``consider`` set, ids ``1 ..``, visibility in [0, 1]
            (``config.visibility``; both kinds are in ``data["vis_silhouette"]`` and
            ``data["vis_box"]``), sorted by frame then id.
        det: simulated detections, sorted by frame (``data["source"]``, ``data["track"]``:
            see :func:`~spamlabels.synth.detector.simulate_detections`; props have track ids
            ``-2, -3, ...``).
        camera: the camera of every frame.
        appearance: looks of every person (row ``id - 1``).
        figures: placement of every ground-truth row (aligned with ``gt``), image pixels.
        facing: ``(len(gt),)`` True where the person faces the camera.
        props: the static objects.
        prop_figures: placement of every prop in every frame it is in view.
        prop_index: ``(len(prop_figures),)`` prop of each of those rows.
        walkers: ground-plane states of everyone (including rows out of view).
    """

    config: SceneConfig
    seed: int
    info: SeqInfo
    gt: Tracks
    det: Detections
    camera: CameraPath
    appearance: Appearance
    figures: Figures
    facing: NDArray[np.bool_]
    props: Props
    prop_figures: Figures
    prop_index: NDArray[np.int64]
    walkers: Walkers
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[Any]:
        yield self.info
        yield self.gt
        yield self.det

    def render(self, frame: int, scale: float = 0.5) -> NDArray[np.uint8]:
        """Render one frame (see :func:`spamlabels.synth.render.render_frame`)."""
        from spamlabels.synth.render import render_frame

        return render_frame(self, frame, scale)


def _people_figures(
    walkers: Walkers, camera: CameraPath, appearance: Appearance
) -> tuple[Figures, NDArray[np.int64], NDArray[np.bool_]]:
    """Project every walker state; returns figures, their person index and facing flag
    (rows behind the camera are dropped)."""
    t, xy = walkers.t, walkers.xy
    height = walkers.height_m[walkers.person]
    zero = np.zeros(len(t))
    feet_uv, feet_d = camera.project(t, np.column_stack([xy, zero]))
    head_uv, head_d = camera.project(t, np.column_stack([xy, height]))
    _, mid_d = camera.project(t, np.column_stack([xy, height / 2]))
    ok = (feet_d > _MIN_DEPTH) & (head_d > _MIN_DEPTH) & (feet_uv[:, 1] > head_uv[:, 1] + 1e-6)
    rows = np.flatnonzero(ok)
    t, person = t[rows], walkers.person[rows]
    bearing_vec = xy[rows] - camera.position[t, :2]
    bearing = np.arctan2(bearing_vec[:, 1], bearing_vec[:, 0])
    rel = walkers.heading[rows] - bearing
    swing = np.abs(np.sin(rel)) * np.clip(walkers.speed[rows] / 1.0, 0.0, 1.0)
    h_px = feet_uv[rows, 1] - head_uv[rows, 1]
    fig = Figures(
        t=t,
        depth=feet_d[rows],
        cx=feet_uv[rows, 0],
        top=head_uv[rows, 1],
        h=h_px,
        bw=appearance.build[person] * height[rows] * camera.focal[t] / mid_d[rows],
        pose=pose_index(walkers.phase[rows], swing),
    )
    return fig, person, np.cos(rel) < 0


def _prop_figures(props: Props, camera: CameraPath) -> tuple[Figures, NDArray[np.int64]]:
    """Project every prop into every frame."""
    n_t, m = len(camera), len(props)
    t = np.repeat(np.arange(n_t), m)
    k = np.tile(np.arange(m), n_t)
    base = np.column_stack([props.xy[k], np.zeros(len(k))])
    top = base.copy()
    top[:, 2] = props.size[k, 1]
    base_uv, base_d = camera.project(t, base)
    top_uv, top_d = camera.project(t, top)
    ok = (base_d > _MIN_DEPTH) & (top_d > _MIN_DEPTH)
    hw = pose_table().half_width
    fig = Figures(
        t=t[ok],
        depth=base_d[ok],
        cx=base_uv[ok, 0],
        top=top_uv[ok, 1],
        h=base_uv[ok, 1] - top_uv[ok, 1],
        bw=props.size[k[ok], 0] * camera.focal[t[ok]] / base_d[ok] / (2 * hw),
        pose=np.full(int(ok.sum()), PROP_POSE),
    )
    return fig, k[ok]


def _as_boxes(fig: Figures, xyxy: NDArray[np.float64]) -> Figures:
    """The same figures as solid boxes (for MOT17-style box visibility)."""
    hw = pose_table().half_width
    return Figures(
        fig.t,
        fig.depth,
        (xyxy[:, 0] + xyxy[:, 2]) / 2,
        xyxy[:, 1],
        xyxy[:, 3] - xyxy[:, 1],
        (xyxy[:, 2] - xyxy[:, 0]) / (2 * hw),
        np.full(len(fig), PROP_POSE),
    )


def _in_view(fig: Figures, width: int, height: int, min_px: float) -> NDArray[np.bool_]:
    b = fig.xyxy()
    w = np.minimum(b[:, 2], width) - np.maximum(b[:, 0], 0)
    h = np.minimum(b[:, 3], height) - np.maximum(b[:, 1], 0)
    return (w >= min_px) & (h >= min_px) & (fig.h > 0)


def _clip(xyxy: NDArray[np.float64], width: int, height: int) -> NDArray[np.float64]:
    out = xyxy.copy()
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    return out


def simulate_scene(config: SceneConfig, seed: int, name: str = "SYNTH-0000") -> Scene:
    """Simulate one sequence in memory (nothing touches the disk).

    Args:
        config: the scene configuration.
        seed: random seed (a non-negative int); the same ``(config, seed)`` always gives the
            same scene. Independent streams are derived for the camera, the walkers, their
            looks, the props, the detector and the ground texture, so changing e.g. only the
            detector configuration keeps the people and their paths.
        name: sequence name (``seqinfo.ini`` ``name``).

    Returns:
        The :class:`Scene`; ``info, gt, det = simulate_scene(...)`` also works.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    streams = dict(
        zip(
            _STREAMS,
            (
                np.random.default_rng(s)
                for s in np.random.SeedSequence(int(seed)).spawn(len(_STREAMS))
            ),
            strict=True,
        )
    )
    w, h = config.width, config.height
    camera = make_camera_path(config, streams["camera"])
    area = WalkArea.from_camera(camera, config)
    walkers = simulate_walkers(config, area, streams["walkers"])
    appearance = sample_appearance(streams["appearance"], walkers.n_people)
    props = _sample_props(streams["props"], area, config.n_props)

    people, person, facing = _people_figures(walkers, camera, appearance)
    keep = np.flatnonzero(_in_view(people, w, h, config.min_box_px))
    people, person, facing = people.take(keep), person[keep], facing[keep]
    prop_fig, prop_index = _prop_figures(props, camera)
    pkeep = np.flatnonzero(_in_view(prop_fig, w, h, 1.0))
    prop_fig, prop_index = prop_fig.take(pkeep), prop_index[pkeep]

    n_people_rows = len(people)
    everything = Figures.concat([people, prop_fig])
    full = everything.xyxy()
    clipped = _clip(full, w, h)
    vis_sil, vis_box, _ = compute_visibility(everything, w, h)
    vis_rect, _, in_rect = compute_visibility(_as_boxes(everything, full), w, h)
    visibility = vis_sil if config.visibility == "silhouette" else vis_rect
    # what the detector sees: the unoccluded fraction of the part inside the image
    det_vis = np.where(in_rect > 0, vis_rect / np.maximum(in_rect, 1e-9), 0.0).clip(0, 1)

    sel = np.flatnonzero(visibility[:n_people_rows] >= config.min_visibility)
    order = sel[np.lexsort((person[sel], people.t[sel]))]
    gt_box = clipped[order] if config.clip_boxes else full[order]
    gt = Tracks(
        frame=people.t[order] + 1,
        id=person[order] + 1,
        xywh=xyxy_to_xywh(gt_box + MOT_OFFSET),
        score=np.ones(len(order)),
        cls=np.ones(len(order), np.int64),
        visibility=visibility[order],
        consider=np.ones(len(order), bool),
        data={"vis_silhouette": vis_sil[order], "vis_box": vis_rect[order]},
    )
    prow = np.arange(n_people_rows, len(everything))
    targets = DetectorTargets(
        frame=gt.frame,
        track=gt.id,
        xyxy=gt_box + MOT_OFFSET,
        visible_xyxy=vis_box[order] + MOT_OFFSET,
        visibility=det_vis[order],
        height_px=people.h[order],
        in_image=in_rect[order],
    )
    prop_targets = DetectorTargets(
        frame=prop_fig.t + 1,
        track=-(prop_index + 2),
        xyxy=clipped[prow] + MOT_OFFSET,
        visible_xyxy=vis_box[prow] + MOT_OFFSET,
        visibility=det_vis[prow],
        height_px=prop_fig.h,
        in_image=in_rect[prow],
    )
    det = simulate_detections(
        targets,
        prop_targets,
        config.detector,
        config.n_frames,
        config.fps,
        (MOT_OFFSET, MOT_OFFSET, w + MOT_OFFSET, h + MOT_OFFSET),
        streams["detector"],
    )
    info = SeqInfo(
        name=name, frame_rate=config.fps, seq_length=config.n_frames, im_width=w, im_height=h
    )
    return Scene(
        config=config,
        seed=int(seed),
        info=info,
        gt=gt,
        det=det,
        camera=camera,
        appearance=appearance,
        figures=people.take(order),
        facing=facing[order],
        props=props,
        prop_figures=prop_fig,
        prop_index=prop_index,
        walkers=walkers,
        _cache={"texture_seed": int(streams["texture"].integers(0, 2**31 - 1))},
    )


_OUTPUTS = ("seqinfo.ini", "gt/gt.txt", "det/det.txt", "synth.json")
_FRAME_NAME = re.compile(r"^\d+\.jpg$")


def _prepare_folder(seq_dir: Path, overwrite: bool) -> None:
    """Refuse to mix with an earlier sequence unless ``overwrite``; then remove our outputs."""
    if not seq_dir.exists():
        return
    ours = [seq_dir / p for p in _OUTPUTS if (seq_dir / p).exists()]
    img_dir = seq_dir / "img1"
    frames = [p for p in img_dir.iterdir() if _FRAME_NAME.match(p.name)] if img_dir.is_dir() else []
    if not (ours or frames):
        return
    if not overwrite:
        raise FileExistsError(f"{seq_dir} already holds a sequence (pass overwrite=True)")
    for p in ours + frames:
        p.unlink()


def write_frames(
    scene: Scene, seq_dir: Path, scale: float = 1.0, quality: int = 90, progress: bool = False
) -> None:
    """Render every frame of ``scene`` to ``seq_dir/img1/000001.jpg ...`` at full image size.

    Rendering happens at ``scale`` times the image size (faster when < 1) and is resized to
    the size in ``seqinfo.ini``, so the files always match the boxes.
    """
    from spamlabels.synth.render import render_frame

    size = (scene.info.im_width, scene.info.im_height)
    img_dir = seq_dir / scene.info.im_dir
    for f in tqdm(
        range(1, scene.info.seq_length + 1),
        disable=not progress,
        leave=False,
        desc=scene.info.name,
        unit="frame",
    ):
        img = render_frame(scene, f, scale)
        if img.shape[1::-1] != size:
            img = np.asarray(cv2.resize(img, size, interpolation=cv2.INTER_LINEAR), np.uint8)
        ok, buf = cv2.imencode(scene.info.im_ext, img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise OSError(f"could not encode frame {f} of {scene.info.name}")
        with atomic_write(img_dir / f"{f:06d}{scene.info.im_ext}", "wb") as fh:
            fh.write(buf.tobytes())


def generate_sequence(
    out_dir: str | Path,
    name: str,
    config: SceneConfig,
    seed: int,
    render: bool = False,
    render_scale: float = 1.0,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Simulate one sequence and write it in the MOTChallenge layout.

    Writes ``{out_dir}/{name}/seqinfo.ini``, ``gt/gt.txt`` (9 columns), ``det/det.txt``
    (10 columns), ``synth.json`` (configuration and seed, to reproduce it) and, with
    ``render``, ``img1/000001.jpg ...``. Every file is written atomically.

    Args:
        out_dir: parent folder.
        name: sequence (folder) name.
        config: the scene configuration.
        seed: random seed.
        render: also render the frames.
        render_scale: render at this fraction of the image size, then resize to it.
        overwrite: replace an existing sequence of the same name.
        progress: show a per-frame progress bar while rendering.

    Returns:
        The sequence folder.

    Raises:
        FileExistsError: the folder already holds a sequence and ``overwrite`` is False.
    """
    if not 0.05 <= render_scale <= 1.0:
        raise ValueError(f"render_scale must be in [0.05, 1], got {render_scale}")
    _prepare_folder(Path(out_dir) / name, overwrite)  # refuse before spending the simulation
    scene = simulate_scene(config, seed, name)
    return write_scene(scene, out_dir, render, render_scale, overwrite, progress)


def write_scene(
    scene: Scene,
    out_dir: str | Path,
    render: bool = False,
    render_scale: float = 1.0,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Write an already simulated scene to ``{out_dir}/{scene name}/`` (the files of
    :func:`generate_sequence`, which is :func:`simulate_scene` followed by this).

    Returns:
        The sequence folder.

    Raises:
        FileExistsError: the folder already holds a sequence and ``overwrite`` is False.
    """
    if not 0.05 <= render_scale <= 1.0:
        raise ValueError(f"render_scale must be in [0.05, 1], got {render_scale}")
    seq_dir = Path(out_dir) / scene.info.name
    _prepare_folder(seq_dir, overwrite)
    _write_scene(scene, seq_dir, render, render_scale, progress)
    return seq_dir


def _write_scene(
    scene: Scene, seq_dir: Path, render: bool, render_scale: float, progress: bool
) -> None:
    write_seqinfo(seq_dir / "seqinfo.ini", scene.info)
    write_mot(seq_dir / "gt" / "gt.txt", scene.gt, "gt")
    write_mot(seq_dir / "det" / "det.txt", scene.det, "det")
    meta = {"generator": "spamlabels.synth", "seed": scene.seed, "config": scene.config.to_dict()}
    with atomic_write(seq_dir / "synth.json") as fh:
        json.dump(meta, fh, indent=2, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    if render:
        write_frames(scene, seq_dir, render_scale, progress=progress)


def generate_dataset(
    out_dir: str | Path,
    n_sequences: int,
    n_frames: int,
    seed: int,
    render: bool = False,
    progress: bool = True,
    *,
    width: int = 1920,
    height: int = 1080,
    people: tuple[int, int] = (5, 80),
    fps: tuple[float, float] = (10, 30),
    detector: DetectorConfig | None = None,
    render_scale: float = 1.0,
    overwrite: bool = False,
    prefix: str = "SYNTH",
    on_sequence: Callable[[Scene, Path], None] | None = None,
    slow_share: float = 0.0,
) -> list[Path]:
    """Generate ``n_sequences`` varied sequences ``{prefix}-0000, ...`` under ``out_dir``.

    Sequence ``i`` draws its configuration (:func:`~spamlabels.synth.config.sample_config`:
    crowd size, frame rate, camera pose and motion, walking behaviour) and its scene seed from
    the ``i``-th child of ``SeedSequence(seed)``, so it does not depend on ``n_sequences``.

    Args:
        out_dir: parent folder.
        n_sequences: number of sequences.
        n_frames: frames per sequence.
        seed: dataset seed.
        render: also render frames.
        progress: show a progress bar over sequences.
        width: image width, pixels.
        height: image height, pixels.
        people: range of the crowd size ``n_people``.
        fps: range of frame rates.
        detector: detector parameters (default: the ``"yolox"`` preset).
        render_scale: see :func:`generate_sequence`.
        overwrite: replace existing sequences of the same names.
        prefix: sequence-name prefix.
        on_sequence: called with each finished scene and its folder (e.g. to print a summary).
        slow_share: share of loitering crowds (see :func:`sample_config`).

    Returns:
        The sequence folders, in order.
    """
    if n_sequences < 0:
        raise ValueError(f"n_sequences must be >= 0, got {n_sequences}")
    if not 0.05 <= render_scale <= 1.0:
        raise ValueError(f"render_scale must be in [0.05, 1], got {render_scale}")
    children = np.random.SeedSequence(int(seed)).spawn(n_sequences)
    paths = []
    for i, child in enumerate(tqdm(children, disable=not progress, desc="synth", unit="seq")):
        rng = np.random.default_rng(child)
        config = sample_config(rng, n_frames, width, height, people, fps, detector, slow_share)
        scene_seed = int(rng.integers(0, 2**31 - 1))
        name = f"{prefix}-{i:04d}"
        seq_dir = Path(out_dir) / name
        _prepare_folder(seq_dir, overwrite)
        scene = simulate_scene(config, scene_seed, name)
        _write_scene(scene, seq_dir, render, render_scale, progress=False)
        if on_sequence is not None:
            on_sequence(scene, seq_dir)
        paths.append(seq_dir)
    return paths
