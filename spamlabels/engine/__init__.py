"""Jobs that users run end to end (the layer under the CLI and the UI): labelling, self-training."""

from spamlabels.engine.label import (
    PROVENANCE_NAMES,
    LabelInputs,
    LabelJob,
    LabelSummary,
    PreparedLabelJob,
    check_label_job,
    load_answers,
    load_label_inputs,
    run_label_job,
)
from spamlabels.engine.selftrain import (
    SelfTrainConfig,
    SelfTrainResult,
    noisy_copy,
    pseudo_labels,
    self_train,
)

__all__ = [
    "PROVENANCE_NAMES",
    "LabelInputs",
    "LabelJob",
    "LabelSummary",
    "PreparedLabelJob",
    "SelfTrainConfig",
    "SelfTrainResult",
    "check_label_job",
    "load_answers",
    "load_label_inputs",
    "noisy_copy",
    "pseudo_labels",
    "run_label_job",
    "self_train",
]
