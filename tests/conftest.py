"""Shared fixtures and helpers for the test-suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MOT17 = SHARED_DATA / "MOT17"


@pytest.fixture
def mot17() -> Path:
    """The real MOT17 folder of ../shared/data (skips when it is absent)."""
    if not MOT17.is_dir():
        pytest.skip("../shared/data/MOT17 not present")
    return MOT17
