"""Microsoft Teams beside Slack, against local fakes of both (tests/slack/fake_slack.py,
tests/teams/fakes.py) in a process of their own.

1. Acknowledgement latency: `flipbot serve`'s combined WSGI app (`build_process(...).wsgi`, Slack
   and Teams on one port) under the same server as bench_ack (bot/core/wsgi_server.py, 8
   threads). Teams: a message that gets the help card, an Action.Execute skip and a task/fetch,
   each an activity signed with the fake's key; Slack: bench_ack's three requests. 20 in flight
   (closed loop) and open-loop arrivals at bench_ack's rates, p50/p99 side by side.
2. Fan-out of one round to 2,000 Teams brokers of one tenant through the core (RoundService and
   TeamsMessenger), the fake connector timing every request: DMs/s, CPU, duplicates, and the
   busiest second against Teams' limits (about 50 requests/s per app per tenant; 7 per
   conversation per second); unpaced, and paced by bot/teams/pacing.py inside the retry middleware.

Figures and their reading in docs/benchmarks.md.
"""

from __future__ import annotations

import atexit
import itertools
import json
import multiprocessing
import platform
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.bench_ack import (
    ARRIVALS,
    RATES,
    REQUESTS,
    free_port,
    measure,
    measure_open,
    requests_of,
    settle,
    wait_until_up,
)
from bot.core.models import DeliveryStatus
from bot.core.network import Member, Municipality, Network
from bot.core.settings import Settings
from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET, SignedClient
from tests.teams.activities import (
    APP_ID,
    TENANT_ID,
    card_action_activity,
    message_activity,
    sign_activity,
    task_fetch_activity,
)

IN_FLIGHT = 20
FANOUT_MEMBERS = 2000
# Teams' documented limits for a bot (TEAMS.md): per app per tenant, per conversation.
TENANT_LIMIT_PER_SECOND = 50
CONVERSATION_LIMIT_PER_SECOND = 7
SLACK_FACILITATOR = "U0FACI001"
SLACK_BROKERS = [f"U0SLAK{n:03d}" for n in range(1, 26)]
TEAMS_BROKERS = [f"aaaaaaaa-0000-4000-8000-{n:012d}" for n in range(1, 26)]
TEAMS_FACILITATOR = "aaaaaaaa-0000-4000-8000-00000000fac1"


# -- the fakes, in their own process ----------------------------------------------------------


