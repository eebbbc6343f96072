"""Kollegial sparring end to end through signed requests and the fake Slack: share -> redaction
shown -> confirm -> a facilitator approves -> brokers in the other municipalities DM'd -> an
answer reaches the owner in the case's thread -> thanks -> close -> the owner's digest; and the
refusals, a rejected case, and the owner's erasure."""

from __future__ import annotations

import json

from bot.core.models import CaseStatus
from bot.privacy.redact import PLACEHOLDERS
from bot.prompts import load_library
from bot.slack import blocks, blocks_privacy
from bot.slack import blocks_sparring as ui
from bot.slack.handlers.common import wait_idle
from tests.slack.harness import answer_values

PHONE = PLACEHOLDERS["phone"]

OWNER = "U0HERN001"  # Søren Møller, Herning
HERNING_COLLEAGUE = "U0HERN002"
ANSWERER = "U0SILK001"  # Signe Andersen, Silkeborg
FACILITATOR = "U0FACI002"
RESEARCHER = "U0RESE002"

SITUATION = "Borgeren (tlf. 20 30 40 50) vil ikke i praktik. Hvordan holder jeg samtalen åben?"


def share_values(
    title="Borger vil ikke i praktik",
    situation=SITUATION,
    questions=("Hvad ville du sige?", "", ""),
    audience="others",
    show="municipality",
    share_digest=True,
) -> dict:
    def text(block, value):
        return {block: {block: {"type": "plain_text_input", "value": value}}}

    values: dict = {}
    values |= text(ui.TITLE, title)
    values |= text(ui.SITUATION, situation)
    for number, question in enumerate(questions, 1):
        values |= text(ui.question_block(number), question)
    values[ui.AUDIENCE] = {ui.AUDIENCE: {"selected_option": {"value": audience}}}
    values[ui.MUNICIPALITIES] = {ui.MUNICIPALITIES: {"selected_options": []}}
    values[ui.SHOW] = {ui.SHOW: {"selected_option": {"value": show}}}
    ticked = [{"value": ui.SHARE_DIGEST}] if share_digest else []
    values[ui.OPTIONS] = {ui.OPTIONS: {"selected_options": ticked}}
    return values


def section_texts(view_or_blocks) -> str:
    found = view_or_blocks.get("blocks", []) if isinstance(view_or_blocks, dict) else view_or_blocks
    out = []
    for block in found:
        if block.get("text"):
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                out.append(element["text"])
    return "\n".join(out)


def share_case(flip, owner=OWNER, **values) -> dict:
    """/flip sparring, fill in the form, submit: returns the preview view Slack is told to show."""
    server, fake = flip.server, flip.fake
    before = len(fake.calls_to("views.open"))
    reply = server.command(owner, "sparring", channel="D" + owner[1:])
    assert reply.status == 200 and reply.body == "", reply.body
    form = fake.wait_for("views.open", before + 1)[-1].args["view"]
    assert form["callback_id"] == ui.SHARE_MODAL
    reply = server.submit(owner, form, share_values(**values))
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "update", answer
    return answer["view"]


def draft_to(fake, facilitator):
    calls = fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.args.get("channel") == facilitator
            and any(
                e.get("action_id") == ui.APPROVE
                for b in c.args.get("blocks") or []
                for e in b.get("elements", [])
                if isinstance(e, dict)
            )
        ),
    )
    return calls[-1]


