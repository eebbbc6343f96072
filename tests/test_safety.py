"""Safety nets: escaped answers cannot ping or inject, YAML is only loaded safely, logs never
carry answer text or tokens."""

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.messenger import LocalMessenger
from bot.core.network import load_network
from bot.core.services import build_services
from bot.core.settings import Settings
from bot.core.text import escape_mrkdwn
from bot.core.yamlfile import FileProblems

BOT = Path(__file__).resolve().parents[1] / "bot"

slack_markup = st.sampled_from(
    ["<!channel>", "<!here>", "<!everyone>", "<@U0SILK001>", "<#C0DIGESTS>", "<http://x|y>", "&lt;"]
)
answers = st.lists(
    st.one_of(st.text(), slack_markup, st.sampled_from(["<", ">", "&", "*", "_", "~", "`"])),
    max_size=20,
).map("".join)


@given(answers)
def test_an_escaped_answer_cannot_mention_link_or_break_markup(text):
    shown = escape_mrkdwn(text)
    assert "<" not in shown and ">" not in shown
    assert "<!channel>" not in shown and not re.search(r"<[@#!]", shown)
    # Nothing is lost: Slack shows the entities as the characters the broker typed.
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


# -- YAML -----------------------------------------------------------------------------------

UNSAFE = re.compile(
    r"yaml\.(load|load_all|full_load|full_load_all|unsafe_load|unsafe_load_all)\s*\("
    r"|\b(Unsafe|Full)?Loader\s*=\s*yaml\.(Unsafe|Full)?Loader\b"
    r"|yaml\.(UnsafeLoader|FullLoader|Loader)\b"
)


def test_no_module_loads_yaml_unsafely():
    offenders = [
        f"{path.relative_to(BOT)}:{n}"
        for path in sorted(BOT.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNSAFE.search(line)
    ]
    assert offenders == []


def test_the_scan_would_catch_an_unsafe_load():
    assert UNSAFE.search("data = yaml.load(handle, Loader=yaml.Loader)")
    assert UNSAFE.search("yaml.unsafe_load(text)")
    assert not UNSAFE.search("yaml.safe_load(text)")


def test_a_python_tag_in_the_network_file_is_refused(tmp_path):
    path = tmp_path / "network.yaml"
    path.write_text('name: !!python/object/apply:os.system ["touch pwned"]\n', encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_network(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path) and problem.line == 1
    assert "python/object" in problem.message
    assert not (tmp_path / "pwned").exists()


# -- logs -----------------------------------------------------------------------------------

TOKEN = "xoxb-1234567890-SECRETTOKENVALUE"
SIGNING = "8f14e45fceea167a5a36dedd4bea2543"


def test_logs_carry_no_answer_text_and_no_token(caplog, tmp_path, network, library, clock):
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        flipbot_db=str(tmp_path / "log.db"),
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING,
        flipbot_llm_key="sk-SECRETLLMKEY",
    )
    services = build_services(
        settings, LocalMessenger(), network=network, library=library, clock=clock
    )
    rounds = services.rounds
    prompt = library.get("inddragelse-05")
    round_ = rounds.start_round(prompt, "all", clock() + timedelta(days=5), "U0FACI001")
    q = prompt.questions[0].id
    secrets = [TOKEN, SIGNING, "sk-SECRETLLMKEY"]
    for n, broker in enumerate(network.brokers()[:10]):
        text = f"Hemmelig refleksion nummer {n} om borgeren på Vestergade {n + 1}"
        secrets.append(text)
        result = rounds.record_answer(round_.id, broker.id, {q: text})
        rounds.confirm_answer(result)
    rounds.add_to_answer(round_.id, network.brokers()[0].id, "Tråd-svar med cpr 010190-1234")
    secrets += ["Tråd-svar med cpr", "010190-1234"]
    rounds.skip(round_.id, network.brokers()[11].id)
    rounds.close_round(round_.id, "U0FACI001")
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    for secret in secrets:
        assert secret not in logged


def test_secrets_come_only_from_the_environment():
    assert Settings.model_config.get("env_file") is None
    assert Settings.model_config.get("secrets_dir") is None
    token_shapes = re.compile(
        r"xox[abpr]-[0-9A-Za-z-]{10,}|xapp-[0-9A-Za-z-]{10,}|sk-[A-Za-z0-9]{20,}"
    )
    leaked = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*")
        if path.is_file()
        and path.suffix in (".py", ".yaml", ".yml", ".toml", ".json")
        and token_shapes.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert leaked == []