def run_fakes(key_pem: bytes, urls, stop, calls, results) -> None:
    """FakeSlack, FakeIdentity and a timing FakeConnector; `calls` counts every call to Slack and
    the connector (for settle()); at stop, the connector's timed calls go back on `results`."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from tests.slack.fake_slack import FakeSlack
    from tests.teams.fakes import FakeConnector, FakeIdentity

    class TimedConnector(FakeConnector):
        def _route(self, call):
            with self._lock:
                self.times.append((time.monotonic(), call.method, call.path))
            return super()._route(call)

    key = load_pem_private_key(key_pem, password=None)
    identity = FakeIdentity(key).start()
    connector = TimedConnector()
    connector.times = []
    connector.start()
    try:
        with FakeSlack() as slack:
            urls.put((slack.url, identity.url, identity.openid_metadata_url, connector.url))
            while not stop.wait(0.02):
                calls.value = len(slack.calls) + len(connector.calls)
            results.put(list(connector.times))
    finally:
        connector.stop()
        identity.stop()


@dataclass
class Fakes:
    slack: str
    identity: str
    openid: str
    connector: str


def start_fakes(context, key_pem: bytes):
    urls, stop, calls, results = (
        context.Queue(),
        context.Event(),
        context.Value("i", 0),
        context.Queue(),
    )
    process = context.Process(target=run_fakes, args=(key_pem, urls, stop, calls, results))
    process.start()
    return process, Fakes(*urls.get(timeout=60)), stop, calls, results


def settings_for(fakes: Fakes, db: Path, *, slack: bool) -> Settings:
    teams = {
        "teams_app_id": APP_ID,
        "teams_app_password": "not-a-real-secret",
        "teams_tenant_id": TENANT_ID,
        "teams_openid_metadata_url": fakes.openid,
        "teams_token_url": f"{fakes.identity}/{TENANT_ID}/oauth2/v2.0/token",
        "teams_service_url": fakes.connector,
    }
    if slack:
        teams.update(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fakes.slack,
        )
    return Settings(flipbot_db=str(db), **teams)


# -- 1. acknowledgement latency --------------------------------------------------------------


def ack_network() -> Network:
    """25 brokers on Slack (Silkeborg) and 25 on Teams (Herning, one tenant), a facilitator on each."""
    towns = [
        Municipality(id="herning", name="Herning Kommune", teams_tenant=TENANT_ID),
        Municipality(id="silkeborg", name="Silkeborg Kommune"),
    ]
    members = [
        Member(
            slack=SLACK_FACILITATOR,
            name="Slack Facilitator",
            municipality="silkeborg",
            roles=["facilitator"],
        ),
        Member(
            teams=TEAMS_FACILITATOR,
            name="Teams Facilitator",
            municipality="herning",
            roles=["facilitator"],
        ),
    ]
    members += [
        Member(slack=s, name=f"Slack {n}", municipality="silkeborg", roles=["broker"])
        for n, s in enumerate(SLACK_BROKERS, 1)
    ]
    members += [
        Member(teams=t, name=f"Teams {n}", municipality="herning", roles=["broker"])
        for n, t in enumerate(TEAMS_BROKERS, 1)
    ]
    return Network(name="bench", municipalities=towns, members=members)


def serve_flipbot(port: int, settings: Settings) -> None:
    from bot.cli.serve import build_process
    from bot.core.wsgi_server import run_server

    run_server(lambda: build_process(settings, network=ack_network()).wsgi, port=port, threads=8)


def prepare_round(settings: Settings) -> int:
    """A round for all 50 brokers, delivered to both fakes, so skips and dialogs are real."""
    from bot.cli.serve import build_process
    from bot.prompts import load_library

    process = build_process(settings, network=ack_network())
    scheduler = process.services.scheduler
    if scheduler is not None:
        scheduler.shutdown(wait=True)
        atexit.unregister(scheduler.shutdown)
        process.services.scheduler = None
    try:
        round = process.services.rounds.start_round(
            load_library().get("samtale-01"), "all", None, SLACK_FACILITATOR
        )
        sent = process.services.store.deliveries(round.id, [DeliveryStatus.SENT])
        if len(sent) != len(SLACK_BROKERS) + len(TEAMS_BROKERS):
            raise RuntimeError(
                f"only {len(sent)} of 50 prompts were delivered before the benchmark"
            )
        return round.id
    finally:
        process.close()
        process.services.store.close()


@dataclass
class Status:
    status: int


class TeamsClient:
    """Posts activities signed with the fake identity's key; each row's requests are signed before
    the row starts, so the client's RS256 signing is not timed."""

    def __init__(self, url: str, key, connector: str):
        self.url, self.key, self.connector = url + "/api/messages", key, connector
        self.prepared: list[tuple[bytes, str]] = []

    def who(self, aad: str) -> dict:
        return {
            "user_aad_id": aad,
            "user_id": f"29:{aad}",
            "conversation_id": f"a:chat-{aad}",
            "tenant_id": TENANT_ID,
        }

    def activities(self, round_id: int) -> dict:
        from bot.teams import actions

        def broker(i: int) -> dict:
            return self.who(TEAMS_BROKERS[i % len(TEAMS_BROKERS)])

        skip = {"action": actions.PROMPT_SKIP, "verb": actions.PROMPT_SKIP, "round_id": round_id}
        dialog = {"dialog_id": actions.ANSWER_DIALOG, "round_id": round_id}
        return {
            "Teams message": lambda i: message_activity(
                f"hej {i}", service_url=self.connector, **broker(i)
            ),
            "Teams skip": lambda i: card_action_activity(
                actions.PROMPT_SKIP, skip, service_url=self.connector, **broker(i)
            ),
            "Teams task/fetch": lambda i: task_fetch_activity(
                dialog, service_url=self.connector, **broker(i)
            ),
        }

    def prepare(self, make, count: int) -> None:
        self.prepared = []
        for i in range(count):
            activity = make(i)
            self.prepared.append(
                (json.dumps(activity).encode(), sign_activity(activity, key=self.key))
            )

    def send(self, i: int) -> Status:
        body, authorization = self.prepared[i]
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": authorization},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                return Status(response.status)
        except urllib.error.HTTPError as error:
            return Status(error.code)
        except (urllib.error.URLError, OSError):
            return Status(0)