def test_a_case_from_share_to_the_owners_digest(flip, tmp_path):
    server, fake, services = flip.server, flip.fake, flip.services

    # The preview shows the redacted case and what was taken out, with *Send* and *Ret*.
    preview = share_case(flip)
    assert preview["callback_id"] == ui.CONFIRM_MODAL
    shown = section_texts(preview)
    assert "20 30 40 50" not in shown and PHONE in shown
    assert "Jeg har taget ud: et telefonnummer." in shown
    assert "Kollegerne ser: En kollega fra Herning Kommune" in shown
    buttons = [e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in buttons] == [ui.PREVIEW_EDIT]
    assert preview["submit"]["text"] == "Send"
    case_id = json.loads(preview["private_metadata"])["case_id"]
    stored = services.sparring.get(case_id)
    assert stored.status == CaseStatus.DRAFT and "20 30 40 50" not in stored.situation
    # Nothing went to anyone before the owner confirmed.
    assert not fake.calls_to("chat.postMessage")

    # *Send*: the owner's thread starts, every facilitator gets the draft with three decisions.
    reply = server.submit(OWNER, preview, {})
    assert reply.status == 200 and reply.body == ""
    assert wait_idle()
    thread = fake.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == OWNER)[0]
    assert "er sendt til facilitatorerne" in thread.args["text"]
    owner_dm = fake.dm_channel(OWNER)
    thread_ts = fake.messages[owner_dm][0].ts
    draft = draft_to(fake, FACILITATOR)
    actions = [b for b in draft.args["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [e["action_id"] for e in actions] == [ui.APPROVE, ui.EDIT, ui.REJECT]
    assert "Fra En kollega fra Herning Kommune" in section_texts(draft.args["blocks"])
    draft_ts = fake.messages[fake.dm_channel(FACILITATOR)][-1].ts

    # A broker cannot approve: they are told so, and nothing goes out.
    before = len(fake.calls)
    server.click(ANSWERER, ui.APPROVE, str(case_id), fake.dm_channel(ANSWERER), "1.1")
    assert wait_idle()
    refusal = fake.calls[before:]
    assert [c.method for c in refusal] == ["chat.postEphemeral"]
    assert refusal[0].args["text"].startswith("Det har du ikke adgang til")
    assert services.sparring.get(case_id).status == CaseStatus.REVIEW

    # The facilitator approves: brokers in the other municipalities get the case as a prompt.
    server.click(FACILITATOR, ui.APPROVE, str(case_id), fake.dm_channel(FACILITATOR), draft_ts)
    assert wait_idle()
    case = services.sparring.get(case_id)
    assert case.status == CaseStatus.RUNNING
    prompts = [c for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")]
    reached = {c.args["channel"] for c in prompts}
    assert ANSWERER in reached
    assert OWNER not in reached and HERNING_COLLEAGUE not in reached
    assert not any(services.network.member(m).municipality == "herning" for m in reached)
    mine = next(c for c in prompts if c.args["channel"] == ANSWERER)
    assert "En kollega fra Herning Kommune beder om kollegial sparring" in section_texts(
        mine.args["blocks"]
    )
    decided = fake.wait_for("chat.update", where=lambda c: c.args["ts"] == draft_ts)[0]
    assert "Sendt til sparring af Hanne Bach." in section_texts(decided.args["blocks"])
    assert not [b for b in decided.args["blocks"] if b["type"] == "actions"]

    # The answerer answers in the modal, showing their name; it reaches the owner's thread.
    delivery = services.store.delivery(case.round_id, ANSWERER)
    server.click(
        ANSWERER,
        blocks.ANSWER,
        str(case.round_id),
        delivery.ref.conversation,
        delivery.ref.message,
    )
    modal = fake.wait_for("views.open", 2)[-1].args["view"]
    choices = next(b for b in modal["blocks"] if b.get("block_id") == blocks.CHOICES_BLOCK)
    assert blocks.SHOW_NAME in [o["value"] for o in choices["element"]["options"]]
    reply = server.submit(
        ANSWERER,
        modal,
        answer_values(modal, {"q1": "Spørg hvad hun selv vil."}, ("quotable", blocks.SHOW_NAME)),
    )
    assert reply.status == 200 and reply.body == ""
    forwarded = fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("channel") == owner_dm and c.args.get("thread_ts") == thread_ts,
    )
    text = section_texts(forwarded[0].args["blocks"])
    assert "*Signe Andersen fra Silkeborg Kommune* svarede:" in text
    assert "Spørg hvad hun selv vil." in text

    # *Tak*: the answerer hears it once.
    value = f"{case_id}:{ANSWERER}"
    server.click(OWNER, ui.THANK, value, owner_dm, fake.messages[owner_dm][-1].ts)
    assert wait_idle()
    thanked = fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.args.get("channel") == ANSWERER and "siger tak" in c.args.get("text", ""),
    )
    assert len(thanked) == 1

    # Two more answers, then close: the owner gets the digest in the case's thread.
    for member in ("U0SILK002", "U0HOLS001"):
        services.rounds.confirm_answer(
            services.rounds.record_answer(
                case.round_id, member, {"q1": "Lyt efter det, der er svært."}
            )
        )
    server.command(FACILITATOR, f"close {case.round_id}")
    assert wait_idle()
    digest = fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.args.get("channel") == owner_dm
            and c.args.get("thread_ts") == thread_ts
            and "er slut" in c.args.get("text", "")
        ),
    )
    assert digest
    assert services.sparring.get(case_id).status == CaseStatus.CLOSED
    # The facilitators get it too, as the owner agreed.
    fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.args.get("channel") == FACILITATOR and "FLIP-mødet" in c.args.get("text", "")
        ),
    )

    # The owner says yes under their digest; a facilitator then adds it to the library.
    server.click(OWNER, ui.LIBRARY_CONSENT, str(case_id), owner_dm, thread_ts)
    assert wait_idle()
    said = fake.calls_to("chat.postEphemeral")[-1].args["text"]
    assert said.startswith("Tak! En facilitator kan nu gøre sagen til et anonymt dilemma")
    folder = tmp_path / "egne"
    services.settings = services.settings.model_copy(update={"flipbot_prompts": str(folder)})
    server.click(FACILITATOR, ui.LIBRARY_ADD, str(case_id), fake.dm_channel(FACILITATOR), "1.1")
    assert wait_idle()
    said = fake.calls_to("chat.postEphemeral")[-1].args["text"]
    assert said.startswith(f"Sagen er nu dilemmaet praksis-{case_id}")
    assert load_library(folder).get(f"praksis-{case_id}").kind == "dilemma"


