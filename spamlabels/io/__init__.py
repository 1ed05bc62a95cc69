"""Readers and writers: MOTChallenge text files, seqinfo/seqmaps, frames, MOTSynth JSON."""

from spamlabels.io._atomic import atomic_write, check_output_file
from spamlabels.io.appearance import attach_embeddings, read_appearance, write_appearance
from spamlabels.io.frames import FrameSource, ImageFolderFrames, VideoFrames, open_frames
from spamlabels.io.mot import MotKind, read_det, read_gt, read_mot, read_tracks, write_mot
from spamlabels.io.motsynth import convert_motsynth, read_motsynth
from spamlabels.io.sequence import (
    MOTSequence,
    SeqInfo,
    discover_sequences,
    read_seqinfo,
    read_seqmap,
    write_seqinfo,
    write_seqmap,
)

__all__ = [
    "FrameSource",
    "ImageFolderFrames",
    "MOTSequence",
    "MotKind",
    "SeqInfo",
    "VideoFrames",
    "atomic_write",
    "attach_embeddings",
    "check_output_file",
    "convert_motsynth",
    "discover_sequences",
    "open_frames",
    "read_appearance",
    "read_det",
    "read_gt",
    "read_mot",
    "read_motsynth",
    "read_seqinfo",
    "read_seqmap",
    "read_tracks",
    "write_appearance",
    "write_mot",
    "write_seqinfo",
    "write_seqmap",
]
