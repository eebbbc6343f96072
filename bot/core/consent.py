"""Asking for consent once, on first contact, and recording the answer with its text version.

Running rounds rests on the employer's public task (GDPR Art. 6(1)(e)); research use and quoting
rest on the member's own yes. Before the first prompt a member ever receives, the messenger
sends the consent request (`Messenger.send_consent_request`); "asked" is stored, so nobody is
asked twice, also across a restart. The answer is stored with the version of the text the
member saw: a short hash of the catalogue text in their language, so a changed wording gets a
new version without anyone remembering to bump a number.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.i18n import LANGUAGES, catalogue
from bot.core.messenger import DeliveryFailed, Messenger
from bot.core.network import Member, Network
from bot.core.timeutil import utcnow
from bot.store.database import Store
from bot.store.privacy import (
    claim_consent_request,
    consent_record,
    consent_request_due,
    release_consent_request,
)

if TYPE_CHECKING:
    from bot.core.services import Services

logger = logging.getLogger(__name__)

REQUEST_KEY = "consent.request"
# "da-1a2b3c4d": the language and the first 8 hex digits of the text's SHA-256.
VERSION = re.compile(r"^(?:da|en|nb)-[0-9a-f]{8}$")


def text_version(language: str) -> str:
    """The version id of the consent request text in a language (the template, before filling)."""
    language = language if language in LANGUAGES else "da"
    digest = hashlib.sha256(catalogue(language)[REQUEST_KEY].encode("utf-8")).hexdigest()
    return f"{language}-{digest[:8]}"


def is_text_version(value: object) -> bool:
    return isinstance(value, str) and bool(VERSION.match(value))


class ConsentRequests:
    """Sends a member the consent request before their first prompt, once (see the module)."""

    def __init__(
        self, store: Store, network: Network, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.network = network
        self.clock = clock

    def before_prompt(self, member: Member, messenger: Messenger, *, required: bool) -> None:
        """Ask the member through `messenger` if they were never asked. A request that does not
        arrive is asked again next time; with `required` (the prompt goes to the same DM) its
        DeliveryFailed is raised, so the prompt is not sent ahead of it."""
        if not consent_request_due(self.store, member.id):
            return
        if not claim_consent_request(self.store, member.id, self.clock()):
            return  # another thread or process asked first
        try:
            messenger.send_consent_request(
                member, text_version(self.network.language_of(member.id))
            )
        except DeliveryFailed:
            release_consent_request(self.store, member.id)
            if required:
                raise
            logger.warning("the consent request to %s did not arrive; asked again later", member.id)


def consent_state(store: Store, member_id: str) -> str | None:
    """What a member's home shows: 'yes', 'no', 'none' (not answered), or None if no member."""
    record = consent_record(store, member_id)
    if record is None:
        return None
    if record["source"] == "none":
        return "none"
    return "yes" if record["consent"] else "no"


def answer_consent_request(
    services: Services, member_id: str, consent: bool, version: object, at: datetime | None = None
) -> str:
    """Record a member's Ja/Nej to the consent request they saw (`version` comes back from the
    button); return the catalogue key of the confirmation. A malformed version is a ValueError."""
    from bot.privacy.erasure import set_consent

    if not is_text_version(version):
        raise ValueError(f"not a consent text version: {version!r}")
    at = at or services.rounds.clock()
    set_consent(services, member_id, consent, by=member_id, at=at, text_version=str(version))
    return "consent.answered_yes" if consent else "consent.answered_no"
