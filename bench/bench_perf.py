"""Issue 16: what a member feels and what a small server pays, measured on `flipbot serve` itself.

- start-up: `flipbot serve` from start to a healthy `/healthz`, the RSS of its processes at idle,
  and `flipbot --help`; Slack alone and with Teams on beside it;
- memory while a 10,000-answer digest is built in a process with the serve path's imports;
- click -> `views.open`: the time from sending an answer click until the fake Slack receives the
  `views.open` it causes, 20 clicks in flight, beside a bare Bolt app whose listener acks and opens
  a one-block modal; alone and during a 2,000-DM round start (`/flip start`);
- fan-out over TLS: `RoundService.deliver` to 2,000 brokers against the fake Slack behind TLS on
  loopback (a self-signed certificate the benchmark makes and trusts), DMs/s and CPU per DM (ours
  and the fake's), with a new TLS context per call (slack_sdk's default), one context, and the
  pooled connections `flipbot serve` sends a fan-out with.

Every server scenario runs `python -m bot.cli.main serve` in a checkout (`--root`, default this
one), so an older commit can be measured the same way: `python -m bench.bench_perf --root DIR`.
Each figure is the median of RUNS runs with the range. The fake runs in its own process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import multiprocessing
import os
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parents[1]
RUNS = 3
CLICKS = 200
IN_FLIGHT = 20
LATE_S = 10
TRIGGER_S = 3  # Slack's trigger_id expires after 3 s: a modal later than that never opens
FANOUT_MEMBERS = 2000
EXAMPLE = HERE / "config" / "network.example.yaml"
# As the console script starts it (`python -m bot.cli.main` would load the module twice).
CLI = "from bot.cli.main import main; main()"


# -- TLS --------------------------------------------------------------------------------------


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cryptography), written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fake-slack.pem", folder / "fake-slack.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


# -- the fake Slack, in its own process ---------------------------------------------------------


def run_fake(tls: tuple[Path, Path] | None, storm_every, urls, stop, results) -> None:
    from tests.slack.fake_slack import FakeSlack

    class TimedFake(FakeSlack):
        """Notes when each trigger's views.open arrives."""

        opened: dict[str, float] = {}

        def _answer(self, method: str, args: dict):
            if method == "views.open":
                self.opened[args.get("trigger_id", "")] = time.time()
            return super()._answer(method, args)

    fake = TimedFake()
    if storm_every:
        fake.fail("chat.postMessage", status=429, retry_after=0, every=storm_every)
    url = fake.url
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        # The handshake happens in the connection's own thread, not in the accepting one.
        fake.server.socket = context.wrap_socket(
            fake.server.socket, server_side=True, do_handshake_on_connect=False
        )
        url = url.replace("http://", "https://")
    with fake:
        urls.put(url)
        stop.wait()
        per_member = Counter(
            c.args["channel"] for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")
        )
        refused = sum(
            1 for c in fake.calls_to("chat.postMessage", ok_only=False) if c.status == 429
        )
        # The fake's own CPU (it shares the two cores): what is left is the bot's to use.
        results.put((dict(fake.opened), dict(per_member), refused, time.process_time()))


class Fake:
    def __init__(self, tls=None, storm_every=None):
        context = multiprocessing.get_context("spawn")
        self.urls, self.stop, self.results = context.Queue(), context.Event(), context.Queue()
        self.process = context.Process(
            target=run_fake, args=(tls, storm_every, self.urls, self.stop, self.results)
        )

    def __enter__(self) -> Fake:
        self.process.start()
        self.url = self.urls.get(timeout=60)
        return self

    def finish(self) -> tuple[dict, dict, int, float]:
        self.stop.set()
        found = self.results.get(timeout=60)
        self.process.join(timeout=30)
        return found

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()


# -- helpers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        todo.extend(int(c) for c in children)
    return total / 1024


