"""Acknowledgement latency of /flip status, the answer-button click and the answer-modal submission,
served as `flipbot serve` serves (bot/core/wsgi_server.py, 8 threads) against the fake Web API, compared with a bare
Bolt app under the same server whose listeners only acknowledge. Closed loop (N clients sending
back to back) and open loop (requests arriving at random at a mean rate); figures and their
reading in docs/benchmarks.md."""

from __future__ import annotations

import itertools
import multiprocessing
import platform
import random
import re
import socket
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.core.network import load_network
from bot.core.rounds import RoundService
from bot.core.services import EXAMPLE_NETWORK
from bot.core.settings import Settings
from bot.prompts import load_library
from bot.store.database import Store
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SignedClient, answer_values

REQUESTS = 400
IN_FLIGHT = (1, 5, 20, 50)
# Open loop: requests arrive at random moments at these mean rates (a second), as members' clicks
# do, whether or not earlier ones were answered. 50 brokers all answering within one second is 50.
RATES = (10, 50, 100)
ARRIVALS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_fake(urls, stop, calls) -> None:
    from tests.slack.fake_slack import FakeSlack

    with FakeSlack() as fake:
        urls.put(fake.url)
        while not stop.wait(0.02):
            calls.value = len(fake.calls)


def settle(calls) -> None:
    """Wait until the Web API has had no call for half a second: the previous row's
    after-acknowledgement work is done and does not count against the next row."""
    seen, quiet_since, deadline = calls.value, time.monotonic(), time.monotonic() + 120
    while time.monotonic() - quiet_since < 0.5:
        if time.monotonic() > deadline:
            raise RuntimeError("the after-acknowledgement work did not finish in 2 minutes")
        time.sleep(0.05)
        if calls.value != seen:
            seen, quiet_since = calls.value, time.monotonic()


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
    from bot.slack.app import build_slack
    from bot.slack.wsgi_server import run_server

    def make():
        return bare_app(settings) if kind == "bare" else build_slack(settings)[0]

    run_server(make, port=port, threads=8)


def prepare_database(settings: Settings) -> None:
    """A round for the 50 example brokers, delivered to the fake, so clicks and answers are real."""
    from bot.slack.app import build_client
    from bot.slack.messenger import SlackMessenger

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


def status_of(send, i: int) -> int:
    try:
        return send(i).status
    except (urllib.error.URLError, OSError):
        return 0


def measure(send, in_flight: int) -> tuple[float, float, int]:
    """Closed loop: `in_flight` clients, each sending its next request when the last is answered."""

    def timed(i: int) -> tuple[float, int]:
        began = time.perf_counter()
        status = status_of(send, i)
        return time.perf_counter() - began, status

    with ThreadPoolExecutor(in_flight) as pool:
        return summary(list(pool.map(timed, range(REQUESTS))))


def measure_open(send, rate: float) -> tuple[float, float, int]:
    """Open loop: requests due at Poisson arrival times; latency counts from when a request was
    due, so a client thread that was late (all busy) is charged to the server, not hidden."""
    chance = random.Random(rate)
    start = time.perf_counter() + 0.1
    due = list(itertools.accumulate(chance.expovariate(rate) for _ in range(ARRIVALS)))

    def timed(i: int) -> tuple[float, int]:
        wait = start + due[i] - time.perf_counter()
        if wait > 0:
            time.sleep(wait)  # pacing the arrivals
        status = status_of(send, i)
        return time.perf_counter() - (start + due[i]), status

    with ThreadPoolExecutor(64) as pool:
        return summary(list(pool.map(timed, range(ARRIVALS))))


def summary(results: list[tuple[float, int]]) -> tuple[float, float, int]:
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


def main(in_flight_rows: tuple = IN_FLIGHT, rates: tuple = RATES) -> None:
    """Every row by default; `python -m bench.bench_ack 20` measures 20 in flight only (no open
    loop), the row issue 16 compares."""
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    context = multiprocessing.get_context("spawn")
    urls, stop, calls = context.Queue(), context.Event(), context.Value("i", 0)
    fake = context.Process(target=run_fake, args=(urls, stop, calls))
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
            brokers = [m.slack for m in load_network(EXAMPLE_NETWORK).brokers()]
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
                        for in_flight in in_flight_rows:
                            settle(calls)
                            figures[(kind, name, in_flight)] = measure(send, in_flight)
                        for rate in rates:
                            settle(calls)
                            figures[(kind, name, f"{rate}/s")] = measure_open(send, rate)
                finally:
                    server.terminate()
                    server.join(timeout=30)
    finally:
        stop.set()
        fake.join(timeout=30)
    print(
        f"latency p50 / p99 in ms; bare = Bolt app that only acks; N in flight: closed loop, "
        f"{REQUESTS} requests; N/s: open loop, {ARRIVALS} requests arriving at random"
    )
    for (kind, name, load), (p50, p99, bad) in figures.items():
        if kind != "flipbot":
            continue
        b50, b99, _ = figures[("bare", name, load)]
        shown = f"{load:>3} in flight" if isinstance(load, int) else f"{load:>5} arrivals"
        print(
            f"{name:<14} {shown}: flipbot {p50 * 1000:6.1f} / {p99 * 1000:6.1f}"
            f"   bare {b50 * 1000:6.1f} / {b99 * 1000:6.1f}   p99 ratio {p99 / b99:4.2f}"
            f"   non-200: {bad}"
        )


if __name__ == "__main__":
    import sys

    if sys.argv[1:]:
        main(tuple(int(n) for n in sys.argv[1:]), ())
    else:
        main()
