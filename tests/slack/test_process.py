"""One flipbot process: the scheduler starts beside the Bolt app, and only once per database."""

from __future__ import annotations

from datetime import timedelta

from bot.cli.serve import background_jobs, build_process
from tests.slack.conftest import slack_settings


def test_serve_starts_the_scheduler_with_its_housekeeping_jobs(fake, tmp_path, clock, capsys):
    settings = slack_settings(fake, tmp_path)
    services = build_process(settings, clock=clock).services
    try:
        scheduler = services.scheduler
        assert scheduler is not None and scheduler.running
        assert {"retention", "slack-events"} <= {job.id for job in background_jobs(services)}

        second = build_process(settings, clock=clock).services
        assert second.scheduler is None
        assert "scheduler not started" in capsys.readouterr().err
    finally:
        services.scheduler.shutdown(wait=True)


def test_the_daily_jobs_prune_old_answers_and_old_event_ids(fake, tmp_path, clock):
    settings = slack_settings(fake, tmp_path)
    services = build_process(settings, clock=clock).services
    services.scheduler.shutdown(wait=True)
    store = services.store
    store.first_sight_of_event("slack", "Ev-old", at=clock() - timedelta(days=30))
    store.first_sight_of_event("slack", "Ev-new")
    for job in background_jobs(services):
        job.func()
    assert store.first_sight_of_event("slack", "Ev-old")  # forgotten, so it counts as new again
    assert not store.first_sight_of_event("slack", "Ev-new")
