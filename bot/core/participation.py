"""Participation in a round: delivered, answered, skipped, waiting, failed and paused prompts per
municipality and in all, counted from the deliveries' statuses."""

from __future__ import annotations

from pydantic import BaseModel

from bot.core.models import DeliveryStatus

COUNTS = ("members", "delivered", "answered", "skipped", "waiting", "failed", "paused")


class MunicipalityCount(BaseModel):
    municipality: str
    members: int = 0
    delivered: int = 0
    answered: int = 0
    skipped: int = 0
    waiting: int = 0
    failed: int = 0
    paused: int = 0

    @property
    def response_rate(self) -> float:
        return self.answered / self.delivered if self.delivered else 0.0


class Participation(BaseModel):
    round_id: int
    municipalities: list[MunicipalityCount]
    total: MunicipalityCount


def count_participation(round_id: int, rows: list[dict], order: list[str]) -> Participation:
    """Participation from (municipality, status, n) rows, municipalities in the network's order."""
    counts: dict[str, MunicipalityCount] = {}
    for row in rows:
        entry = counts.setdefault(
            row["municipality"], MunicipalityCount(municipality=row["municipality"])
        )
        status, n = DeliveryStatus(row["status"]), row["n"]
        entry.members += n
        if status in (DeliveryStatus.SENT, DeliveryStatus.ANSWERED, DeliveryStatus.SKIPPED):
            entry.delivered += n
        if status == DeliveryStatus.ANSWERED:
            entry.answered += n
        elif status == DeliveryStatus.SKIPPED:
            entry.skipped += n
        elif status == DeliveryStatus.FAILED:
            entry.failed += n
        elif status == DeliveryStatus.PAUSED:
            entry.paused += n
        else:
            entry.waiting += n  # sent, or pending / being sent: not answered yet, still waiting
    municipalities = sorted(
        counts.values(),
        key=lambda c: (
            order.index(c.municipality) if c.municipality in order else len(order),
            c.municipality,
        ),
    )
    total = MunicipalityCount(municipality="*")
    for entry in municipalities:
        for field in COUNTS:
            setattr(total, field, getattr(total, field) + getattr(entry, field))
    return Participation(round_id=round_id, municipalities=municipalities, total=total)


def percent(answered: int, delivered: int) -> int:
    """The share answered, in whole percent (0 when nothing was delivered)."""
    return round(100 * answered / delivered) if delivered else 0


def figures(count: MunicipalityCount, names: dict[str, str]) -> dict:
    """One municipality's figures as catalogue parameters (each line uses the ones it names)."""
    return {
        "municipality": names.get(count.municipality, count.municipality),
        "answered": count.answered,
        "delivered": count.delivered,
        "rate": percent(count.answered, count.delivered),
        "skipped": count.skipped,
        "waiting": count.waiting,
        "paused": count.paused,
        "failed": count.failed,
    }
