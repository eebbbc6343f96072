"""Round start fan-out to 5,000 brokers against the local fake Web API (tests/slack/fake_slack.py):
DMs per second when Slack does not limit, and exactly one DM each when every 50th call gets a 429."""

from __future__ import annotations

import multiprocessing
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.core.models import DeliveryStatus
from bot.core.network import Member, Municipality, Network
from bot.core.rounds import RoundService
from bot.core.settings import Settings
from bot.prompts import load_library
from bot.slack.app import FANOUT_WORKERS, build_client
from bot.slack.messenger import SlackMessenger
from bot.store.database import Store
from tests.slack.fake_slack import FakeSlack

MEMBERS = 5000


def big_network(size: int = MEMBERS) -> Network:
    towns = [Municipality(id=f"kommune{i}", name=f"Kommune {i}") for i in range(10)]
    members = [
        Member(
            slack_id=f"U{n:08d}",
            name=f"Mægler {n}",
            municipality=towns[n % len(towns)].id,
            roles=["broker"],
        )
        for n in range(size)
    ]
    return Network(name="bench", municipalities=towns, members=members)


def fake_process(storm_every: int | None, urls, results, stop) -> None:
    """The fake Web API in its own process, so the figures are the bot's throughput, not the
    fake's share of one interpreter lock."""
    with FakeSlack() as fake:
        if storm_every:
            fake.fail("chat.postMessage", status=429, retry_after=0, every=storm_every)
        urls.put(fake.url)
        stop.wait()
        per_member = Counter(
            c.args["channel"] for c in fake.calls_to("chat.postMessage") if c.args.get("metadata")
        )
        refused = len(
            [c for c in fake.calls_to("chat.postMessage", ok_only=False) if c.status == 429]
        )
        results.put((dict(per_member), refused))


def run(storm_every: int | None, folder: Path) -> dict:
    network = big_network()
    library = load_library()
    context = multiprocessing.get_context("spawn")
    urls, results, stop = context.Queue(), context.Queue(), context.Event()
    server = context.Process(target=fake_process, args=(storm_every, urls, results, stop))
    server.start()
    try:
        settings = Settings(slack_bot_token="xoxb-bench", slack_api_url=urls.get(timeout=60))
        messenger = SlackMessenger(build_client(settings), network)
        store = Store(folder / f"fanout-{storm_every or 0}.db")
        store.migrate()
        rounds = RoundService(store, network, library, messenger, max_workers=FANOUT_WORKERS)
        round = rounds.start_round(library.get("samtale-01"), "all", None, "UBENCH", deliver=False)
        began = time.perf_counter()
        result = rounds.deliver(round.id)
        again = rounds.deliver(round.id) if result.failed else None
        elapsed = time.perf_counter() - began
        sent = len(store.deliveries(round.id, [DeliveryStatus.SENT]))
        store.close()
        stop.set()
        per_member, refused = results.get(timeout=60)
    finally:
        stop.set()
        server.join(timeout=30)
    return {
        "storm": storm_every,
        "seconds": elapsed,
        "rate": MEMBERS / elapsed,
        "sent": sent,
        "second_pass": again.sent if again else 0,
        "members_with_one_dm": sum(1 for v in per_member.values() if v == 1),
        "members_with_more": sum(1 for v in per_member.values() if v > 1),
        "refused_429": refused,
    }


def main() -> None:
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        for storm in (None, 50):
            r = run(storm, Path(folder))
            label = "every 50th call 429" if storm else "no rate limit"
            print(
                f"{label}: {MEMBERS} DMs in {r['seconds']:.1f} s = {r['rate']:.0f} DMs/s "
                f"({FANOUT_WORKERS} threads); sent {r['sent']}, exactly one DM: "
                f"{r['members_with_one_dm']}, more than one: {r['members_with_more']}, "
                f"429s answered: {r['refused_429']}, sent on a second pass: {r['second_pass']}"
            )


if __name__ == "__main__":
    main()
