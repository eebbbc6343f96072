"""Members' consent in tests, given as each member would give it: through the store, never
through the network file (which can only opt a member out)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.network import Network
from bot.store.database import Store
from bot.store.privacy import record_consent

TEST_VERSION = "test"


def consent_all(
    store: Store, network: Network, at: datetime, except_for: Iterable[str] = ()
) -> None:
    """Every member of the network has said yes to research use and quoting, but `except_for`
    and those the network file opts out (they are never asked)."""
    left_out = set(except_for)
    for member in network.members:
        if member.id not in left_out and member.research_consent is not False:
            record_consent(store, member.id, True, at, TEST_VERSION)
