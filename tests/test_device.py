"""Device checks (marked ``gpu``; skipped where torch sees no CUDA device).

The hierarchy is built in numpy on the CPU and only the network runs on the device
(:func:`spamlabels.track.spam.score_graph`), so the tracker on a GPU must make the same
decisions as on the CPU: every level's probabilities agree to float32 rounding, and the tracks
are the same.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from spamlabels.synth import SceneConfig, simulate_scene  # noqa: E402
from spamlabels.track import create_tracker  # noqa: E402

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
]


def test_spam_tracker_on_cuda_decides_as_on_cpu():
    info, _, det = simulate_scene(SceneConfig(n_frames=300, n_people=25), seed=11)
    runs = {}
    for device in ("cpu", "cuda"):
        tracker = create_tracker("spam", device=device, image_size=(info.im_width, info.im_height))
        tracks = tracker.track(det, info.seq_length, info.frame_rate)
        records = [r for clip in tracker.last_clips for r in clip.hierarchy.records]
        runs[device] = (tracks, records)
    (t_cpu, rec_cpu), (t_gpu, rec_gpu) = runs["cpu"], runs["cuda"]
    assert len(rec_cpu) == len(rec_gpu) > 1
    worst = 0.0
    for level, (a, b) in enumerate(zip(rec_cpu, rec_gpu, strict=True)):
        # same decisions so far, so the next level's graph is the same on both devices
        np.testing.assert_array_equal(a.graph.edge_index, b.graph.edge_index, f"record {level}")
        for pa, pb in ((a.edge_prob, b.edge_prob), (a.node_prob, b.node_prob)):
            assert (pa is None) == (pb is None)
            if pa is not None and len(pa):
                worst = max(worst, float(np.abs(pa - pb).max()))
    assert worst < 1e-4, f"CPU and CUDA probabilities differ by up to {worst:.2e}"
    np.testing.assert_array_equal(t_cpu.frame, t_gpu.frame)
    np.testing.assert_array_equal(t_cpu.id, t_gpu.id)
    np.testing.assert_allclose(t_cpu.xywh, t_gpu.xywh, atol=1e-6)


def test_cli_track_and_label_on_cuda_write_what_the_cpu_writes(tmp_path):
    from spamlabels.cli.__main__ import main
    from spamlabels.synth import generate_sequence

    seq = generate_sequence(tmp_path, "S", SceneConfig(n_frames=120, n_people=12), seed=4)
    out = {}
    for device in ("cpu", "cuda"):
        track = tmp_path / f"track_{device}.txt"
        assert main(["track", str(seq), "--tracker", "spam", "--device", device, "--out",
                     str(track), "--no-progress"]) == 0  # fmt: skip
        label = tmp_path / f"label_{device}"
        assert main(["label", str(seq), "--budget", "2%", "--device", device, "--out",
                     str(label), "--no-progress"]) == 0  # fmt: skip
        effort = json.loads((label / "effort.json").read_text())
        out[device] = (track.read_text(), (label / "S.txt").read_text(), effort["clicks"])
    assert out["cpu"][0] == out["cuda"][0]
    assert out["cpu"][1:] == out["cuda"][1:]