def run_ack(context, key, key_pem: bytes, folder: Path) -> dict:
    fakes_process, fakes, stop, calls, _ = start_fakes(context, key_pem)
    figures: dict = {}
    try:
        settings = settings_for(fakes, folder / "ack.db", slack=True)
        round_id = prepare_round(settings)
        port = free_port()
        server = context.Process(target=serve_flipbot, args=(port, settings))
        server.start()
        try:
            slack = SignedClient(f"http://127.0.0.1:{port}")
            slack.response_url = fakes.slack + "response"
            wait_until_up(slack)
            teams = TeamsClient(f"http://127.0.0.1:{port}", key, fakes.connector)
            slack_requests = requests_of(slack, SLACK_BROKERS)
            for name, make in teams.activities(round_id).items():
                teams.prepare(make, 1)
                teams.send(0)  # warm up: the JWKS fetch, the first token
                for load in (IN_FLIGHT, *RATES):
                    count = REQUESTS if load == IN_FLIGHT else ARRIVALS
                    teams.prepare(make, count)
                    settle(calls)
                    figures[(name, load)] = run_row(teams.send, load)
            for name, send in slack_requests.items():
                send(0)
                for load in (IN_FLIGHT, *RATES):
                    settle(calls)
                    figures[(name, load)] = run_row(send, load)
            settle(calls)
        finally:
            server.terminate()
            server.join(timeout=30)
    finally:
        stop.set()
        fakes_process.join(timeout=60)
    return figures


def run_row(send, load: int):
    return measure(send, load) if load == IN_FLIGHT else measure_open(send, load)


def print_ack(figures: dict) -> None:
    print(
        f"acknowledgement latency p50 / p99 in ms, one flipbot process serving Slack and Teams; "
        f"{IN_FLIGHT} in flight: closed loop, {REQUESTS} requests; N/s: open loop, {ARRIVALS} "
        f"requests arriving at random"
    )
    teams_kinds = ["Teams message", "Teams skip", "Teams task/fetch"]
    slack_kinds = ["/flip status", "answer click", "modal submit"]
    for load in (IN_FLIGHT, *RATES):
        shown = f"{load} in flight" if load == IN_FLIGHT else f"{load}/s"
        for teams_kind, slack_kind in zip(teams_kinds, slack_kinds, strict=True):
            t50, t99, tbad = figures[(teams_kind, load)]
            s50, s99, sbad = figures[(slack_kind, load)]
            print(
                f"{shown:>12}  {teams_kind:<17} {t50 * 1000:6.1f} / {t99 * 1000:6.1f}  "
                f"(non-200: {tbad})   {slack_kind:<13} {s50 * 1000:6.1f} / {s99 * 1000:6.1f}  "
                f"(non-200: {sbad})"
            )


# -- 2. fan-out to 2,000 Teams brokers --------------------------------------------------------


def teams_network(size: int = FANOUT_MEMBERS) -> Network:
    """`size` Teams brokers in 10 municipalities, all in one tenant (the bot's)."""
    towns = [
        Municipality(id=f"kommune{i}", name=f"Kommune {i}", teams_tenant=TENANT_ID)
        for i in range(10)
    ]
    members = [
        Member(
            teams=f"bbbbbbbb-0000-4000-8000-{n:012d}",
            name=f"Mægler {n}",
            municipality=towns[n % len(towns)].id,
            roles=["broker"],
        )
        for n in range(size)
    ]
    facilitator = Member(
        teams=TEAMS_FACILITATOR, name="Facilitator", municipality=towns[0].id, roles=["facilitator"]
    )
    return Network(name="bench", municipalities=towns, members=[facilitator, *members])