def test_a_researcher_cannot_share_a_case(flip):
    reply = flip.server.command(RESEARCHER, "sparring")
    assert reply.status == 200
    assert reply.json()["text"].startswith("Det har du ikke adgang til")
    assert wait_idle()
    assert not flip.fake.calls_to("views.open")


def test_a_bad_form_shows_what_is_wrong_in_the_field(flip):
    server, fake = flip.server, flip.fake
    server.command(OWNER, "sparring")
    form = fake.wait_for("views.open")[0].args["view"]
    reply = server.submit(OWNER, form, share_values(questions=("", "", "")))
    assert reply.json() == {
        "response_action": "errors",
        "errors": {
            ui.question_block(
                1
            ): "Skriv mindst ét spørgsmål, du gerne vil have kollegernes tanker om."
        },
    }


def test_a_rejected_case_tells_the_owner_why(flip):
    server, fake, services = flip.server, flip.fake, flip.services
    preview = share_case(flip)
    server.submit(OWNER, preview, {})
    draft_to(fake, FACILITATOR)
    case_id = json.loads(preview["private_metadata"])["case_id"]
    draft_ts = fake.messages[fake.dm_channel(FACILITATOR)][-1].ts
    server.click(FACILITATOR, ui.REJECT, str(case_id), fake.dm_channel(FACILITATOR), draft_ts)
    modal = fake.wait_for("views.open", 2)[-1].args["view"]
    assert modal["callback_id"] == ui.REJECT_MODAL
    empty = {ui.REASON: {ui.REASON: {"type": "plain_text_input", "value": " "}}}
    assert server.submit(FACILITATOR, modal, empty).json()["response_action"] == "errors"
    reason = {ui.REASON: {ui.REASON: {"type": "plain_text_input", "value": "Den minder om sag 2."}}}
    assert server.submit(FACILITATOR, modal, reason).body == ""
    assert wait_idle()
    told = fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.args.get("channel") == OWNER and "bliver ikke sendt" in c.args.get("text", "")
        ),
    )
    assert told[0].args["text"].endswith("Facilitatorens begrundelse: Den minder om sag 2.")
    assert services.sparring.get(case_id).status == CaseStatus.REJECTED
    assert not [c for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")]


def test_the_owners_erasure_takes_the_case_and_its_answers(flip):
    server, fake, services = flip.server, flip.fake, flip.services
    preview = share_case(flip)
    server.submit(OWNER, preview, {})
    draft_to(fake, FACILITATOR)
    case_id = json.loads(preview["private_metadata"])["case_id"]
    case = services.sparring.approve(case_id, FACILITATOR)
    services.rounds.record_answer(case.round_id, ANSWERER, {"q1": "Lyt."})
    reply = server.command(OWNER, "slet-mig").json()
    confirm = next(
        e["value"]
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == blocks_privacy.ERASE_CONFIRM
    )
    server.click(OWNER, blocks_privacy.ERASE_CONFIRM, confirm, fake.dm_channel(OWNER), "1.1")
    assert wait_idle()
    erased = services.sparring.cases.case(case_id)
    assert (
        erased.status == CaseStatus.ERASED and erased.situation == "" and erased.owner_id != OWNER
    )
    assert services.store.response(case.round_id, ANSWERER) is None


def test_status_and_app_home_list_the_cases(flip):
    from bot.slack.handlers.home import build_home_for
    from tests.slack.conftest import status_of

    server, services = flip.server, flip.services
    preview = share_case(flip, title="Borger <!channel> vil ikke")
    server.submit(OWNER, preview, {})
    assert wait_idle()
    status = status_of(flip, FACILITATOR)
    assert "*Sager, der venter på en facilitator*" in status
    assert (
        "• Borger &lt;!channel&gt; vil ikke (Herning Kommune, venter på en facilitator)" in status
    )

    owner_home = build_home_for(services, OWNER).to_dict()
    first = owner_home["blocks"][0]["elements"][0]
    assert first["action_id"] == ui.HOME_SHARE and first["text"]["text"] == "Del et dilemma"
    assert "“Borger &lt;!channel&gt; vil ikke” · venter på en facilitator · 0 svar" in str(
        owner_home
    )
    # A researcher's home has no share button.
    researcher_home = build_home_for(services, RESEARCHER).to_dict()
    assert ui.HOME_SHARE not in str(researcher_home)
