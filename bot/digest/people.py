"""Keeping people's names out of a digest: answers sometimes name a colleague.

A quote that mentions a member (full name or first name) is not used, and such a word is never
a theme label. Names come from the network file; the LLM engine gets the same guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class PeopleGuard:
    """Finds members' names in text (whole words, any case)."""

    def __init__(self, names: Iterable[str] = ()):
        parts = set()
        for name in names:
            name = name.strip()
            if not name:
                continue
            parts.add(name)
            parts.update(p for p in name.split() if len(p) >= 2)
        self._pattern = (
            re.compile(
                r"(?<!\w)("
                + "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
                + r")(?!\w)",
                re.IGNORECASE,
            )
            if parts
            else None
        )

    def mentions(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None

    def redact(self, text: str, replacement: str = "[navn]") -> str:
        """The text with every member's name replaced."""
        return text if self._pattern is None else self._pattern.sub(replacement, text)
