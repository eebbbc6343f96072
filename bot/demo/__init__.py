"""The offline demo: one dilemma round for the example network, answered with bundled sample answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

from bot.core.i18n import t, theme_name
from bot.core.messenger import LocalMessenger
from bot.core.network import load_network
from bot.core.participation import Participation
from bot.core.services import EXAMPLE_NETWORK, Services, build_services
from bot.core.settings import Settings
from bot.digest.model import Digest
from bot.digest.render import render
from bot.prompts import load_library
from bot.store.database import Store
from bot.store.privacy import record_consent

DEMO_PROMPT = "inddragelse-05"
ANSWERS_FILE = Path(__file__).parent / "answers.yaml"
SKIPPERS = 4


@dataclass
class DemoResult:
    services: Services
    messenger: LocalMessenger
    round_id: int
    participation: Participation
    digest: Digest | None = None


DEMO_CONSENT_VERSION = "demo"


def sample_answers() -> list[dict]:
    """The bundled sample answers to the demo dilemma (realistic Danish, varied in length and view)."""
    with open(ANSWERS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def run_demo(db_path: Path, seed: int = 2026) -> DemoResult:
    """Start the demo dilemma for every broker, answer it with the sample answers, close it."""
    network = load_network(EXAMPLE_NETWORK)
    messenger = LocalMessenger()
    settings = Settings(flipbot_db=str(db_path), flipbot_config=str(EXAMPLE_NETWORK))
    services = build_services(
        settings, messenger, network=network, library=load_library(), store=Store(db_path)
    )
    # The fictional members answer the consent request with yes, as real members would (but the
    # one the network file opts out, who is never asked). Stored as their choice, but kept out of
    # the consent log: no earlier export holds a demo member.
    for member in network.members:
        if member.research_consent is not False:
            record_consent(
                services.store, member.id, True, services.rounds.clock(), DEMO_CONSENT_VERSION
            )
    rounds = services.rounds
    prompt = services.library.get(DEMO_PROMPT)
    assert prompt is not None, f"the demo prompt {DEMO_PROMPT} is missing from the library"
    facilitator = next(m for m in network.members if m.has_role("facilitator"))
    round = rounds.start_round(prompt, "all", rounds.clock() + timedelta(days=5), facilitator.id)
    brokers = [m.id for m in network.brokers()]
    random.Random(seed).shuffle(brokers)
    answers = sample_answers()
    for member_id, sample in zip(brokers, answers, strict=False):
        rounds.record_answer(
            round.id,
            member_id,
            {key: value or "" for key, value in sample["answers"].items()},
            quotable=sample.get("quotable", True),
            source="demo",
        )
    for member_id in brokers[len(answers) : len(answers) + SKIPPERS]:
        rounds.skip(round.id, member_id)
    participation = rounds.close_round(round.id, facilitator.id)
    # Closing built the draft digest for the facilitators (see DigestService.on_round_closed).
    digest = services.digests.latest(round.id) if services.digests else None
    return DemoResult(services, messenger, round.id, participation, digest)


def write_digest_files(digest: Digest, folder: Path) -> list[Path]:
    """Write the digest as digest.md and digest.html into folder (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in ("md", "html"):
        path = folder / f"digest.{fmt}"
        path.write_text(render(digest, fmt), encoding="utf-8")
        written.append(path)
    return written


def participation_table(participation: Participation, names: dict[str, str], language: str) -> str:
    """A plain-text table of participation per municipality, for the terminal."""
    header = t("demo.participation_header", language).split("|")
    rows = [
        [
            names.get(c.municipality, c.municipality),
            str(c.delivered),
            str(c.answered),
            str(c.skipped),
            str(c.waiting),
            f"{c.response_rate:.0%}",
        ]
        for c in participation.municipalities
    ]
    total = participation.total
    rows.append(
        [
            t("demo.total", language),
            str(total.delivered),
            str(total.answered),
            str(total.skipped),
            str(total.waiting),
            f"{total.response_rate:.0%}",
        ]
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *[line(r) for r in rows[:-1]], rule, line(rows[-1])])


def demo_report(result: DemoResult) -> str:
    """What `flipbot demo` prints."""
    services = result.services
    language = services.network.language
    round = services.rounds.get_round(result.round_id)
    prompt = services.rounds.prompt_of(round)
    total = result.participation.total
    names = {m.id: m.name for m in services.network.municipalities}
    return "\n".join(
        [
            t("demo.title", language),
            "",
            t(
                "demo.round_started",
                language,
                round_id=round.id,
                title=prompt.text(language).title,
                theme=theme_name(prompt.theme, language),
                count=total.delivered,
            ),
            t(
                "demo.answers_recorded",
                language,
                answered=total.answered,
                skipped=total.skipped,
                waiting=total.waiting,
            ),
            "",
            t("demo.round_closed", language),
            participation_table(result.participation, names, language),
        ]
    )
