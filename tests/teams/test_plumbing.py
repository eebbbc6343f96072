"""The plumbing around the SDK: unsafe environment switches, the WSGI app, the loop thread."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.teams import sdk
from bot.teams.sdk import ActivityContext, MessageActivity
from bot.teams.server import MAX_BODY_BYTES, LoopThreadAdapter, teams_wsgi
from tests.teams.activities import message_activity, sign_activity

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def heard(teams_app):
    received: list[str] = []

    @teams_app.on_message
    async def message_received(ctx: ActivityContext[MessageActivity]) -> None:
        received.append(ctx.activity.text)

    return received


def test_the_unauthenticated_switch_in_env_and_dotenv_has_no_effect(
    monkeypatch, tmp_path, teams_settings, connector, waits
):
    (tmp_path / ".env").write_text("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "true")
    adapter = LoopThreadAdapter(timeout=10)
    try:
        app = sdk.build_teams_app(teams_settings, adapter=adapter, wait=waits)
        received = []

        @app.on_message
        async def message_received(ctx: ActivityContext[MessageActivity]) -> None:
            received.append(ctx.activity.text)

        activity = message_activity("uden underskrift", service_url=connector.url)
        # A bearer that is no JWT, so the request gets past our own header check to the SDK's.
        status, _, _ = adapter.handle_activity(
            json.dumps(activity).encode(), {"Authorization": "Bearer unsigned"}
        )
    finally:
        adapter.close()

    assert status == 401
    assert received == []


def _import_in(cwd: Path, module: str) -> dict:
    """Import module in a fresh interpreter in cwd; the environment variables it then sees."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_DOTENV_DISABLED"}
    env["PYTHONPATH"] = str(ROOT)
    probe = (
        f"import json, os, {module}; "
        "print(json.dumps({k: os.environ.get(k) for k in "
        "('DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS', 'CLIENT_SECRET')}))"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_dotenv_file_is_not_loaded_through_our_import(tmp_path):
    (tmp_path / ".env").write_text(
        "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS=true\nCLIENT_SECRET=from-dotenv\n"
    )

    # `import microsoft_teams.apps` on its own would load it (checked by hand; a second
    # interpreter start here would cost seconds); imported through flipbot's door, it does not.
    assert _import_in(tmp_path, "bot.teams.sdk") == {
        "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": None,
        "CLIENT_SECRET": None,
    }


def test_a_client_secret_in_the_environment_is_refused(monkeypatch, teams_settings):
    monkeypatch.setenv("CLIENT_SECRET", "would-switch-the-sdk-to-msal")

    with pytest.raises(RuntimeError, match="CLIENT_SECRET"):
        sdk.build_teams_app(teams_settings, adapter=LoopThreadAdapter())


def test_the_app_takes_every_microsoft_endpoint_from_settings(teams_app, teams_settings, identity):
    assert teams_app.cloud.openid_metadata_url == identity.openid_metadata_url
    assert teams_app.cloud.login_endpoint == identity.url
    assert teams_app.api.service_url == teams_settings.teams_service_url
    assert teams_app.options.dangerously_allow_unauthenticated_requests is False


def call_wsgi(app, method: str, path: str = "/api/messages", body: bytes = b"", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
    }
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    started = {}

    def start_response(status, response_headers):
        started["status"] = status
        started["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    return started["status"], started["headers"], b"".join(chunks)


def test_wsgi_serves_a_signed_post_to_the_handler(
    teams_app, adapter, heard, connector, signing_key
):
    activity = message_activity("via WSGI", service_url=connector.url)
    body = json.dumps(activity).encode()

    status, _, _ = call_wsgi(
        teams_wsgi(adapter),
        "POST",
        body=body,
        authorization=sign_activity(activity, key=signing_key),
    )

    assert status == "200 OK"
    assert heard == ["via WSGI"]


@pytest.mark.parametrize(
    "method, path, body, expected",
    [
        ("GET", "/api/messages", b"", "405 Method Not Allowed"),
        ("PUT", "/api/messages", b"{}", "405 Method Not Allowed"),
        ("POST", "/api/other", b"{}", "404 Not Found"),
        ("POST", "/api/messages", b"x" * (MAX_BODY_BYTES + 1), "413 Request Entity Too Large"),
        ("POST", "/api/messages", b"{oops", "400 Bad Request"),
        ("POST", "/api/messages", b"{}", "401 Unauthorized"),
    ],
)
def test_wsgi_refuses_what_is_not_a_signed_activity_post(
    teams_app, adapter, heard, method, path, body, expected
):
    status, headers, _ = call_wsgi(teams_wsgi(adapter), method, path, body)

    assert status == expected
    assert heard == []
    if expected.startswith("405"):
        assert headers["Allow"] == "POST"


def test_a_handler_slower_than_the_timeout_gets_504():
    adapter = LoopThreadAdapter(timeout=0.2)
    never = asyncio.Event()

    async def stuck(request):
        await never.wait()
        return {"status": 200, "body": None}

    adapter.register_route("POST", "/api/messages", stuck)
    try:
        status, _, _ = adapter.handle_activity(b"{}", {"Authorization": "Bearer x"})
    finally:
        adapter.close()

    assert status == 504


def test_run_refuses_to_block_the_loop_it_runs_on():
    adapter = LoopThreadAdapter(timeout=5)

    async def nested():
        adapter.run(asyncio.sleep(0))

    try:
        with pytest.raises(RuntimeError, match="loop itself"):
            adapter.run(nested())
    finally:
        adapter.close()


def test_the_loop_starts_on_first_use_and_runs_startup_once():
    adapter = LoopThreadAdapter(timeout=5)
    started = []

    async def startup():
        started.append(asyncio.get_running_loop())

    adapter.on_startup(startup)
    assert started == []
    try:
        adapter.run(asyncio.sleep(0))
        adapter.run(asyncio.sleep(0))
    finally:
        adapter.close()

    assert len(started) == 1


def test_a_forked_worker_gets_its_own_loop():
    adapter = LoopThreadAdapter(timeout=5)
    parent_loop_thread = adapter.run(_loop_thread_name())

    pid = os.fork()
    if pid == 0:  # the child: a gunicorn worker, say; it must never return into pytest
        ok = False
        try:
            ok = adapter.run(_loop_thread_pid()) == os.getpid()
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    adapter.close()

    assert parent_loop_thread == "teams-loop"
    assert os.waitstatus_to_exitcode(status) == 0


async def _loop_thread_name() -> str:
    return threading.current_thread().name


async def _loop_thread_pid() -> int:
    return os.getpid()
