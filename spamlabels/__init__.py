"""spamlabels: a label engine for multi-object tracking datasets (SPAM).

Only light, numpy-based names are imported here; heavy parts (torch models, the UI) are imported
by the modules that need them.
"""

from spamlabels.core import Detections, Provenance, Tracks

__version__ = "0.1.0"

__all__ = ["Detections", "Provenance", "Tracks", "__version__"]