def cpu_s(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants, in seconds: on a
    loaded machine a steadier measure of start-up than the wall clock."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        todo.extend(int(c) for c in children)
    return total / os.sysconf("SC_CLK_TCK")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


def big_network_file(folder: Path, brokers: int) -> Path:
    """The example network plus `brokers` more brokers in a tenth municipality."""
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["municipalities"].append({"id": "bench", "name": "Bench Kommune"})
    doc["members"] += [
        {
            "slack_id": f"U9{n:07d}",
            "name": f"Mægler {n}",
            "municipality": "bench",
            "roles": ["broker"],
        }
        for n in range(brokers)
    ]
    path = folder / f"network-{brokers}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


class Server:
    """`flipbot serve` (or the bare Bolt app) in a subprocess, in the checkout `root`."""

    def __init__(self, root: Path, env: dict, *, bare: bool = False):
        self.root, self.port = root, free_port()
        if bare:
            command = [
                sys.executable,
                "-c",
                f"from bench.bench_perf import serve_bare; serve_bare({self.port})",
            ]
        else:
            command = [sys.executable, "-c", CLI, "serve", "--port", str(self.port)]
        self.began = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=root,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not healthy(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server in {root} did not come up")
            time.sleep(0.02)  # polling for the health check, not pacing a measurement
        self.startup = time.perf_counter() - self.began
        self.startup_cpu = cpu_s(self.process.pid)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve_bare(port: int) -> None:
    """A Bolt app whose listeners only acknowledge; a click also opens a one-block modal after
    the acknowledgement (Bolt runs the listener on its own thread pool)."""
    import re

    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.core.wsgi_server import run_server
    from bot.slack.app import wsgi_app

    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Svar"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hej"}}],
    }

    def clicked(ack, body, client) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=view)

    app.action(re.compile(".*"))(clicked)
    app.command("/flip")(lambda ack: ack())
    run_server(lambda: wsgi_app(app), port=port, threads=8)


def settings_env(api: str, db: Path, network: Path) -> dict:
    from tests.slack.harness import BOT_TOKEN, SIGNING_SECRET

    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api,
        "FLIPBOT_DB": str(db),
        "FLIPBOT_CONFIG": str(network),
        "LOG_LEVEL": "WARNING",
    }


def prepare_round(env: dict, cafile: Path | None) -> None:
    """Round 1 delivered to every broker, so clicks on its answer button are real."""
    from slack_sdk import WebClient

    from bot.core.network import load_network
    from bot.core.rounds import RoundService
    from bot.prompts import load_library
    from bot.slack.messenger import SlackMessenger
    from bot.store.database import Store

    network = load_network(env["FLIPBOT_CONFIG"])
    store = Store(env["FLIPBOT_DB"])
    store.migrate()
    store.sync_members(network)
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"], ssl=context)
    library = load_library()
    rounds = RoundService(store, network, library, SlackMessenger(client, network), max_workers=16)
    rounds.start_round(library.get("samtale-01"), "all", None, "U0FACI001")
    store.close()


class TimedClient:
    """The signed Slack client of the tests, noting when each trigger id was sent."""

    def __init__(self, port: int, response_url: str):
        from tests.slack.harness import SignedClient

        sent = self.sent = {}

        class Timed(SignedClient):
            def trigger(self, user: str) -> str:
                trigger = super().trigger(user)
                sent[trigger] = time.time()
                return trigger

        self.client = Timed(f"http://127.0.0.1:{port}")
        self.client.response_url = response_url

    def clicks(self, brokers: list[str], count: int, in_flight: int) -> list[float]:
        """Answer clicks, `in_flight` at a time; the ack latencies (s)."""

        def one(i: int) -> float:
            began = time.perf_counter()
            reply = self.client.click(
                brokers[i % len(brokers)], "prompt_answer", "1", "D0X", "1700000001.000100"
            )
            if reply.status != 200:
                raise RuntimeError(f"click answered {reply.status}")
            return time.perf_counter() - began

        with ThreadPoolExecutor(in_flight) as pool:
            return list(pool.map(one, range(count)))


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def modal_latencies(sent: dict[str, float], opened: dict[str, float]) -> list[float]:
    """Click to views.open for every click; one whose modal never came counts as infinitely late."""
    return [opened[t] - sent[t] if t in opened else float("inf") for t in sent]


# -- scenarios ----------------------------------------------------------------------------------


# Teams on beside Slack: the app id turns the Teams edge on. Its sign-in and connector endpoints
# point at a closed port: start-up and idle must not need them (the first activity would).
TEAMS_ENV = {
    "TEAMS_APP_ID": "00000000-0000-4000-8000-0000000000b0",
    "TEAMS_APP_PASSWORD": "not-a-real-secret",
    "TEAMS_TENANT_ID": "00000000-0000-4000-8000-0000000000a0",
    "TEAMS_OPENID_METADATA_URL": "http://127.0.0.1:9/openid",
    "TEAMS_TOKEN_URL": "http://127.0.0.1:9/token",
    "TEAMS_SERVICE_URL": "http://127.0.0.1:9/connector/",
}


