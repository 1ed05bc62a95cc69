from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from factories import make_tracks

from spamlabels.core import DataFormatError, Detections, Tracks
from spamlabels.io import (
    ImageFolderFrames,
    MOTSequence,
    SeqInfo,
    VideoFrames,
    atomic_write,
    convert_motsynth,
    discover_sequences,
    read_det,
    read_gt,
    read_mot,
    read_seqinfo,
    read_seqmap,
    read_tracks,
    write_mot,
    write_seqinfo,
    write_seqmap,
)

GT_OK = "1,1,10,20,30,60,1,1,1.0\n2,1,12,20,30,60,1,1,0.5\n"


@pytest.mark.parametrize(
    ("kind", "text", "line", "message"),
    [
        ("gt", GT_OK + "3,1,10,20,30,60,1,1\n", 3, "expected 9 columns"),  # short line
        ("gt", "1,1,10,20,30\n", 1, "expected 9 or 10 or 12 columns"),  # too few everywhere
        ("gt", GT_OK + "\n3,1,abc,20,30,60,1,1,1\n", 4, "non-numeric value 'abc'"),  # blank skipped
        ("gt", GT_OK + "3,1,nan,20,30,60,1,1,1\n", 3, "must be finite"),  # NaN
        ("det", "1,-1,10,20,30,60,inf,-1,-1,-1\n", 1, "column 7 is inf"),  # infinite score
        ("det", "1,-1,10,20,0,60,0.9,-1,-1,-1\n", 1, "width"),  # w = 0
        ("det", "1,-1,10,20,5,-2,0.9,-1,-1,-1\n", 1, "height"),  # h < 0
        ("tracks", "1,1,10,20,30,60,1,-1,-1,-1\n9,1,10,20,30,60,1,-1,-1,-1\n", 2, "outside 1..5"),
        ("tracks", "0,1,10,20,30,60,1,-1,-1,-1\n", 1, "outside 1..5"),  # frame 0
        ("tracks", "1.5,1,10,20,30,60,1,-1,-1,-1\n", 1, "frame (column 1) must be an integer"),
        ("gt", "1,-3,10,20,30,60,1,1,1\n", 1, "id (column 2) must be >= 0"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, kind, text, line, message):
    path = tmp_path / f"{kind}.txt"
    path.write_text(text)
    with pytest.raises(DataFormatError) as info:
        read_mot(path, kind, seq_length=5)
    err = info.value
    assert err.path == path and err.line == line
    assert message in str(err) and str(err).startswith(f"{path}:{line}:")


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="file not found"):
        read_det(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["1,1,0,0,5,5,1,99,1"], "gt.txt:1: class (column 8) must be a MOTChallenge class"),
        (["1,1,0,0,5,5,1,1,1", "2,1,0,0,5,5,1,1,1", "1,1,9,9,5,5,1,1,1"],
         "gt.txt:3: ground-truth id (column 2) appears twice in this frame"),
        (["1,1e20,0,0,5,5,1,1,1"], "gt.txt:1: ground-truth id (column 2) must be a whole number"),
    ],
)  # fmt: skip
def test_bad_ground_truth_names_file_and_line(tmp_path, rows, message):
    path = tmp_path / "gt.txt"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_gt(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[Sequence]\nname=a\nimDir=img1\nframeRate=30\nimWidth=10\nimHeight=10\nimExt=.jpg\n",
         "missing key 'seqLength'"),
        ("name=a\n", "not an ini file"),
        ("[Other]\nname=a\n", "missing [Sequence] section"),
        ("[Sequence]\nname=a\nimDir=img1\nframeRate=x\nseqLength=5\nimWidth=10\nimHeight=10\n"
         "imExt=.jpg\n", "frameRate must be a number"),
        ("[Sequence]\nname=a\nimDir=img1\nframeRate=nan\nseqLength=5\nimWidth=10\nimHeight=10\n"
         "imExt=.jpg\n", "frameRate must be finite"),
        ("[Sequence]\nname=a\nimDir=img1\nframeRate=inf\nseqLength=5\nimWidth=10\nimHeight=10\n"
         "imExt=.jpg\n", "frameRate must be finite"),
        ("[Sequence]\nname=a\nimDir=img1\nframeRate=30\nseqLength=5.5\nimWidth=10\nimHeight=10\n"
         "imExt=.jpg\n", "seqLength must be a whole number"),
    ],
)  # fmt: skip
def test_bad_seqinfo(tmp_path, body, message):
    (tmp_path / "seqinfo.ini").write_text(body)
    with pytest.raises(DataFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_seqinfo(tmp_path)


def test_round_trip_gt_det_tracks(tmp_path):
    gt = make_tracks([(2, 1, 10.5, 20.25, 30, 60), (1, 2, 1, 2, 3, 4)],
                     consider=[True, False], cls=[1, 7], visibility=[0.5, 1.0])  # fmt: skip
    back = read_gt(write_mot(tmp_path / "gt.txt", gt, "gt"))
    assert back == gt.sorted()
    det = Detections(frame=[1, 1], xywh=[[1, 1, 5, 5], [2, 2, 5, 5]], score=[0.01, 0.987654321])
    back_det = read_det(write_mot(tmp_path / "det.txt", det, "det"))
    np.testing.assert_allclose(back_det.score, det.score)
    assert (back_det.id == -1).all()
    tr = make_tracks([(1, 7, 1, 1, 5, 5)])
    assert read_tracks(write_mot(tmp_path / "t.txt", tr, "tracks")) == tr


def test_mot15_and_world_columns(tmp_path):
    p = tmp_path / "gt15.txt"
    p.write_text("1,1,10,20,30,60,1,1.5,2.5,0\n")  # MOT15: world coordinates, no class
    gt = read_gt(p)
    assert gt.cls[0] == 1 and gt.visibility[0] == 1
    np.testing.assert_allclose(gt.data["world"], [[1.5, 2.5, 0]])


def test_atomic_write_keeps_old_file_on_crash(tmp_path):
    target = tmp_path / "labels.txt"
    target.write_text("precious\n")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half-writ")
        raise RuntimeError("crash")
    assert target.read_text() == "precious\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def _make_seq(root, name="SEQ-01", n=5, with_frames=0, digits=6):
    seq = root / name
    write_seqinfo(seq / "seqinfo.ini", SeqInfo(name, 25, n, 64, 48))
    write_mot(
        seq / "gt" / "gt.txt",
        make_tracks([(f, 1, 2, 2, 10, 20) for f in range(1, n + 1)], cls=1),
        "gt",
    )
    (seq / "img1").mkdir()
    for f in range(1, with_frames + 1):
        cv2.imwrite(
            str(seq / "img1" / f"{f:0{digits}d}.jpg"), np.full((48, 64, 3), f * 20, np.uint8)
        )
    return seq


def test_sequence_discovery_and_dancetrack_layout(tmp_path):
    _make_seq(tmp_path / "dancetrack" / "train", "dancetrack0001", with_frames=5, digits=8)
    _make_seq(tmp_path / "dancetrack" / "val", "dancetrack0004", with_frames=5, digits=8)
    write_seqmap(tmp_path / "dancetrack" / "val_seqmap.txt", ["dancetrack0004"])
    seqs = discover_sequences(tmp_path / "dancetrack")
    assert [s.name for s in seqs] == ["dancetrack0001", "dancetrack0004"]
    assert read_seqmap(tmp_path / "dancetrack" / "val_seqmap.txt") == ["dancetrack0004"]
    frames = seqs[0].frames()
    assert len(frames) == 5 and frames[3].shape == (48, 64, 3)
    assert abs(int(frames[3].mean()) - 60) <= 2  # frame 3 is the third image


def test_frames_count_checked_against_seqinfo(tmp_path):
    seq = _make_seq(tmp_path, n=5, with_frames=3)
    with pytest.raises(DataFormatError, match="3 images but seqLength is 5"):
        ImageFolderFrames(seq / "img1", seq_length=5)
    partial = ImageFolderFrames(seq / "img1", seq_length=5, partial=True)
    assert partial.available() == [1, 2, 3]
    with pytest.raises(DataFormatError, match="no image for frame 4"):
        partial[4]


def test_video_frames(tmp_path):
    path = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    for k in range(6):
        writer.write(np.full((24, 32, 3), k * 40, np.uint8))
    writer.release()
    frames = VideoFrames(path, seq_length=6)
    assert len(frames) == 6
    assert abs(int(frames[4].mean()) - 120) <= 3
    assert abs(int(frames[2].mean()) - 40) <= 3  # random access seeks back
    with pytest.raises(DataFormatError, match="video has 6 frames but seqLength is 9"):
        VideoFrames(path, seq_length=9)
    val = VideoFrames(path, seq_length=6, half="val")  # frames 5..6
    assert len(val) == 2 and abs(int(val[1].mean()) - 160) <= 3


def test_motsynth_conversion(tmp_path):
    kps = [[5, 5, 2]] * 11 + [[5, 5, 1]] * 11  # half the keypoints visible
    doc = {
        "info": {"seq_name": "042", "fps": 20, "sequence_length": 3, "img_width": 1920,
                 "img_height": 1080},
        "images": [{"id": 10 + k, "frame_n": k, "file_name": f"frames/042/rgb/{k:04d}.jpg"}
                   for k in range(3)],
        "annotations": [
            {"image_id": 10, "ped_id": 7, "bbox": [0, 0, 10, 20], "iscrowd": 0,
             "keypoints": [v for kp in kps for v in kp], "keypoints_3d": [1, 2, 3, 0] * 22},
            {"image_id": 12, "ped_id": 9, "bbox": [5, 5, 10, 20], "iscrowd": 1,
             "keypoints": [v for kp in kps for v in kp]},
        ],
    }  # fmt: skip
    path = tmp_path / "042.json"
    path.write_text(json.dumps(doc))
    seq_dir = convert_motsynth(path, tmp_path / "mot")
    seq = MOTSequence.open(seq_dir)
    assert seq.info.seq_length == 3 and seq.info.frame_rate == 20
    gt = seq.gt()
    np.testing.assert_array_equal(gt.frame, [1, 3])  # frame_n 0 -> frame 1
    np.testing.assert_allclose(gt.xywh[0], [1, 1, 10, 20])  # 0-based -> 1-based
    np.testing.assert_allclose(gt.visibility, [0.5, 0.5])
    np.testing.assert_array_equal(gt.cls, [1, 8])
    np.testing.assert_array_equal(gt.consider, [True, False])
    np.testing.assert_allclose(gt.data["world"][0], [1, 2, 3])


@pytest.mark.integration
def test_real_mot17_read_and_half_split(mot17):
    seq = MOTSequence.open(mot17 / "train" / "MOT17-02-YOLOX")
    assert seq.info.seq_length == 600 and seq.length("val") == 299
    gt_val = seq.gt("val")
    assert isinstance(gt_val, Tracks) and gt_val.frame.min() == 1 and gt_val.frame.max() == 299
    full = seq.gt()
    assert len(gt_val) == int((full.frame >= 302).sum())
    det = seq.det("val")
    assert det.score.min() >= 0.01 and len(det) > 1000
    seqs = discover_sequences(mot17 / "train")
    assert len(seqs) == 22 and all(s.has_gt for s in seqs)
    frames = MOTSequence.open(mot17 / "train" / "MOT17-02-FRCNN").frames()
    assert len(frames) == 600 and frames[1].shape == (1080, 1920, 3)


def test_seqinfo_with_a_byte_order_mark_and_a_too_short_half(tmp_path):
    body = ("[Sequence]\nname=a\nimDir=img1\nframeRate=30\nseqLength=2\nimWidth=10\n"
            "imHeight=10\nimExt=.jpg\n")  # fmt: skip
    (tmp_path / "seqinfo.ini").write_text("\ufeff" + body, encoding="utf-8")
    assert read_seqinfo(tmp_path).seq_length == 2  # a Windows editor's BOM is fine
    seq = MOTSequence.open(tmp_path)
    assert seq.length("train") == 2
    with pytest.raises(
        DataFormatError, match=r"seqinfo\.ini: a sequence of 2 frames has no validation half"
    ):
        seq.length("val")


def test_check_output_file(tmp_path):
    from spamlabels.io import check_output_file

    inp = tmp_path / "in.txt"
    inp.write_text("x")
    assert check_output_file(tmp_path / "new" / "deeper" / "out.txt", [inp, None]) is not None
    with pytest.raises(DataFormatError, match="is a folder"):
        check_output_file(tmp_path)
    with pytest.raises(DataFormatError, match=r"in\.txt is a file, not a folder"):
        check_output_file(inp / "out.txt")
    with pytest.raises(DataFormatError, match="is an input of this command"):
        check_output_file(tmp_path / "." / "in.txt", [inp])
    assert inp.read_text() == "x"


def test_det_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "det.txt"
    path.write_text("\ufeff1,-1,10,20,30,60,0.9\n2,-1,11,20,30,60,0.8\n", encoding="utf-8")
    dets = read_det(path)
    assert dets.frame.tolist() == [1, 2] and dets.score.tolist() == [0.9, 0.8]


def test_check_output_file_under_a_broken_link_and_a_bad_half_argument(tmp_path):
    from spamlabels.io import check_output_file

    (tmp_path / "dl").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DataFormatError, match="is a broken link"):
        check_output_file(tmp_path / "dl" / "x.txt")
    body = ("[Sequence]\nname=a\nimDir=img1\nframeRate=30\nseqLength=9\nimWidth=10\n"
            "imHeight=10\nimExt=.jpg\n")  # fmt: skip
    (tmp_path / "seqinfo.ini").write_text(body)
    with pytest.raises(ValueError, match="half must be") as err:  # the caller's mistake
        MOTSequence.open(tmp_path).length("validation")  # type: ignore[arg-type]
    assert not isinstance(err.value, DataFormatError)


def test_write_mot_refuses_tracks_without_ids(tmp_path):
    dets = Detections(frame=[1, 2], xywh=np.ones((2, 4)))  # ids -1
    with pytest.raises(ValueError, match="needs an id >= 0"):
        write_mot(tmp_path / "t.txt", dets, "tracks")
    assert not (tmp_path / "t.txt").exists()
    assert read_det(write_mot(tmp_path / "d.txt", dets, "det")).frame.tolist() == [1, 2]
