"""Consent only from the member: the network file can opt out (logged), never opt in; migration
70 keeps what members said themselves and drops what only the file said."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from bot.core.consent import answer_consent_request, text_version
from bot.core.messenger import LocalMessenger, PlatformMessengers
from bot.core.network import Network
from bot.core.services import EXAMPLE_NETWORK, build_services
from bot.core.settings import Settings
from bot.export.collect import ExportFilter, collect, project_key, pseudonym
from bot.export.consent import consent_log_csv, log_file_opt_outs
from bot.privacy.erasure import set_consent
from bot.store.database import Store
from bot.store.exports import consent_log
from bot.store.migrations import migrations
from bot.store.privacy import consent_record, has_consent

BROKER = "U0SILK001"
OTHER = "U0SILK002"


def opted_out(network: Network, member_id: str) -> Network:
    return network.model_copy(
        update={
            "members": [
                m.model_copy(update={"research_consent": False}) if m.id == member_id else m
                for m in network.members
            ]
        }
    )


def log_rows(store: Store, network: Network) -> list[dict]:
    return list(csv.DictReader(io.StringIO(consent_log_csv(store, network).decode("utf-8"))))


def test_a_new_member_has_no_consent_and_no_recorded_answer(db, network, clock):
    db.sync_members(network, clock())
    record = consent_record(db, BROKER)
    assert record == {
        "consent": False,
        "source": "none",
        "changed_at": None,
        "text_version": None,
        "asked_at": None,
    }


def test_a_file_opt_out_of_a_consenting_member_is_logged_once(db, network, clock):
    db.sync_members(network, clock())
    set_consent(db, BROKER, True, by=BROKER, at=clock(), text_version="da-1")
    synced_at = clock.advance(days=1)
    db.sync_members(opted_out(network, BROKER), synced_at)
    assert not has_consent(db, BROKER)
    assert consent_record(db, BROKER)["source"] == "network"
    assert log_file_opt_outs(db) == 1
    assert log_file_opt_outs(db) == 0  # logged once
    entries = consent_log(db)
    name = pseudonym(project_key(db), BROKER)
    assert [(e["pseudonym"], e["event"], e["text_version"]) for e in entries] == [
        (name, "consent_given", "da-1"),
        (name, "consent_withdrawn", "network-file"),
    ]
    assert entries[1]["at"] == "2026-11-24T08:00:00+00:00"


def test_the_opt_out_applies_when_it_appears_and_a_later_yes_stands(db, network, clock):
    file = opted_out(network, BROKER)
    db.sync_members(file, clock())
    assert not has_consent(db, BROKER)
    set_consent(db, BROKER, True, by=BROKER, at=clock.advance(hours=1))
    db.sync_members(file, clock.advance(days=1))  # the same file again: the member's yes stands
    assert has_consent(db, BROKER)
    db.sync_members(network, clock.advance(days=1))  # the line removed: nothing changes
    assert has_consent(db, BROKER)
    db.sync_members(file, clock.advance(days=1))  # written again: applies again
    assert not has_consent(db, BROKER)


def test_a_new_member_opted_out_by_the_file_is_not_in_the_log(db, network, clock):
    db.sync_members(opted_out(network, BROKER), clock())
    assert log_file_opt_outs(db) == 0
    assert log_rows(db, network) == []


def test_the_consent_log_export_carries_the_text_version(db, network, clock):
    db.sync_members(network, clock())
    set_consent(db, OTHER, True, by=OTHER, at=clock(), text_version="da-abc123")
    set_consent(db, OTHER, False, by=OTHER, at=clock.advance(hours=1))
    rows = log_rows(db, network)
    assert [(r["event"], r["text_version"]) for r in rows] == [
        ("consent_given", "da-abc123"),
        ("consent_withdrawn", "command"),
    ]
    assert list(rows[0]) == ["pseudonym", "event", "at", "text_version"]


def test_migration_70_keeps_own_consents_and_drops_the_files(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m070_consent_only_from_the_member")
    rows = [
        ("U0SILK001", 1, "member", "2026-10-01T08:00:00+00:00"),  # said yes themselves
        ("U0SILK002", 0, "member", "2026-10-02T08:00:00+00:00"),  # said no themselves
        ("U0SILK003", 1, "network", None),  # "yes" only because the file defaulted to it
        ("U0HERN001", 0, "network", None),  # the file opted them out
    ]
    for member_id, consent, source, changed in rows:
        old["members"].insert(
            {
                "id": member_id,
                "name": "x",
                "municipality": "silkeborg",
                "roles": '["broker"]',
                "research_consent": consent,
                "consent_source": source,
                "consent_changed_at": changed,
            }
        )
    old.close()
    store = Store(path)
    assert store.migrate()[0] == "m070_consent_only_from_the_member"
    got = {
        r["id"]: (
            r["research_consent"],
            r["consent_source"],
            r["consent_changed_at"],
            r["consent_text_version"],
            r["network_opt_out"],
        )
        for r in store._rows("select * from members")
    }
    assert got == {
        "U0SILK001": (1, "member", "2026-10-01T08:00:00+00:00", "command", 0),
        "U0SILK002": (0, "member", "2026-10-02T08:00:00+00:00", "command", 0),
        "U0SILK003": (0, "none", None, None, 0),
        "U0HERN001": (0, "network", None, None, 1),
    }
    assert "text_version" in store.db["consent_log"].columns_dict
    store.close()


def test_a_yes_is_recorded_with_its_time_and_version(db, network, clock):
    db.sync_members(network, clock())
    at = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
    set_consent(db, BROKER, True, by=BROKER, at=at, text_version="da-0f1e2d3c")
    assert consent_record(db, BROKER) == {
        "consent": True,
        "source": "member",
        "changed_at": "2026-11-23T09:15:00+00:00",
        "text_version": "da-0f1e2d3c",
        "asked_at": "2026-11-23T09:15:00+00:00",
    }


# -- asked once, before the first prompt ---------------------------------------------------


def serve(tmp_path, network, library, clock, local=None):
    """A process over the example network whose members are reached through one messenger
    that keeps what it sent (as PlatformMessengers routes to Slack or Teams in `flipbot serve`)."""
    local = local or LocalMessenger()
    messengers = PlatformMessengers(network, {"slack": local, "local": local})
    settings = Settings(flipbot_db=str(tmp_path / "flip.db"), flipbot_config=str(EXAMPLE_NETWORK))
    services = build_services(
        settings,
        messengers,
        network=network,
        library=library,
        store=Store(tmp_path / "flip.db"),
        clock=clock,
    )
    return services, local


def kinds_to(local: LocalMessenger, member_id: str) -> list[str]:
    return [s.kind for s in local.sent if s.member_id == member_id]


def start(services, library, clock, prompt="inddragelse-05"):
    return services.rounds.start_round(
        library.get(prompt), ["silkeborg"], clock() + timedelta(days=5), "U0FACI001"
    )


def test_one_consent_request_before_the_first_prompt_and_none_after_a_restart(
    tmp_path, network, library, clock
):
    services, local = serve(tmp_path, network, library, clock)
    first = start(services, library, clock)
    brokers = [m.id for m in network.brokers(["silkeborg"])]
    for broker in brokers:
        assert kinds_to(local, broker) == ["consent_request", "prompt"]
    assert local.of_kind("consent_request")[0].detail == {"version": text_version("da")}
    services.rounds.close_round(first.id, "U0FACI001")
    services.store.close()
    # A restart on the same database: nobody is asked again, answered or not.
    services, local = serve(tmp_path, network, library, clock)
    start(services, library, clock, prompt="samtale-01")
    for broker in brokers:
        assert kinds_to(local, broker) == ["prompt"]


def test_a_request_that_does_not_arrive_is_asked_again_and_the_prompt_waits(
    tmp_path, network, library, clock
):
    local = LocalMessenger(fail_for={BROKER})
    services, local = serve(tmp_path, network, library, clock, local)
    round = start(services, library, clock)
    assert kinds_to(local, BROKER) == []
    assert consent_record(services.store, BROKER)["asked_at"] is None
    local.fail_for.clear()
    services.rounds.deliver(round.id)
    assert kinds_to(local, BROKER) == ["consent_request", "prompt"]


def test_members_who_chose_or_are_opted_out_are_not_asked(tmp_path, network, library, clock):
    file = opted_out(network, OTHER)
    services, local = serve(tmp_path, file, library, clock)
    set_consent(services, BROKER, False, by=BROKER, at=clock())
    start(services, library, clock)
    assert kinds_to(local, BROKER) == ["prompt"]
    assert kinds_to(local, OTHER) == ["prompt"]
    assert kinds_to(local, "U0SILK003") == ["consent_request", "prompt"]


def test_a_member_without_an_answer_is_neither_exported_nor_quoted(
    tmp_path, network, library, clock
):
    services, local = serve(tmp_path, network, library, clock)
    round = start(services, library, clock)
    answer_consent_request(services, BROKER, True, text_version("da"))
    question = services.rounds.prompt_of(round).questions[0].id
    for member, text in (
        (BROKER, "Jeg ville spørge borgeren først."),
        (OTHER, "Vi venter og ser."),
    ):
        services.rounds.record_answer(round.id, member, {question: text}, quotable=True)
    services.rounds.close_round(round.id, "U0FACI001")
    export = collect(services.store, network, library, ExportFilter(round_id=round.id))
    assert {r.text for r in export.rows} == {"Jeg ville spørge borgeren først."}
    assert export.left_out_no_consent == 1
    digest = services.digests.latest(round.id)
    assert digest is not None and digest.answers_used == 1
    assert "Vi venter og ser" not in digest.model_dump_json()
