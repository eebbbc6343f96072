"""The service builds a digest that opens with the prompt, numbers its questions as brokers saw
them and tells time in the network's timezone; Slack cites quotes as the room knows them."""

from datetime import timedelta

from bot.core.messenger import LocalMessenger
from bot.core.rounds import RoundService
from bot.digest.service import DigestService
from bot.prompts import Library
from bot.slack.digest_blocks import build_digest_thread
from tests.consent_helpers import consent_all
from tests.digest_helpers import demo_answers


def _closed_round(db, network, library, clock):
    messenger = LocalMessenger()
    rounds = RoundService(db, network, library, messenger, clock=clock)
    service = DigestService(db, network, rounds, messenger, clock=clock)
    prompt = library.get("inddragelse-05")
    round = rounds.start_round(prompt, "all", clock() + timedelta(days=5), "U0FACI001")
    consent_all(db, network, clock())  # the brokers said yes when they were asked
    for member, sample in zip([m.id for m in network.brokers()], demo_answers(), strict=False):
        rounds.record_answer(round.id, member, sample.texts, quotable=sample.quotable)
    rounds.close_round(round.id, "U0FACI001")
    return service, round, prompt


def test_a_round_digest_opens_with_the_prompt_the_brokers_answered(db, network, library, clock):
    # The network's own wording of a library prompt: the digest must show what brokers read,
    # not the built-in library's text of the same id.
    own = library.get("inddragelse-05").model_copy(update={"title": "Vores egen formulering"})
    service, round, prompt = _closed_round(db, network, Library([own]), clock)
    digest = service.build(round.id)
    text = prompt.text("da")
    assert digest.prompt is not None
    assert digest.prompt.title == "Vores egen formulering" == text.title
    assert digest.prompt.questions == [q.label for q in text.questions]
    first = text.questions[0].id
    numbered = [q for q in digest.all_quotes() if q.question_id == first]
    assert numbered and {q.question_number for q in numbered} == {1}


def test_a_round_digest_tells_time_in_the_networks_timezone(db, network, library, clock):
    elsewhere = network.model_copy(update={"timezone": "America/Nuuk"})
    service, round, _ = _closed_round(db, elsewhere, library, clock)
    assert service.build(round.id).timezone == "America/Nuuk"


def test_slack_cites_a_quote_by_municipality_and_question_never_by_ids(db, network, library, clock):
    service, round, _ = _closed_round(db, network, library, clock)
    digest = service.build(round.id)
    quote = digest.themes[0].quotes[0]
    text = "\n".join(
        b.to_dict()["text"]["text"]
        for message in build_digest_thread(digest)
        for b in message
        if b.type == "section"
    )
    assert f"— {quote.municipality_name}, spørgsmål {quote.question_number}" in text
    assert f"svar {quote.answer_id}" not in text and "(svar" not in text