def busiest(times: list[float], window: float = 1.0) -> int:
    """The most timestamps inside any `window` seconds."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def run_fanout(
    context, key_pem: bytes, folder: Path, *, installed: bool, pacing: bool = False
) -> dict:
    from bot.core.rounds import RoundService
    from bot.core.timeutil import utcnow
    from bot.prompts import load_library
    from bot.store.database import Store
    from bot.store.teams import TeamsConversation, remember_conversation
    from bot.teams.messenger import TeamsMessenger
    from bot.teams.sdk import build_teams_app
    from bot.teams.server import LoopThreadAdapter

    network = teams_network()
    library = load_library()
    fakes_process, fakes, stop, _, results = start_fakes(context, key_pem)
    try:
        settings = settings_for(fakes, folder / f"fanout-{installed}-{pacing}.db", slack=False)
        store = Store(settings.flipbot_db)
        store.migrate()
        store.sync_members(network)
        brokers = network.brokers()
        if installed:
            # As the install events of an admin's setup policy would have left them.
            for member in brokers:
                remember_conversation(
                    store,
                    TeamsConversation(
                        member.id, f"a:chat-{member.teams}", fakes.connector, TENANT_ID
                    ),
                    utcnow(),
                )
        adapter = LoopThreadAdapter()
        app = build_teams_app(settings, adapter=adapter, retry=paced_retry() if pacing else None)
        messenger = TeamsMessenger(app, adapter, network, store)
        rounds = RoundService(store, network, library, messenger)
        round = rounds.start_round(
            library.get("samtale-01"), "all", None, TEAMS_FACILITATOR, deliver=False
        )
        cpu, began = time.process_time(), time.perf_counter()
        result = rounds.deliver(round.id)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        sent = len(store.deliveries(round.id, [DeliveryStatus.SENT]))
        adapter.close()
        store.close()
        stop.set()
        times = results.get(timeout=120)
    finally:
        stop.set()
        fakes_process.join(timeout=60)
    posts = [
        (at, path)
        for at, method, path in times
        if method == "POST" and path.endswith("/activities")
    ]
    per_conversation = Counter(path for _, path in posts)
    by_conversation: dict[str, list[float]] = {}
    for at, path in posts:
        by_conversation.setdefault(path, []).append(at)
    connector_times = [at for at, method, path in times if path.startswith("/v3/")]
    return {
        "installed": installed,
        "pacing": pacing,
        "members": len(brokers),
        "seconds": elapsed,
        "rate": len(brokers) / elapsed,
        "cpu": cpu,
        "sent": sent,
        "failed": result.failed,
        "requests": len(connector_times),
        "created": sum(1 for _, method, path in times if path == "/v3/conversations"),
        "with_one": sum(1 for n in per_conversation.values() if n == 1),
        "duplicates": sum(n - 1 for n in per_conversation.values() if n > 1),
        "busiest_second": busiest(connector_times),
        "busiest_conversation_second": max(busiest(v) for v in by_conversation.values()),
    }


def paced_retry():
    """The retry middleware with flipbot's pacer inside it (each attempt waits for its turn)."""
    from bot.teams.pacing import Pacer, PacingMiddleware
    from bot.teams.retry import RetryMiddleware

    retry, pacing = RetryMiddleware(), PacingMiddleware(Pacer())

    class Both:
        async def send(self, context, next):
            return await retry.send(context, lambda: pacing.send(context, next))

    return Both()


def print_fanout(r: dict) -> None:
    how = "conversations known from install" if r["installed"] else "flipbot creates each 1:1 chat"
    if r["pacing"]:
        how += ", paced (bot/teams/pacing.py)"
    within = (
        r["busiest_second"] <= TENANT_LIMIT_PER_SECOND
        and r["busiest_conversation_second"] <= CONVERSATION_LIMIT_PER_SECOND
    )
    print(
        f"fan-out, {how}: {r['members']} DMs in {r['seconds']:.1f} s = {r['rate']:.0f} DMs/s, "
        f"CPU {r['cpu']:.1f} s ({r['cpu'] / r['seconds'] * 100:.0f} % of one core); sent "
        f"{r['sent']}, failed {r['failed']}; exactly one DM: {r['with_one']}, duplicates: "
        f"{r['duplicates']}; connector requests {r['requests']} (created chats {r['created']}); "
        f"busiest second: {r['busiest_second']} requests (limit ~{TENANT_LIMIT_PER_SECOND}), "
        f"busiest second in one chat: {r['busiest_conversation_second']} (limit "
        f"{CONVERSATION_LIMIT_PER_SECOND}); within Teams' limits: {'yes' if within else 'NO'}"
    )


def main() -> None:
    from cryptography.hazmat.primitives import serialization

    from tests.teams.fakes import new_signing_key

    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    key = new_signing_key()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        print_ack(run_ack(context, key, key_pem, folder))
        for installed, pacing in itertools.product((True, False), (False, True)):
            print_fanout(run_fanout(context, key_pem, folder, installed=installed, pacing=pacing))


if __name__ == "__main__":
    main()
