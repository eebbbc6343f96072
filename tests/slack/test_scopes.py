"""The fake Slack grants only the manifest's bot scopes, so a method flipbot calls without the
scope it needs fails in the tests as it would in a real workspace (missing_scope)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.app import build_slack, wsgi_app
from bot.slack.handlers.common import wait_idle
from tests.slack.conftest import RESEARCHER, slack_settings
from tests.slack.fake_slack import METHOD_SCOPES, FakeSlack, manifest_scopes
from tests.slack.harness import BOT_TOKEN, AppServer


def test_the_manifest_grants_a_scope_for_every_method_flipbot_uses():
    granted = manifest_scopes()
    with FakeSlack() as fake:
        used = set(fake.methods)
    lacking = {m: sorted(METHOD_SCOPES[m]) for m in used & METHOD_SCOPES.keys()}
    lacking = {m: s for m, s in lacking.items() if not set(s) & granted}
    assert lacking == {}
    assert "files:write" in granted  # /flip export and a long digest's HTML file


def test_a_method_without_its_scope_is_refused_with_missing_scope():
    scopes = manifest_scopes() - {"files:write"}
    with FakeSlack(scopes=scopes) as fake:
        client = WebClient(token=BOT_TOKEN, base_url=fake.url)
        with pytest.raises(SlackApiError) as refused:
            client.files_getUploadURLExternal(filename="export.csv", length=3)
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "files:write"
        # Methods whose scope is granted still work.
        assert client.chat_postMessage(channel="U0SILK001", text="hej")["ok"]
    assert [c.error for c in fake.calls] == ["missing_scope", None]


def test_the_export_command_fails_in_a_workspace_without_files_write(flip_without_files):
    server, fake = flip_without_files
    reply = server.command(RESEARCHER, "export csv")
    assert reply.status == 200
    assert wait_idle()
    assert fake.shared == []
    assert any(c.error == "missing_scope" for c in fake.calls)


@pytest.fixture
def flip_without_files(clock, tmp_path, network, library):
    with FakeSlack(scopes=manifest_scopes() - {"files:write"}) as fake:
        app, _ = build_slack(
            slack_settings(fake, tmp_path), clock=clock, network=network, library=library
        )
        with AppServer(wsgi_app(app)) as server:
            server.response_url = fake.response_url
            yield server, fake
