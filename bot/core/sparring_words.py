"""How kollegial sparring words things people read, the same on every platform: what was taken
out of a case, who it goes to, how a person is shown, and the digest's opening line. Plain text
(each edge escapes it for its markup)."""

from __future__ import annotations

from bot.core.i18n import t
from bot.core.models import SparringCase
from bot.core.network import Network
from bot.privacy.redact import removed_list


def removed_words(removed: dict[str, int], language: str) -> str:
    """'Jeg har taget ud: et telefonnummer.' (or that nothing was found)."""
    listed = removed_list(removed, language)
    if listed is None:
        return t("sparring.preview.nothing_removed", language)
    return t("sparring.preview.removed", language, items=listed)


def audience_words(case: SparringCase, names: dict[str, str], language: str) -> str:
    """Who the case goes to: the other municipalities, everyone, or the ones named."""
    if isinstance(case.audience, list):
        listed = ", ".join(names.get(m, m) for m in case.audience)
        return t("sparring.audience.chosen", language, names=listed)
    return t(f"sparring.audience.{case.audience}", language)


def attribution(network: Network, member_id: str, show_name: bool, language: str) -> str:
    """A person as they chose to be shown: 'Signe Andersen fra Silkeborg Kommune', or 'En
    kollega fra Silkeborg Kommune'."""
    member = network.member(member_id)
    found = network.municipality(member.municipality) if member else None
    place = found.name if found else (member.municipality if member else "")
    if show_name and member is not None:
        return t("sparring.answer.by_name", language, name=member.name, municipality=place)
    return t("sparring.answer.by_municipality", language, municipality=place)


def digest_intro(case: SparringCase, member_id: str, language: str) -> str:
    """The line above a closed case's digest: to its owner, or to a facilitator."""
    owner = member_id == case.owner_id
    key = "sparring.digest.owner_intro" if owner else "sparring.digest.facilitator_intro"
    return t(key, language, title=case.title)