def startup(root: Path, folder: Path, teams: bool = False) -> dict:
    """Start to healthy, idle RSS of the serving processes, and `flipbot --help`."""
    with Fake() as fake:
        env = settings_env(fake.url, folder / f"start-{time.monotonic_ns()}.db", EXAMPLE)
        if teams:
            env.update(TEAMS_ENV)
        server = Server(root, env)
        try:
            time.sleep(2)  # idle means: nothing happened for two seconds after start-up
            memory = rss_mb(server.process.pid)
        finally:
            server.close()
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, "--help"], cwd=root, check=True, capture_output=True)
    return {
        "healthy_s": server.startup,
        "cpu_to_healthy_s": server.startup_cpu,
        "rss_mb": memory,
        "help_s": time.perf_counter() - began,
    }


DIGEST_ANSWERS = 10_000
# In a fresh interpreter: what `flipbot serve` imports (Slack and Teams edges), then one digest of
# 10,000 answers, as a facilitator's /flip close builds it; the process's peak RSS.
DIGEST_RSS = """
import resource, sys
from datetime import UTC, datetime
import bot.cli.serve, bot.slack.app, bot.teams.app
from bench.bench_digest import generate
from bot.digest.extractive import build_digest
idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
build_digest(generate({n}), title="bench", created_at=datetime.now(UTC))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(idle / 1024, peak / 1024)
"""


