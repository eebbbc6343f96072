"""Acknowledgement latency of /flip status, the answer-button click and the answer-modal submission,
served by gunicorn gthread (1 worker, 8 threads) against the fake Web API, compared with a bare
Bolt app under the same server whose listeners only acknowledge."""

from __future__ import annotations

import multiprocessing
import platform
import re
import socket
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.network import load_network
from bot.prompts import load_library
from bot.rounds import RoundService
from bot.services import EXAMPLE_NETWORK
from bot.settings import Settings
from bot.store import Store
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SignedClient, answer_values

REQUESTS = 400
IN_FLIGHT = (1, 5, 20, 50)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_fake(urls, stop) -> None:
    from tests.slack.fake_slack import FakeSlack

    with FakeSlack() as fake:
        urls.put(fake.url)
        stop.wait()


def bare_app(settings: Settings):
    from slack_bolt import App
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url),
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
    )
    app.command("/flip")(lambda ack: ack())
    app.action(re.compile(".*"))(lambda ack: ack())
    app.view(re.compile(".*"))(lambda ack: ack())
    return app


def serve(kind: str, port: int, settings: Settings) -> None:
    from bot.app import build_slack
    from bot.wsgi_server import run_gunicorn

    def make():
        return bare_app(settings) if kind == "bare" else build_slack(settings)[0]

    run_gunicorn(make, port=port, threads=8)


def prepare_database(settings: Settings) -> None:
    """A round for the 50 example brokers, delivered to the fake, so clicks and answers are real."""
    from bot.app import build_client
    from bot.slack_messenger import SlackMessenger

    store = Store(settings.flipbot_db)
    store.migrate()
    network, library = load_network(EXAMPLE_NETWORK), load_library()
    store.sync_members(network)
    messenger = SlackMessenger(build_client(settings), network)
    rounds = RoundService(store, network, library, messenger)
    rounds.start_round(library.get("samtale-01"), "all", None, "U0FACI001")
    store.close()


def requests_of(client: SignedClient, brokers: list[str]) -> dict:
    view = {
        "callback_id": "answer_modal",
        "private_metadata": '{"round_id": 1, "channel": null, "ts": null}',
        "blocks": [{"block_id": "q_q1"}, {"block_id": "q_q2"}],
    }
    return {
        "/flip status": lambda i: client.command("U0FACI001", "status"),
        "answer click": lambda i: client.click(
            brokers[i % len(brokers)], "prompt_answer", "1", "D0X", "1700000001.000100"
        ),
        "modal submit": lambda i: client.submit(
            brokers[i % len(brokers)], view, answer_values(view, {"q1": f"Svar nummer {i}"})
        ),
    }


def measure(send, in_flight: int) -> tuple[float, float, int]:
    def timed(i: int) -> tuple[float, int]:
        began = time.perf_counter()
        try:
            status = send(i).status
        except (urllib.error.URLError, OSError):
            status = 0
        return time.perf_counter() - began, status

    with ThreadPoolExecutor(in_flight) as pool:
        results = list(pool.map(timed, range(REQUESTS)))
    latencies = sorted(r[0] for r in results)
    bad = sum(1 for r in results if r[1] != 200)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return statistics.median(latencies), p99, bad


def wait_until_up(client: SignedClient) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def main() -> None:
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    fake = context.Process(target=run_fake, args=(urls, stop))
    fake.start()
    figures: dict = {}
    try:
        api = urls.get(timeout=60)
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "ack.db"
            settings = Settings(
                slack_bot_token=BOT_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=api,
                flipbot_db=str(db),
                flipbot_config=str(EXAMPLE_NETWORK),
            )
            prepare_database(settings)
            brokers = [m.slack_id for m in load_network(EXAMPLE_NETWORK).brokers()]
            for kind in ("bare", "flipbot"):
                port = free_port()
                server = context.Process(target=serve, args=(kind, port, settings))
                server.start()
                try:
                    client = SignedClient(f"http://127.0.0.1:{port}")
                    client.response_url = api + "response"  # replies after the ack go to the fake
                    wait_until_up(client)
                    for name, send in requests_of(client, brokers).items():
                        send(0)  # warm up
                        for in_flight in IN_FLIGHT:
                            figures[(kind, name, in_flight)] = measure(send, in_flight)
                finally:
                    server.terminate()
                    server.join(timeout=30)
    finally:
        stop.set()
        fake.join(timeout=30)
    print(f"{REQUESTS} requests each; latency p50 / p99 in ms; bare = Bolt app that only acks")
    for (kind, name, in_flight), (p50, p99, bad) in figures.items():
        if kind != "flipbot":
            continue
        b50, b99, _ = figures[("bare", name, in_flight)]
        print(
            f"{name:<14} {in_flight:>3} in flight: flipbot {p50 * 1000:6.0f} / {p99 * 1000:6.0f}"
            f"   bare {b50 * 1000:6.0f} / {b99 * 1000:6.0f}   p99 ratio {p99 / b99:4.2f}"
            f"   non-200: {bad}"
        )


if __name__ == "__main__":
    main()
