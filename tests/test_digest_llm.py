"""The LLM engine against a local server that speaks the chat-completions API (127.0.0.1, port 0)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.core.settings import Settings
from bot.digest.checks import assert_digest_is_honest
from bot.digest.llm import LlmEngine, llm_enhancer, redact
from bot.digest.render import render
from tests.digest_helpers import build, demo_answers


class FakeLlm:
    """Answers each POST with the next scripted reply: (status, body) or 'hang'."""

    def __init__(self):
        self.replies: list = []
        self.requests: list[dict] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                fake.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                reply = fake.replies.pop(0)
                if reply == "hang":
                    fake.release.wait(5)  # longer than the client's time-out; released at teardown
                    return
                status, body = reply
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm():
    fake = FakeLlm()
    yield fake
    fake.close()


def completion(content) -> dict:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}


@pytest.fixture(scope="module")
def answers():
    found = demo_answers()
    found[0] = found[0].model_copy(
        update={
            "texts": {"q1": found[0].texts["q1"] + " Ring på 20 30 40 50 eller skriv til a@b.dk."}
        }
    )
    return found


@pytest.fixture(scope="module")
def extractive(answers):
    return build(answers)


def test_the_model_writes_overview_and_labels_only(llm, answers, extractive):
    labels = [f"Label {i}" for i in range(len(extractive.themes))]
    overview = "Brokerne beskriver forskellige måder at stå i dilemmaet på, fra plan til ramme."
    llm.replies.append((200, completion({"overview": overview, "labels": labels})))
    digest = LlmEngine(llm.url, "sekret", "eu-model", timeout=2)(extractive, answers)
    assert digest.engine == "llm" and digest.engine_note is None
    assert digest.overview == overview
    assert [t.label for t in digest.themes] == labels
    assert [t.quotes for t in digest.themes] == [t.quotes for t in extractive.themes]
    assert digest.dilemmas == extractive.dilemmas and digest.questions == extractive.questions
    assert_digest_is_honest(digest, answers)
    assert "sprogmodel" in render(digest, "md")
    sent = llm.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sekret"
    assert sent["body"]["model"] == "eu-model"
    prompt = json.dumps(sent["body"]["messages"], ensure_ascii=False)
    assert "U0TEST" not in prompt and "a@b.dk" not in prompt and "20 30 40 50" not in prompt
    assert "[EMAIL]" in prompt and "A1:" in prompt


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ((500, {"error": "boom"}), "HTTP 500"),
        ((429, {"error": "slow down"}), "HTTP 429"),
        ((200, "not json at all"), "invalid answer"),
        ((200, completion("Her er et fint overblik uden JSON.")), "invalid answer"),
        ((200, completion({"overview": "For kort", "labels": []})), "invalid answer"),
        ((200, completion({"overview": "x" * 40, "labels": ["én"]})), "invalid answer"),
        (
            (
                200,
                completion(
                    {
                        "overview": 'En sagde: "sanktioner virker aldrig" i runden.',
                        "labels": ["a", "b", "c"],
                    }
                ),
            ),
            "invalid answer",
        ),
        ("hang", "time-out"),
    ],
)
def test_on_error_or_time_out_the_extractive_digest_is_kept_and_says_why(
    llm, answers, extractive, reply, reason
):
    llm.replies.append(reply)
    digest = LlmEngine(llm.url, None, "m", timeout=0.5)(extractive, answers)
    assert digest.engine == "extractive" and digest.engine_note == reason
    assert digest.overview == extractive.overview
    assert [t.label for t in digest.themes] == [t.label for t in extractive.themes]
    assert f"Sprogmodellen kunne ikke bruges ({reason})" in render(digest, "md")


def test_no_server_listening_is_a_fallback_too(answers, extractive):
    digest = LlmEngine("http://127.0.0.1:9/v1", None, "m", timeout=0.5)(extractive, answers)
    assert digest.engine_note == "no connection"


def test_the_engine_is_used_only_when_url_and_model_are_set():
    assert llm_enhancer(Settings()) is None
    assert llm_enhancer(Settings(flipbot_llm_url="http://127.0.0.1:1")) is None
    engine = llm_enhancer(Settings(flipbot_llm_url="http://x/v1/", flipbot_llm_model="m"))
    assert engine is not None and engine.url == "http://x/v1/chat/completions"


def test_redact_removes_contact_details():
    assert redact("Skriv til mette@job.dk eller ring 22 34 56 78, cpr 010203-1234") == (
        "Skriv til [EMAIL] eller ring [TLF], cpr [CPR]"
    )


def test_the_review_service_uses_the_llm_engine_when_configured(
    llm, rounds, library, network, db, messenger, clock
):
    from datetime import timedelta

    from bot.digest.service import DigestService
    from bot.digest.sources import round_answers

    prompt = library.get("inddragelse-05")
    round = rounds.start_round(prompt, "all", clock() + timedelta(days=5), "U0FACI001")
    brokers = [m.id for m in network.brokers()]
    for member, sample in zip(brokers, demo_answers(), strict=False):
        rounds.record_answer(round.id, member, sample.texts, quotable=sample.quotable)
    service = DigestService(
        db,
        network,
        rounds,
        messenger,
        enhancer=LlmEngine(llm.url, "k", "m", timeout=2),
        clock=clock,
    )
    rounds.on_closed = service.on_round_closed
    llm.replies.append(
        (
            200,
            completion(
                {
                    "overview": "Et neutralt overblik over svarene i runden.",
                    "labels": ["A", "B", "C"],
                }
            ),
        )
    )
    rounds.close_round(round.id, "U0FACI001")
    draft = service.latest(round.id)
    assert draft.engine == "llm" and [t.label for t in draft.themes] == ["A", "B", "C"]
    assert db.digest(draft.id).engine == "llm"
    assert_digest_is_honest(draft, round_answers(db, round.id))
    prompt_text = json.dumps(llm.requests[0]["body"], ensure_ascii=False)
    assert not any(m.id in prompt_text or m.name in prompt_text for m in network.members)


def test_members_names_are_not_sent_and_may_not_come_back(llm, answers, extractive):
    named = [
        a.model_copy(update={"texts": {"q1": a.texts["q1"] + " Det sagde Signe Andersen også."}})
        for a in answers
    ]
    labels = ["Signe Andersens tema"] + [f"L{i}" for i in range(len(extractive.themes) - 1)]
    llm.replies.append(
        (200, completion({"overview": "Et neutralt overblik over svarene.", "labels": labels}))
    )
    digest = LlmEngine(llm.url, None, "m", timeout=2)(extractive, named, ["Signe Andersen"])
    sent = json.dumps(llm.requests[0]["body"], ensure_ascii=False)
    assert "Signe" not in sent and "Andersen" not in sent and "[navn]" in sent
    assert digest.engine == "extractive" and digest.engine_note == "invalid answer"
