"""Jobs that users run end to end (the layer under the CLI and the UI): labelling."""

from spamlabels.engine.label import (
    PROVENANCE_NAMES,
    LabelInputs,
    LabelJob,
    LabelSummary,
    load_answers,
    load_label_inputs,
    run_label_job,
)

__all__ = [
    "PROVENANCE_NAMES",
    "LabelInputs",
    "LabelJob",
    "LabelSummary",
    "load_answers",
    "load_label_inputs",
    "run_label_job",
]
