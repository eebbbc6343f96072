"""Work a Teams command starts after its reply (bot/teams/background.py): held back while the
command runs, started only when the caller says so, so the reply comes first."""

import threading

import pytest

from bot.teams.background import holding, later, start_held, wait_for_background


def test_work_started_while_holding_waits_until_it_is_released():
    ran = threading.Event()

    def command() -> str:
        later(ran.set)
        return "Her er opsamlingen"

    answer, held = holding(command)
    assert answer == "Her er opsamlingen"
    assert wait_for_background(5)
    assert not ran.is_set()  # held, not started: nothing is waiting in the pool either
    start_held(held)
    assert wait_for_background(5)
    assert ran.is_set()


def test_holding_ends_with_the_command_even_when_it_fails():
    ran = threading.Event()

    def failing() -> None:
        raise ValueError("no such round")

    with pytest.raises(ValueError):
        holding(failing)
    later(ran.set)  # outside holding again: started at once
    assert wait_for_background(5)
    assert ran.is_set()
