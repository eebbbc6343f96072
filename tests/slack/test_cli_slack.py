"""`flipbot serve` and `flipbot manifest`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import cli
from bot.slack.app import EVENTS_PATH
from bot.slack.cli import manifest
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SignedClient


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_serve_without_a_token_stops_with_exit_2_naming_it(env, variable):
    result = run("serve", env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0]


def test_manifest_for_socket_mode_and_for_http():
    socket_mode = yaml.safe_load(run("manifest").output)
    assert socket_mode["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket_mode["settings"]["event_subscriptions"]
    assert {"app_home_opened", "message.im"} <= set(
        socket_mode["settings"]["event_subscriptions"]["bot_events"]
    )
    assert socket_mode["features"]["slash_commands"][0]["command"] == "/flip"
    assert socket_mode["features"]["app_home"]["messages_tab_enabled"] is True

    http = yaml.safe_load(run("manifest", "--url", "https://flip.example.dk/").output)
    url = "https://flip.example.dk" + EVENTS_PATH
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == url
    assert http["settings"]["interactivity"]["request_url"] == url
    assert http["features"]["slash_commands"][0]["url"] == url


def test_manifest_refuses_a_plain_http_url():
    result = CliRunner().invoke(cli, ["manifest", "--url", "http://flip.example.dk"])
    assert result.exit_code == 2 and "https" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_http_against_the_fake_slack(fake, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "FLIPBOT_DB": str(tmp_path / "serve.db"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bot.cli.main import main; main()",
            "serve",
            "--port",
            str(port),
            "--threads",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = SignedClient(f"http://127.0.0.1:{port}")
    watchdog = threading.Timer(60, process.kill)  # the test never hangs on a stuck server
    watchdog.start()
    try:
        # The server binds the port before it says so; requests then wait in the backlog
        # until the app is built.
        for line in process.stderr:
            if b"Listening at" in line:
                break
        else:
            raise AssertionError("flipbot serve stopped before listening")
        assert client.get("/healthz").status == 200
        reply = client.command("U0SILK001", "help")
        assert reply.status == 200 and "flipbot" in reply.json()["text"]
        assert client.command("U0SILK001", "help", signature="v0=bad").status == 401
        assert fake.calls_to("auth.test")
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=20)


def test_serve_with_a_token_slack_refuses_stops_with_slacks_error(fake, tmp_path):
    fake.fail("auth.test", error="invalid_auth")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-wrong",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "FLIPBOT_DB": str(tmp_path / "serve.db"),
    }
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 1
    assert "Slack refused SLACK_BOT_TOKEN: invalid_auth" in result.output


def test_manifest_fits_slacks_limits():
    info = manifest()["display_information"]
    assert 175 <= len(info["long_description"]) <= 4000
    assert len(info["description"]) <= 140
    assert len(info["name"]) <= 35
