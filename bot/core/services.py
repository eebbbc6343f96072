"""Wiring: the store, network, prompt library and round service one process works with."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.consent import ConsentRequests
from bot.core.messenger import Messenger, PlatformMessengers
from bot.core.network import Network, load_network
from bot.core.rounds import RoundService
from bot.core.settings import Settings
from bot.core.sparring import SparringService
from bot.core.timeutil import utcnow
from bot.digest.llm import llm_enhancer
from bot.digest.service import DigestService
from bot.export.consent import log_file_opt_outs
from bot.privacy.flag import preload as preload_names
from bot.prompts import Library, load_library
from bot.store.database import Store

EXAMPLE_NETWORK = Path(__file__).parents[1] / "demo" / "network.yaml"

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a surface (Slack handlers, CLI, scheduler) needs, built once per process."""

    settings: Settings
    store: Store
    network: Network
    library: Library
    rounds: RoundService
    digests: DigestService | None = None
    sparring: SparringService | None = None
    # The process's ProgrammeScheduler when it holds the scheduler lock (set by `flipbot serve`).
    scheduler: Any = None


def build_services(
    settings: Settings,
    messenger: Messenger,
    *,
    network: Network | None = None,
    library: Library | None = None,
    store: Store | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Services:
    """Load the network file and prompt library, open and migrate the database, sync members."""
    network = network or load_network(settings.flipbot_config)
    library = library or load_library(settings.flipbot_prompts)
    store = store or Store(settings.flipbot_db)
    store.migrate()
    synced = store.sync_members(network, clock())
    # A network-file opt-out the sync just applied goes into the consent log (with a pseudonym).
    log_file_opt_outs(store)
    if synced["erased"]:
        listed = {m.id for m in network.members}
        logger.warning(
            "%s were erased and are still in %s; they get no prompts. Remove them from the file, "
            "or run `flipbot member readmit MEMBER_ID` if they want to take part again.",
            ", ".join(sorted(listed & store.erased_member_ids())),
            settings.flipbot_config,
        )
    if isinstance(messenger, PlatformMessengers):
        messenger.consent_requests = ConsentRequests(store, network, clock)
    rounds = RoundService(store, network, library, messenger, clock=clock)
    preload_names()  # for the flagging of names in answers (bot.privacy.flag), off this thread
    digests = DigestService(
        store, network, rounds, messenger, enhancer=llm_enhancer(settings), clock=clock
    )
    sparring = SparringService(store, network, rounds, messenger, digests, clock=clock)
    # A sparring case's round closes into its owner's digest; every other into the usual draft.
    rounds.on_closed = sparring.closing_hook(digests.on_round_closed)
    rounds.on_answered = sparring.on_answered
    return Services(settings, store, network, library, rounds, digests, sparring=sparring)
