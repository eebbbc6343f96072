"""Small-cell suppression, one rule for every export and digest of the same data.

The rule is per round: a municipality is shown as 'other municipalities' in a round when fewer
than network.min_group_size of its members with research consent answered that round. It never
depends on an export's filters, so comparing a round export with an all-rounds export (or a
municipality-filtered one) uncovers nothing. The decision is recorded when the round closes
(RoundService.close_round; a round closed before that records it the first time anyone asks);
later it only grows: a municipality once hidden
stays hidden, and one that falls below the threshold later (a withdrawal) is hidden too.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.models import RoundStatus
from bot.core.network import Network
from bot.core.participation import MunicipalityCount, Participation
from bot.core.timeutil import utcnow
from bot.store.database import Store
from bot.store.exports import consenting_answerers, record_round_small_cells, round_small_cells


def hidden_municipalities(
    store: Store, network: Network, round_id: int, now: datetime | None = None
) -> set[str]:
    """The municipality ids a round shows as 'other municipalities' (record it if closed)."""
    k = network.min_group_size
    counts = {m: len(who) for m, who in consenting_answerers(store, round_id).items()}
    hidden = {m for m, n in counts.items() if n < k}
    round = store.round(round_id)
    if round is None or round.status != RoundStatus.CLOSED:
        return hidden
    recorded = round_small_cells(store, round_id)
    if recorded is None:
        recorded = record_round_small_cells(store, round_id, counts, k, now or utcnow())
    return hidden | {m for m, row in recorded.items() if row["hidden"]}


def record_at_close(store: Store, network: Network, round_id: int, at: datetime) -> set[str]:
    """For RoundService.on_closed: record the round's decision now; returns the hidden ids."""
    return hidden_municipalities(store, network, round_id, at)


def summary_hidden(
    store: Store, network: Network, participation: Participation, at: datetime
) -> set[str]:
    """The municipalities a round's close summary groups as 'other municipalities': those the
    round hides in exports and digests (recorded now), and any with answers but fewer than
    min_group_size of them (a count of answers without consent is as telling)."""
    hidden = record_at_close(store, network, participation.round_id, at)
    k = network.min_group_size
    return hidden | {c.municipality for c in participation.municipalities if 0 < c.answered < k}


def group_small_cells(participation: Participation, hidden: set[str], label: str) -> Participation:
    """The participation with the hidden municipalities summed into one line named `label`
    (after the others); the total stays. Nothing is grouped when nothing is hidden."""
    shown = [c for c in participation.municipalities if c.municipality not in hidden]
    small = [c for c in participation.municipalities if c.municipality in hidden]
    if not small:
        return participation
    fields = ("members", "delivered", "answered", "skipped", "waiting", "failed", "paused")
    other = MunicipalityCount(
        municipality=label, **{f: sum(getattr(c, f) for c in small) for f in fields}
    )
    return participation.model_copy(update={"municipalities": [*shown, other]})
