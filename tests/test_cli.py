from __future__ import annotations

import json

import pytest
from factories import make_tracks

from spamlabels.cli.__main__ import COMMANDS, build_parser, main
from spamlabels.io import SeqInfo, write_mot, write_seqinfo


def _seq(tmp_path, name="S1", n=6):
    seq = tmp_path / name
    rows = [(f, k, 10 + 40 * k + f, 20, 30, 60) for f in range(1, n + 1) for k in (1, 2)]
    write_mot(seq / "gt" / "gt.txt", make_tracks(rows, cls=1), "gt")
    write_seqinfo(seq / "seqinfo.ini", SeqInfo(name, 30, n, 640, 480))
    return seq, make_tracks(rows)


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert all(cmd in out for cmd in COMMANDS)
    for cmd in COMMANDS:  # every subcommand has its own help
        with pytest.raises(SystemExit) as info:
            main([cmd, "--help"])
        assert info.value.code == 0


def test_eval_perfect_tracks(tmp_path, capsys):
    seq, tracks = _seq(tmp_path)
    write_mot(tmp_path / "tr" / "S1.txt", tracks, "tracks")
    code = main(["eval", str(seq), "--tracks", str(tmp_path / "tr"), "--json",
                 str(tmp_path / "e.json")])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "S1" in out and "COMBINED" in out and "100.00" in out
    payload = json.loads((tmp_path / "e.json").read_text())
    assert payload["table"]["COMBINED"]["HOTA"] == pytest.approx(100)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1,1,10,20,30,60,1,-1,-1\n1,2,10", "expected 9 columns like the lines above"),
        ("1,1,10,20,0,60,1,-1,-1,-1", "box width (column 5) must be > 0"),
        ("99,1,10,20,30,60,1,-1,-1,-1", "frame outside 1..6"),
        ("1,1,10,20,nan,60,1,-1,-1,-1", "must be finite"),
    ],
)
def test_eval_bad_input_is_one_line_exit_2(tmp_path, capsys, line, message):
    seq, _ = _seq(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text(line + "\n")
    assert main(["eval", str(seq), "--tracks", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert str(bad) in err and message in err


def test_eval_missing_seqinfo_key(tmp_path, capsys):
    seq, tracks = _seq(tmp_path)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=S1\nframeRate=30\n")
    write_mot(tmp_path / "t.txt", tracks, "tracks")
    assert main(["eval", str(seq), "--tracks", str(tmp_path / "t.txt")]) == 2
    err = capsys.readouterr().err
    assert "seqinfo.ini" in err and "missing key 'imDir'" in err


def test_parser_builds():
    assert build_parser().prog == "spam"


def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--frames", "40", "--people", "8"]) == 0
    text = capsys.readouterr().out
    assert "ByteTrack" in text and "oracle from candidates" in text
    scores = json.loads((out / "demo_eval.json").read_text())
    # the oracle keeps only matched detections: it never has false positives
    assert scores["oracle from candidates"]["FP"] == 0
    assert 0 < scores["ByteTrack"]["HOTA"] <= scores["oracle from candidates"]["HOTA"] + 5
    assert (out / "preview.png").stat().st_size > 1000
    assert (out / "tracks" / "DEMO-0000.txt").is_file()
    if "SPAM (synthetic-only)" in scores:  # torch installed
        assert (out / "tracks" / "DEMO-0000-spam.txt").is_file()
        assert (
            0
            < scores["SPAM (synthetic-only)"]["HOTA"]
            <= scores["oracle from candidates"]["HOTA"] + 5
        )
        labelled = [k for k in scores if k.startswith("SPAM labels")]
        assert len(labelled) == 1 and (out / "labels" / "effort.json").is_file()
        # a few simulated clicks make the labels better than the model alone
        assert scores[labelled[0]]["HOTA"] > scores["SPAM (synthetic-only)"]["HOTA"]
    # a second run replaces the demo's own sequence instead of refusing
    assert main(["demo", "--out", str(out), "--frames", "40", "--people", "8"]) == 0


def test_scores_outside_0_1_are_one_warning_line(tmp_path, capsys):
    import warnings

    import numpy as np

    from spamlabels.track import warn_unless_probabilities

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for probabilities, nor for none
        assert not warn_unless_probabilities(np.array([0.0, 0.5, 1.0]), "a")
        assert not warn_unless_probabilities(np.zeros(0), "a")
    with pytest.warns(UserWarning, match=r"x.txt: detector scores run from -0.5 to 3.2"):
        assert warn_unless_probabilities(np.array([-0.5, 0.2, 3.2]), "x.txt")
    # the CLI says it in one line, naming the det file, and still tracks
    seq, tracks = _seq(tmp_path)
    from spamlabels.core import Detections

    # a detector that does not score in 0-1 (DPM-like)
    dets = Detections(frame=tracks.frame, xywh=tracks.xywh, score=np.full(len(tracks), 2.5))
    write_mot(seq / "det" / "det.txt", dets, "det")
    out = tmp_path / "S1.txt"
    assert main(["track", str(seq), "--tracker", "bytetrack", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"spam track: warning: {seq / 'det' / 'det.txt'}: detector scores run from 2.5" in err
    assert "--score-map logistic" in err  # the warning names the way out
    assert out.is_file() and len(out.read_text().splitlines()) == len(tracks)


def test_track_score_map_logistic_reads_margins_as_their_probabilities(tmp_path, capsys):
    """Margins logit(p) tracked with --score-map logistic give the tracks of the scores p,
    without the warning about scores outside 0-1."""
    import numpy as np

    from spamlabels.core import Detections

    seq, tracks = _seq(tmp_path)
    p = np.linspace(0.05, 0.95, len(tracks))
    outs = {}
    for kind, score in (("prob", p), ("margin", np.log(p / (1 - p)))):
        dets = Detections(frame=tracks.frame, xywh=tracks.xywh, score=score)
        write_mot(seq / "det" / "det.txt", dets, "det")
        outs[kind] = tmp_path / f"{kind}.txt"
        extra = ["--score-map", "logistic"] if kind == "margin" else []
        assert main(["track", str(seq), "--out", str(outs[kind]), "--no-progress", *extra]) == 0
        assert "not within 0-1" not in capsys.readouterr().err
    assert outs["prob"].read_text() == outs["margin"].read_text()
    assert len(outs["prob"].read_text().splitlines()) > 0
    with pytest.raises(SystemExit):  # only the measured maps are offered
        main(["track", str(seq), "--out", str(tmp_path / "x.txt"), "--score-map", "minmax"])


def _det_seq(tmp_path, name="S1"):
    import numpy as np

    from spamlabels.core import Detections

    seq, tracks = _seq(tmp_path, name)
    dets = Detections(frame=tracks.frame, xywh=tracks.xywh, score=np.full(len(tracks), 0.9))
    write_mot(seq / "det" / "det.txt", dets, "det")
    return seq, tracks


def test_track_and_eval_never_write_onto_an_input_nor_into_a_folder(tmp_path, capsys):
    seq, _ = _det_seq(tmp_path)
    det = seq / "det" / "det.txt"
    before = det.read_text()
    bt = ["track", str(seq), "--tracker", "bytetrack", "--out"]
    for out, message in [
        (det, "is an input of this command"),
        (seq / "seqinfo.ini", "is an input of this command"),
        (seq / "gt" / "gt.txt", "is an input of this command"),
        (tmp_path, "is a folder"),
        (det / "x.txt", "det.txt is a file, not a folder"),
    ]:
        assert main([*bt, str(out)]) == 2, out
        err = capsys.readouterr().err
        assert err.startswith("spam track: error: ") and message in err and err.count("\n") == 1
    assert det.read_text() == before and (seq / "gt" / "gt.txt").is_file()
    out = tmp_path / "t" / "S1.txt"
    assert main([*bt, str(out)]) == 0
    gt = (seq / "gt" / "gt.txt").read_text()
    assert main(["eval", str(seq), "--tracks", str(out), "--json", str(seq / "gt" / "gt.txt")]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    assert main(["eval", str(seq), "--tracks", str(out), "--json", str(out)]) == 2
    assert (seq / "gt" / "gt.txt").read_text() == gt and out.is_file()
    capsys.readouterr()


def test_eval_refuses_two_sequences_of_one_name(tmp_path, capsys):
    a, _ = _seq(tmp_path / "a")
    b, _ = _seq(tmp_path / "b")
    write_mot(tmp_path / "tr" / "S1.txt", make_tracks([(1, 1, 0, 0, 5, 5)]), "tracks")
    assert main(["eval", str(a), str(b), "--tracks", str(tmp_path / "tr")]) == 2
    err = capsys.readouterr().err
    assert "a second sequence named S1" in err and str(a) in err


def test_track_bad_values_are_one_line_errors(tmp_path, capsys):
    seq, _ = _det_seq(tmp_path)
    out = str(tmp_path / "o.txt")
    with pytest.raises(SystemExit) as info:  # argparse: usage and one error line, exit 2
        main(["track", str(seq), "--node-threshold", "0", "--out", out])
    assert info.value.code == 2 and "must be in (0, 1)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["track", str(seq), "--min-conf", "abc", "--out", out])
    assert "must be a number, got 'abc'" in capsys.readouterr().err
    # a half the sequence is too short for: the seqinfo.ini is named
    short = tmp_path / "short"
    write_seqinfo(short / "seqinfo.ini", SeqInfo("short", 30, 2, 640, 480))
    write_mot(short / "det" / "det.txt", make_tracks([(1, 1, 0, 0, 5, 5)]), "det")
    assert main(["track", str(short), "--half", "val", "--out", out]) == 2
    assert "seqinfo.ini: a sequence of 2 frames has no validation half" in capsys.readouterr().err
    # a stitch window beyond any sequence is the whole sequence
    assert (
        main(["track", str(seq), "--tracker", "bytetrack", "--stitch", "1e300", "--out", out]) == 0
    )
    capsys.readouterr()


def test_synth_and_demo_refuse_bad_values_before_any_work(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = tmp_path / "o"
    for args, message in [
        (["synth", str(out), "--prefix", "../escape"], "--prefix must be a plain name"),
        (["synth", str(out), "--prefix", ""], "--prefix must be a plain name"),
        (["synth", str(out), "--fps", "inf", "inf"], "--fps must be finite"),
        (["synth", str(afile)], "exists and is not a folder"),
        (["demo", "--out", str(out), "--seed", "-1"], "--seed must be >= 0"),
        (["demo", "--out", str(out), "--frames", "30", "--preview-frame", "99"],
         "--preview-frame must be in 1..30"),
        (["demo", "--out", str(afile)], "exists and is not a folder"),
    ]:  # fmt: skip
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (args, err)
    assert not out.exists() and not (tmp_path / "escape-0000").exists()
    assert afile.read_text() == "x"


def test_eval_tracks_path_that_does_not_exist(tmp_path, capsys):
    seq, _ = _seq(tmp_path)
    assert main(["eval", str(seq), "--tracks", str(tmp_path / "nope")]) == 2
    assert "nope: no such file or folder" in capsys.readouterr().err


def test_an_interrupt_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    import spamlabels.cli.eval_cmd as eval_cmd

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(eval_cmd, "run", interrupted)
    seq, _ = _seq(tmp_path)
    assert main(["eval", str(seq), "--tracks", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "spam eval: interrupted\n"  # not a tty: no blank line
