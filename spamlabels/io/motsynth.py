"""MOTSynth annotations (one COCO-style JSON per sequence) and their MOTChallenge conversion.

Follows dvl-tum/motsynth-baselines ``tools/anns/generate_mot_format_files.py`` (design notes
§5.4): ``frame = frame_n`` made 1-based, ``id = ped_id``, ``left = x + 1``, ``top = y + 1``,
``consider = 1 - iscrowd``, ``class = 1`` (8, "distractor", for crowd boxes), ``visibility`` =
fraction of the 22 2-D keypoints whose flag is 2, then the 3-D feet position (world x, y, z).

Frame offset: MOTSynth scripts disagree on whether ``frame_n`` is 0- or 1-based, so the offset
is read from the data: the image whose ``frame_n`` is smallest is paired with the number in its
``file_name`` (``rgb/0000.jpg`` is the first image); frames are shifted so that image is frame 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from spamlabels.core import DataFormatError, Tracks
from spamlabels.io.mot import write_mot
from spamlabels.io.sequence import SeqInfo, write_seqinfo

__all__ = ["convert_motsynth", "read_motsynth"]


def read_motsynth(path: str | Path) -> tuple[SeqInfo, Tracks]:
    """Read one MOTSynth annotation JSON into ``(seqinfo, ground truth)``.

    Raises:
        DataFormatError: not JSON, or missing ``images`` / ``annotations`` / ``info`` fields.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFormatError(path, "file not found") from None
    except json.JSONDecodeError as err:
        raise DataFormatError(path, f"not JSON: {err.msg}", err.lineno) from None
    for key in ("images", "annotations", "info"):
        if key not in doc:
            raise DataFormatError(path, f"missing top-level key {key!r}")
    info = doc["info"]
    images = {img["id"]: img for img in doc["images"]}
    if not images:
        raise DataFormatError(path, "no images")
    # the image with the smallest frame_n (rgb/0000.jpg) becomes frame 1, whichever base
    # frame_n uses; ImageFolderFrames applies the same shift to 0-based image names
    offset = 1 - min(int(im["frame_n"]) for im in images.values())
    rows = []
    for k, ann in enumerate(doc["annotations"]):
        try:
            img = images[ann["image_id"]]
            x, y, w, h = (float(v) for v in ann["bbox"])
            kps = np.asarray(ann.get("keypoints", []), dtype=np.float64).reshape(-1, 3)
            vis = float((kps[:, 2] == 2).mean()) if len(kps) else 1.0
            feet = ann.get("keypoints_3d")
            world = (-1.0, -1.0, -1.0)
            if feet:
                k3 = np.asarray(feet, dtype=np.float64).reshape(-1, 4)
                world = tuple(k3[-1, :3].tolist()) if len(k3) else world
            crowd = int(ann.get("iscrowd", 0))
            rows.append(
                (
                    int(img["frame_n"]) + offset,
                    int(ann["ped_id"]),
                    x + 1,
                    y + 1,
                    w,
                    h,
                    1 - crowd,
                    8 if crowd else 1,
                    vis,
                    *world,
                )
            )
        except (KeyError, TypeError, ValueError) as err:
            raise DataFormatError(path, f"annotation #{k} is malformed ({err!r})") from None
    mat = np.asarray(rows, dtype=np.float64).reshape(-1, 12)
    keep = (mat[:, 4] > 0) & (mat[:, 5] > 0)
    mat = mat[keep]
    n_frames = int(
        info.get("sequence_length", max(im["frame_n"] for im in images.values()) + offset)
    )
    seqinfo = SeqInfo(
        name=str(info.get("seq_name", path.stem)),
        frame_rate=float(info.get("fps", 20)),
        seq_length=n_frames,
        im_width=int(info.get("img_width", 1920)),
        im_height=int(info.get("img_height", 1080)),
        im_dir="img1",
        im_ext=".jpg",
    )
    gt = Tracks(
        frame=mat[:, 0].astype(np.int64),
        id=mat[:, 1].astype(np.int64),
        xywh=mat[:, 2:6],
        consider=mat[:, 6] != 0,
        cls=mat[:, 7].astype(np.int64),
        visibility=mat[:, 8],
        data={"world": mat[:, 9:12]},
    )
    return seqinfo, gt


def convert_motsynth(json_path: str | Path, out_dir: str | Path) -> Path:
    """Write ``{out_dir}/{seq}/gt/gt.txt`` (12 columns) and ``seqinfo.ini`` from one JSON.

    Returns:
        The sequence folder.
    """
    info, gt = read_motsynth(json_path)
    seq_dir = Path(out_dir) / info.name
    write_mot(seq_dir / "gt" / "gt.txt", gt, "gt")
    write_seqinfo(seq_dir / "seqinfo.ini", info)
    return seq_dir
