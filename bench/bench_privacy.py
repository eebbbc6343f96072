"""Erasure, daily retention and backup at 100 times the seed network: 5,000 brokers, 100 rounds,
500,000 answers (half of them past retention), 100 stored digests with 20 quotes each."""

from __future__ import annotations

import json
import platform
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.privacy.erasure import erase_member, prune
from bot.store.database import Store

BROKERS = 5000
ROUNDS = 100
ANSWER = (
    "{m} skrev: vi prøvede at lade borgeren sætte dagsordenen i runde {r}, og det ændrede "
    "samtalen. Bagefter talte {m} med sin leder om det i runde {r}. "
) * 2


def build(path: Path, now: datetime) -> Store:
    store = Store(path)
    store.migrate()
    db = store.db
    members = [f"U{n:08d}" for n in range(BROKERS)]
    with store.atomic():
        db["members"].insert_all(
            (
                {
                    "slack_id": m,
                    "name": f"Mægler {n}",
                    "municipality": f"kommune{n % 50}",
                    "roles": '["broker"]',
                    "research_consent": 1,
                    "active": 1,
                }
                for n, m in enumerate(members)
            ),
            batch_size=1000,
        )
    for r in range(ROUNDS):
        started = now - timedelta(days=1400) + timedelta(days=r * 14)
        with store.atomic():
            db["rounds"].insert(
                {
                    "id": r + 1,
                    "prompt_id": "samtale-01",
                    "theme": "samtale",
                    "audience": '"all"',
                    "started_by": "U0FACI001",
                    "started_at": started.isoformat(),
                    "closes_at": (started + timedelta(days=5)).isoformat(),
                    "status": "closed",
                }
            )
            db["deliveries"].insert_all(
                (
                    {"round_id": r + 1, "member_id": m, "status": "answered", "attempts": 1}
                    for m in members
                ),
                batch_size=1000,
            )
            db["responses"].insert_all(
                (
                    {
                        "round_id": r + 1,
                        "member_id": m,
                        "answers": json.dumps({"q1": ANSWER.format(m=m, r=r)}, ensure_ascii=False),
                        "quotable": 1,
                        "source": "modal",
                        "created_at": started.isoformat(),
                        "updated_at": started.isoformat(),
                        "edits": 0,
                    }
                    for m in members
                ),
                batch_size=1000,
            )
            first = r * BROKERS + 1
            store.save_digest(
                round_id=r + 1,
                engine="extractive",
                status="posted",
                content={
                    "quotes": [
                        {
                            "response_id": first + i * 97,
                            "text": ANSWER.format(m=members[i * 97], r=r),
                        }
                        for i in range(20)
                    ]
                },
                at=started,
            )
    return store


def _timed(label: str, action) -> object:
    start = time.perf_counter()
    result = action()
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return result


def main() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.db"
        store = _timed(f"build {BROKERS * ROUNDS:,} answers", lambda: build(path, now))
        print(f"database size: {path.stat().st_size / 2**20:.0f} MiB")
        _timed("backup", lambda: store.backup(Path(folder) / "copy.db"))
        result = _timed(
            "erase one member (100 answers)", lambda: erase_member(store, "U00000097", "bench")
        )
        print(f"  removed {result.responses} answers, {result.quotes_removed} digest quotes")
        pruned = _timed("prune (dry run)", lambda: prune(store, now, 730, dry_run=True))
        pruned = _timed("prune", lambda: prune(store, now, 730))
        print(f"  deleted {pruned.responses:,} answers")
        store.close()