def digest_memory(root: Path) -> dict:
    """Peak RSS of a process with the serve path's imports while it builds a 10,000-answer digest."""
    out = subprocess.run(
        [sys.executable, "-c", DIGEST_RSS.format(n=DIGEST_ANSWERS)],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {"imports_mb": float(out[0]), "peak_mb": float(out[1])}


def click_to_modal(root: Path, folder: Path, *, bare: bool, during_fanout: bool, tls) -> dict:
    """Click -> views.open, 20 in flight, optionally while a 2,000-DM round start fans out."""
    with Fake(tls=tls) as fake:
        network = big_network_file(folder, FANOUT_MEMBERS) if during_fanout else EXAMPLE
        env = settings_env(fake.url, folder / f"click-{time.monotonic_ns()}.db", network)
        if tls is not None:
            env["SSL_CERT_FILE"] = str(tls[0])  # the server's client trusts the fake's certificate
        prepare_round(env, tls[0] if tls else None)
        from bot.core.network import load_network

        brokers = [m.slack for m in load_network(EXAMPLE).brokers()]
        server = Server(HERE if bare else root, env, bare=bare)  # the bare app is ours
        try:
            client = TimedClient(server.port, fake.url + "response")
            client.clicks(brokers, 5, 1)  # warm up
            client.sent.clear()
            if during_fanout:
                reply = client.client.command("U0FACI001", "start samtale-02")
                if reply.status != 200:
                    raise RuntimeError(f"/flip start answered {reply.status}")
                client.sent.clear()
            acks = client.clicks(brokers, CLICKS, IN_FLIGHT)
            # Let the last views.open calls arrive before the fake stops (a trigger id lives 3 s;
            # later than LATE_S counts as never).
            time.sleep(LATE_S)
        finally:
            server.close()
        opened, per_member, _, _ = fake.finish()
    modals = modal_latencies(client.sent, opened)
    return {
        "ack_p99_ms": p99(acks) * 1000,
        "modal_p50_ms": statistics.median(modals) * 1000,
        "modal_p99_ms": p99(modals) * 1000,
        "modals_over_3s": sum(1 for m in modals if m > TRIGGER_S),
        "fanout_dms": sum(per_member.values()),
    }


def fanout(folder: Path, tls, *, shared_context: bool, storm_every=None, pooled=False) -> dict:
    """RoundService.deliver to 2,000 brokers in this process against the fake in its own."""
    from slack_sdk import WebClient

    from bench.bench_fanout import big_network
    from bot.core.consent import ConsentRequests
    from bot.core.messenger import PlatformMessengers
    from bot.core.models import DeliveryStatus
    from bot.core.rounds import RoundService
    from bot.core.settings import Settings
    from bot.prompts import load_library
    from bot.slack.app import FANOUT_WORKERS, build_client
    from bot.slack.messenger import SlackMessenger
    from bot.store.database import Store
    from tests.consent_helpers import consent_all

    network, library = big_network(FANOUT_MEMBERS), load_library()
    with Fake(tls=tls, storm_every=storm_every) as fake:
        old = os.environ.get("SSL_CERT_FILE")
        if tls is not None:
            os.environ["SSL_CERT_FILE"] = str(tls[0])
        try:
            client: WebClient = build_client(
                Settings(slack_bot_token="xoxb-bench", slack_api_url=fake.url),
            )
            if not shared_context:  # slack_sdk's own default: a new context for every call
                client.ssl = None
            bulk = client
            if pooled:  # as `flipbot serve` wires it: the fan-out through the pool
                from bot.slack.app import build_sender

                bulk = build_sender(
                    Settings(slack_bot_token="xoxb-bench", slack_api_url=fake.url), client
                )
            store = Store(folder / f"fanout-{time.monotonic_ns()}.db")
            store.migrate()
            # The production path: the platform messengers with the consent gate in front.
            messenger = PlatformMessengers(
                network, {"slack": SlackMessenger(client, network, bulk=bulk)}
            )
            messenger.consent_requests = ConsentRequests(store, network)
            store.sync_members(network)
            consent_all(store, network, dt.datetime.now(dt.UTC))  # not a first round: all asked
            rounds = RoundService(store, network, library, messenger, max_workers=FANOUT_WORKERS)
            round = rounds.start_round(library.get("samtale-01"), "all", None, "UB", deliver=False)
            cpu, began = time.process_time(), time.perf_counter()
            rounds.deliver(round.id)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
            sent = len(store.deliveries(round.id, [DeliveryStatus.SENT]))
            store.close()
            if pooled:
                bulk.close()
        finally:
            if old is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = old
        _, per_member, refused, fake_cpu = fake.finish()
    return {
        "dms_per_s": FANOUT_MEMBERS / elapsed,
        "cpu_ms_per_dm": cpu / FANOUT_MEMBERS * 1000,
        # The fake's CPU for the whole run (set-up included), per DM of the fan-out.
        "fake_cpu_ms_per_dm": fake_cpu / FANOUT_MEMBERS * 1000,
        "sent": sent,
        "exactly_one": sum(1 for v in per_member.values() if v == 1),
        "more_than_one": sum(1 for v in per_member.values() if v > 1),
        "refused_429": refused,
    }


def summary(name: str, runs: list[dict]) -> None:
    keys = runs[0].keys()
    shown = []
    for key in keys:
        values = [r[key] for r in runs]
        if all(isinstance(v, int) for v in values) and len(set(values)) == 1:
            shown.append(f"{key} {values[0]}")
        else:
            shown.append(
                f"{key} {statistics.median(values):.3g} ({min(values):.3g}-{max(values):.3g})"
            )
    print(f"{name}: " + "; ".join(shown), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_perf")
    parser.add_argument("--root", type=Path, default=HERE, help="checkout to serve from")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--only",
        nargs="*",
        default=["startup", "startup_teams", "digest_rss", "modal", "modal_fanout", "fanout"],
        help="scenarios to run",
    )
    parser.add_argument("--pooled-only", action="store_true", help="fan-out: pooled rows only")
    args = parser.parse_args(argv if argv is not None else [])
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"load {load:.1f}, root {args.root}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        tls = make_certificate(folder)
        if "startup" in args.only:
            summary("serve start-up", [startup(args.root, folder) for _ in range(args.runs)])
        if "startup_teams" in args.only:
            summary(
                "serve start-up, Teams on beside Slack",
                [startup(args.root, folder, teams=True) for _ in range(args.runs)],
            )
        if "digest_rss" in args.only:
            summary(
                f"serve imports + a {DIGEST_ANSWERS:,}-answer digest, peak RSS",
                [digest_memory(args.root) for _ in range(args.runs)],
            )
        if "modal" in args.only:
            for bare in (True, False):
                label = "bare Bolt" if bare else "flipbot"
                summary(
                    f"click -> views.open over TLS, {label}",
                    [
                        click_to_modal(args.root, folder, bare=bare, during_fanout=False, tls=tls)
                        for _ in range(args.runs)
                    ],
                )
        if "modal_fanout" in args.only:
            summary(
                f"click -> views.open over TLS during a {FANOUT_MEMBERS}-DM round start, flipbot",
                [
                    click_to_modal(args.root, folder, bare=False, during_fanout=True, tls=tls)
                    for _ in range(args.runs)
                ],
            )
        if "fanout" in args.only:
            rows = [
                ("plain HTTP", None, False, None, False),
                ("TLS, a new context per call", tls, False, None, False),
                ("TLS, one context", tls, True, None, False),
                ("TLS, one context, every 50th call 429", tls, True, 50, False),
            ]
            rows += [
                ("TLS, pooled (AsyncWebClient, aiohttp): as served", tls, True, None, True),
                ("TLS, pooled, every 50th call 429", tls, True, 50, True),
            ]
            for label, chosen, shared, storm, pooled in rows:
                if args.pooled_only and not pooled:
                    continue
                summary(
                    f"fan-out {FANOUT_MEMBERS} DMs, {label}",
                    [
                        fanout(
                            folder, chosen, shared_context=shared, storm_every=storm, pooled=pooled
                        )
                        for _ in range(args.runs)
                    ],
                )


if __name__ == "__main__":
    main(sys.argv[1:])
