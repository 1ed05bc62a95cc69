"""Per-person looks: body build and clothing colours / patterns (what carries identity)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

__all__ = ["Appearance", "Pattern", "sample_appearance"]


class Pattern(IntEnum):
    """Pattern of the upper-body clothing."""

    SOLID = 0
    STRIPES = 1
    """Horizontal stripes in the second colour."""
    SPLIT = 2
    """Two-tone, left and right halves."""
    JACKET = 3
    """Two-tone, an open jacket: the second colour in a central band."""


# Typical clothing colours, BGR.
_PALETTE = np.array(
    [
        [30, 30, 30],
        [60, 60, 60],
        [120, 120, 120],
        [200, 200, 200],
        [235, 235, 235],
        [90, 40, 20],
        [140, 70, 30],
        [60, 30, 10],
        [40, 40, 140],
        [40, 40, 200],
        [50, 120, 50],
        [30, 80, 30],
        [100, 160, 200],
        [60, 110, 150],
        [170, 160, 140],
        [20, 150, 230],
        [130, 60, 120],
        [180, 130, 60],
        [40, 180, 180],
        [80, 80, 160],
    ],
    dtype=np.float64,
)
_SKIN = np.array(
    [[190, 210, 240], [150, 180, 225], [110, 150, 200], [70, 100, 150], [45, 70, 110]],
    dtype=np.float64,
)
_HAIR = np.array(
    [[20, 20, 25], [30, 45, 70], [50, 80, 120], [110, 170, 210], [160, 160, 160]], dtype=np.float64
)


@dataclass(frozen=True)
class Appearance:
    """Looks of ``n`` people (row ``i`` is person ``i``); colours are BGR uint8 ``(n, 3)``.

    Attributes:
        build: ``(n,)`` horizontal scale of the body (1 = average; box aspect about 0.33).
        skin: ``(n, 3)`` skin colour.
        hair: ``(n, 3)`` hair colour.
        top: ``(n, 3)`` main colour of the upper-body clothing (and sleeves).
        top2: ``(n, 3)`` second colour of the pattern.
        pattern: ``(n,)`` :class:`Pattern` code.
        stripes: ``(n,)`` number of stripes (for :attr:`Pattern.STRIPES`).
        bottom: ``(n, 3)`` trousers / skirt colour.
        shoes: ``(n, 3)`` shoe colour.
    """

    build: NDArray[np.float64]
    skin: NDArray[np.uint8]
    hair: NDArray[np.uint8]
    top: NDArray[np.uint8]
    top2: NDArray[np.uint8]
    pattern: NDArray[np.int64]
    stripes: NDArray[np.int64]
    bottom: NDArray[np.uint8]
    shoes: NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.build.shape[0])


def _colours(
    rng: np.random.Generator, table: NDArray[np.float64], n: int, jitter: float
) -> NDArray[np.uint8]:
    base = table[rng.integers(0, len(table), n)]
    return np.clip(base + rng.normal(0, jitter, (n, 3)), 0, 255).astype(np.uint8)


def sample_appearance(rng: np.random.Generator, n: int) -> Appearance:
    """Draw ``n`` people's looks.

    Args:
        rng: random generator.
        n: number of people.

    Returns:
        The :class:`Appearance` table.
    """
    return Appearance(
        build=rng.uniform(0.88, 1.15, n),
        skin=_colours(rng, _SKIN, n, 8.0),
        hair=_colours(rng, _HAIR, n, 8.0),
        top=_colours(rng, _PALETTE, n, 18.0),
        top2=_colours(rng, _PALETTE, n, 18.0),
        pattern=rng.choice(len(Pattern), n, p=[0.5, 0.2, 0.15, 0.15]).astype(np.int64),
        stripes=rng.integers(3, 7, n),
        bottom=_colours(rng, _PALETTE[[0, 1, 2, 5, 6, 7, 14, 13]], n, 12.0),
        shoes=_colours(rng, _PALETTE[[0, 1, 3, 7]], n, 10.0),
    )
