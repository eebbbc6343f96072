"""Two rounds for comparing exports: Viborg answers in both, never with three members in one."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from bot.core.models import Round

BULLETS = "- første punkt\n- andet punkt 😀👍🏽\n\n=SUM(A1) til sidst"


def answer(rounds, clock, round: Round, member: str, text: str, quotable: bool = True) -> None:
    clock.advance(minutes=5)
    rounds.record_answer(
        round.id, member, {"q1": text, "q2": f"Tid ({member[-3:]})."}, quotable=quotable
    )


def two_rounds(rounds, library, clock) -> tuple[Round, Round]:
    """Round 1 (closed): Silkeborg 3, Herning 4 (one reads English), Viborg 2 with consent plus
    U0VIBO004 without. Round 2 (open): Silkeborg 3 and Viborg 1 (U0VIBO003). Viborg has three
    consenting members over both rounds, and fewer than three in each."""
    first = rounds.start_round(
        library.get("inddragelse-05"),
        ["silkeborg", "herning", "viborg"],
        clock() + timedelta(days=5),
        "U0FACI001",
    )
    answer(rounds, clock, first, "U0SILK001", BULLETS, quotable=False)
    for member in ("U0SILK002", "U0SILK003", "U0HERN001", "U0HERN002", "U0HERN003", "U0HERN007"):
        answer(rounds, clock, first, member, f"Svar fra {member[2:6].lower()} {member[-3:]}.")
    for member in ("U0VIBO001", "U0VIBO002", "U0VIBO004"):
        answer(rounds, clock, first, member, "Et svar herfra.")
    rounds.close_round(first.id, "U0FACI001")
    second = rounds.start_round(
        library.get("samtale-01"), ["silkeborg", "viborg"], clock() + timedelta(days=5), "U0FACI001"
    )
    for member in ("U0SILK001", "U0SILK002", "U0SILK003", "U0VIBO003"):
        answer(rounds, clock, second, member, "Andet svar.")
    return first, second


def qdpx_parts(data: bytes) -> tuple[bytes, dict[str, str], zipfile.ZipFile]:
    """project.qde, the source texts by plainTextPath, and the archive."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    texts = {
        "internal://" + name.removeprefix("sources/"): archive.read(name).decode("utf-8")
        for name in archive.namelist()
        if name.startswith("sources/")
    }
    return archive.read("project.qde"), texts, archive


def silkeborg_round_at_flipbot_db(network, library):
    """The database at $FLIPBOT_DB, migrated, with a Silkeborg round started on 2 March 2026
    08:00 UTC: (store, rounds, round, question id, clock)."""
    import os
    from datetime import UTC, datetime

    from bot.core.messenger import LocalMessenger
    from bot.core.rounds import RoundService
    from bot.store.database import Store
    from tests.conftest import Clock

    store = Store(os.environ["FLIPBOT_DB"])
    store.migrate()
    clock = Clock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    store.sync_members(network, clock())
    rounds = RoundService(store, network, library, LocalMessenger(), clock=clock)
    prompt = library.get("inddragelse-05")
    round = rounds.start_round(prompt, ["silkeborg"], clock() + timedelta(days=5), "U0FACI001")
    return store, rounds, round, prompt.questions[0].id, clock
