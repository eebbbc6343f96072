"""A closed sparring case becomes an anonymised library dilemma that `flipbot prompts check`
accepts, only with the owner's and a facilitator's yes."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import cli
from bot.core.access import AccessDenied
from bot.core.rounds import RoundError
from bot.core.services import build_services
from bot.core.settings import load_settings
from bot.core.sparring import CaseText
from bot.core.sparring_library import LIBRARY_FILE, library_consent, to_library
from bot.prompts import load_library

OWNER = "U0HERN001"  # Søren Møller, Herning
FACILITATOR = "U0FACI002"

CASE = CaseText(
    title="Søren Møller og virksomheden i Herning",
    situation="I Herning Kommune siger en borger nej til praktik. Søren Møller er i tvivl.",
    questions=["Hvad ville du gøre i Herning?"],
)


@pytest.fixture
def services(db, network, library, messenger, clock):
    return build_services(
        load_settings(), messenger, network=network, library=library, store=db, clock=clock
    )


def closed_case(services) -> int:
    sparring = services.sparring
    case = sparring.share(OWNER, CASE).case
    sparring.confirm(case.id, OWNER)
    case = sparring.approve(case.id, FACILITATOR)
    services.rounds.close_round(case.round_id, FACILITATOR)
    return case.id


def test_a_closed_case_becomes_a_dilemma_prompts_check_accepts(services, tmp_path, monkeypatch):
    folder = tmp_path / "egne"
    case_id = closed_case(services)
    with pytest.raises(RoundError) as caught:
        to_library(services.sparring, case_id, FACILITATOR, folder)
    assert caught.value.key == "sparring_library_consent"
    with pytest.raises(RoundError):
        library_consent(services.sparring, case_id, "U0SILK001")  # not the owner
    library_consent(services.sparring, case_id, OWNER)
    with pytest.raises(AccessDenied):
        to_library(services.sparring, case_id, OWNER, folder)  # a broker cannot add it

    prompt_id = to_library(services.sparring, case_id, FACILITATOR, folder)
    assert prompt_id == f"praksis-{case_id}"
    [item] = yaml.safe_load((folder / LIBRARY_FILE).read_text(encoding="utf-8"))
    assert item["kind"] == "dilemma" and item["theme"] == "vidensmobilisering"
    written = str(item)
    assert "Søren" not in written and "Herning" not in written
    assert item["title"] == "en kollega og virksomheden i kommunen"
    prompt = load_library(folder).get(prompt_id)
    assert prompt.questions[0].label == "Hvad ville du gøre i kommunen?"
    # Adding it again replaces the item instead of doubling it.
    to_library(services.sparring, case_id, FACILITATOR, folder)
    assert len(yaml.safe_load((folder / LIBRARY_FILE).read_text(encoding="utf-8"))) == 1

    monkeypatch.setenv("FLIPBOT_PROMPTS", str(folder))
    checked = CliRunner().invoke(cli, ["prompts", "check"], catch_exceptions=False)
    assert checked.exit_code == 0 and "prompts are valid" in checked.output


def test_a_running_case_cannot_go_to_the_library(services, tmp_path):
    sparring = services.sparring
    case = sparring.share(OWNER, CASE).case
    sparring.confirm(case.id, OWNER)
    sparring.approve(case.id, FACILITATOR)
    with pytest.raises(RoundError) as caught:
        library_consent(sparring, case.id, OWNER)
    assert caught.value.key == "sparring_not_closed"
