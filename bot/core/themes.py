"""The six FLIP themes. Their ids are fixed: prompts, programmes and exports refer to them."""

from __future__ import annotations

from typing import Literal

ThemeId = Literal[
    "strategi", "helhed", "samtale", "inddragelse", "virksomhed", "vidensmobilisering"
]

THEME_IDS: tuple[str, ...] = (
    "strategi",
    "helhed",
    "samtale",
    "inddragelse",
    "virksomhed",
    "vidensmobilisering",
)
