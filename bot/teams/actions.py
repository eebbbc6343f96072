"""Every Teams card verb and dialog id, and the parser that reads a card's data back.

The builders in bot.teams.cards* write these constants into the cards and the handlers import
the same constants, so no id is typed twice. What a card sends back is untrusted input: it is
read only through `parse_action`, which raises MalformedAction (never KeyError or TypeError) on
anything we did not build.

The SDK routes on keys inside the data: `@app.on_dialog_open(id)` on `dialog_id`,
`@app.on_dialog_submit(action)` and `@app.on_card_action_execute(action)` on `action`. So an
Action.Execute carries its verb both as `verb` and as `data["action"]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# Action.Execute verbs on a prompt card (data: round_id).
PROMPT_SKIP = "flip.prompt.skip"
PROMPT_SNOOZE = "flip.prompt.snooze"
# Action.Execute verbs on a facilitator's home card (data: round_id).
ROUND_REMIND = "flip.round.remind"
ROUND_CLOSE = "flip.round.close"
# Action.Execute verbs on a digest draft (data: digest_id).
DIGEST_APPROVE = "flip.digest.approve"  # "Del i kanalen"
DIGEST_REBUILD = "flip.digest.rebuild"  # "Byg igen"
DIGEST_REJECT = "flip.digest.reject"  # "Del ikke"
# Action.Execute verbs on the `slet-mig` question (no data: they act on whoever clicks).
ERASE_CONFIRM = "flip.erase.confirm"
ERASE_CANCEL = "flip.erase.cancel"
# Dialogs opened with task/fetch (data: dialog_id, round_id): a new answer, or the stored one to edit.
ANSWER_DIALOG = "flip.answer"
EDIT_DIALOG = "flip.answer.edit"
# "Ret overskrifter" on a digest draft: the dialog (data: dialog_id, digest_id) and its submit
# (data: action, digest_id, then the inputs THEME_INPUT<n> and LEFT_OUT_INPUT<n>).
DIGEST_EDIT_DIALOG = "flip.digest.edit"
DIGEST_EDIT_SUBMIT = "flip.digest.edit.submit"
# The answer dialog's submit action (data: action, round_id, the inputs by question id).
ANSWER_SUBMIT = "flip.answer.submit"

# Keys of our own inside a card's data.
ACTION_KEY = "action"
DIALOG_KEY = "dialog_id"
ROUND_KEY = "round_id"
DIGEST_KEY = "digest_id"
MESSAGE_KEY = "message_id"
TEAMS_KEY = "msteams"
# Inputs of the answer dialog beside the questions (whose input ids are the question ids).
QUOTABLE_INPUT = "quotable"
PRIVATE_INPUT = "private"
SHOW_NAME_INPUT = "show_name"  # a sparring case's answer: show my name to the case's owner
# Inputs of the digest edit dialog: a theme's label by theme index, a quote's "leave out" tick by
# its place in bot.teams.cards_digest.edit_quotes (the card never carries a quote's key or text).
THEME_INPUT = "theme_"
LEFT_OUT_INPUT = "out_"
TOGGLE_ON = "true"
TOGGLE_OFF = "false"

# A question whose id is one of these would collide with our own data in the submitted payload.
RESERVED_KEYS = frozenset(
    {ACTION_KEY, DIALOG_KEY, ROUND_KEY, DIGEST_KEY, MESSAGE_KEY, TEAMS_KEY}
    | {QUOTABLE_INPUT, PRIVATE_INPUT, SHOW_NAME_INPUT}
)

Target = Literal["round", "digest", "clicker"]
# Every verb and dialog id, and which record its data must name.
VERBS: dict[str, Target] = {
    PROMPT_SKIP: "round",
    PROMPT_SNOOZE: "round",
    ROUND_REMIND: "round",
    ROUND_CLOSE: "round",
    DIGEST_APPROVE: "digest",
    DIGEST_REBUILD: "digest",
    DIGEST_REJECT: "digest",
    ERASE_CONFIRM: "clicker",
    ERASE_CANCEL: "clicker",
    DIGEST_EDIT_DIALOG: "digest",
    DIGEST_EDIT_SUBMIT: "digest",
    ANSWER_DIALOG: "round",
    EDIT_DIALOG: "round",
    ANSWER_SUBMIT: "round",
}
DIALOGS = frozenset({ANSWER_DIALOG, EDIT_DIALOG, DIGEST_EDIT_DIALOG})
# Ids are SQLite integer keys: positive and below 2**62, as the /flip parser accepts them.
MAX_ID = 2**62
MAX_INPUT_CHARS = 20_000  # far above the dialog's own limit: anything longer is not our card


class MalformedAction(ValueError):
    """Card data flipbot did not build (or someone forged); the message says what is wrong."""


@dataclass(frozen=True)
class CardAction:
    """A card action read back: its verb (or dialog id), the record it names, and for the
    answer dialog's submit the typed answers and choices."""

    verb: str
    round_id: int | None = None
    digest_id: int | None = None
    message_id: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    quotable: bool = False
    private: bool = False
    show_name: bool = False
    labels: dict[int, str] = field(default_factory=dict)  # the digest edit: index -> label
    left_out: frozenset[int] = frozenset()  # the digest edit: places of quotes to leave out


def execute_data(verb: str, *, round_id: int | None = None, digest_id: int | None = None) -> dict:
    """The data an Action.Execute carries for a verb (checked against VERBS)."""
    return _data(ACTION_KEY, verb, round_id=round_id, digest_id=digest_id)


def dialog_data(
    dialog_id: str, round_id: int | None = None, *, digest_id: int | None = None
) -> dict:
    """Our part of a task/fetch Action.Submit's data (the builder adds `msteams`)."""
    if dialog_id not in DIALOGS:
        raise ValueError(f"unknown dialog id {dialog_id!r}")
    return _data(DIALOG_KEY, dialog_id, round_id=round_id, digest_id=digest_id)


def edit_submit_data(digest_id: int) -> dict:
    """The data of the digest edit dialog's submit action; Teams adds the inputs to it."""
    return _data(ACTION_KEY, DIGEST_EDIT_SUBMIT, digest_id=digest_id)


def submit_data(round_id: int, message_id: str | None = None) -> dict:
    """The data of the answer dialog's submit action; Teams adds the inputs to it."""
    data = _data(ACTION_KEY, ANSWER_SUBMIT, round_id=round_id)
    if message_id is not None:
        data[MESSAGE_KEY] = message_id
    return data


def _data(
    key: str, verb: str, *, round_id: int | None = None, digest_id: int | None = None
) -> dict:
    target = VERBS.get(verb)
    if target is None:
        raise ValueError(f"unknown verb {verb!r}")
    if target == "clicker":
        return {key: verb}
    record, value = (ROUND_KEY, round_id) if target == "round" else (DIGEST_KEY, digest_id)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < MAX_ID:
        raise ValueError(f"{verb} needs a positive integer {record}, got {value!r}")
    return {key: verb, record: value}


def parse_action(data: object, *, verb: str | None = None) -> CardAction:
    """Read the data of an Action.Execute (pass the invoke's `verb` too), a task/fetch or a
    task/submit back into a CardAction. Raises MalformedAction on anything else."""
    if not isinstance(data, Mapping):
        raise MalformedAction(f"card data must be an object, not {type(data).__name__}")
    named = data.get(ACTION_KEY, data.get(DIALOG_KEY))
    if verb is not None and named is not None and named != verb:
        raise MalformedAction(f"the verb {verb!r} and the data's action {named!r} differ")
    name = verb if verb is not None else named
    if not isinstance(name, str) or name not in VERBS:
        raise MalformedAction(f"unknown card action {name!r}")
    if name in DIALOGS and data.get(DIALOG_KEY) != name:
        raise MalformedAction(f"{name} is a dialog and must arrive as a dialog_id")
    target = VERBS[name]
    if target == "clicker":
        return CardAction(name)
    key = ROUND_KEY if target == "round" else DIGEST_KEY
    record = _record_id(data.get(key), key)
    ids = {"round_id": record} if target == "round" else {"digest_id": record}
    if name == DIGEST_EDIT_SUBMIT:
        labels, left_out = _digest_edit(data)
        return CardAction(name, **ids, labels=labels, left_out=left_out)
    if name != ANSWER_SUBMIT:
        return CardAction(name, **ids)
    message = data.get(MESSAGE_KEY)
    if message is not None and not isinstance(message, str):
        raise MalformedAction("message_id must be text")
    return CardAction(
        name,
        **ids,
        message_id=message,
        answers=_answers(data),
        quotable=_toggle(data, QUOTABLE_INPUT, default=False),
        private=_toggle(data, PRIVATE_INPUT, default=False),
        show_name=_toggle(data, SHOW_NAME_INPUT, default=False),
    )


def _record_id(value: object, key: str) -> int:
    # JSON numbers arrive as int; some clients send ids back as strings of digits.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < MAX_ID:
        raise MalformedAction(f"{key} must be a positive integer, not {value!r}")
    return value


def _answers(data: Mapping) -> dict[str, str]:
    """Every input that is not ours is an answer by question id; the service checks the ids."""
    answers = {}
    for key, value in data.items():
        if key in RESERVED_KEYS:
            continue
        if not isinstance(key, str) or not isinstance(value, str):
            raise MalformedAction(f"input {key!r} must be text")
        if len(value) > MAX_INPUT_CHARS:
            raise MalformedAction(f"input {key!r} is longer than any answer dialog allows")
        answers[key] = value
    return answers


def _digest_edit(data: Mapping) -> tuple[dict[int, str], frozenset[int]]:
    """The labels by theme index and the places of the ticked quotes; other keys are ours."""
    labels: dict[int, str] = {}
    left_out: set[int] = set()
    for key, value in data.items():
        if not isinstance(key, str):
            raise MalformedAction("input ids must be text")
        for prefix in (THEME_INPUT, LEFT_OUT_INPUT):
            place = key[len(prefix) :]
            if not key.startswith(prefix) or not (place.isascii() and place.isdigit()):
                continue
            if not isinstance(value, str) or len(value) > MAX_INPUT_CHARS:
                raise MalformedAction(f"input {key!r} must be text")
            if prefix == THEME_INPUT:
                labels[int(place)] = value
            elif _toggle(data, key, default=False):
                left_out.add(int(place))
    return labels, frozenset(left_out)


def _toggle(data: Mapping, key: str, *, default: bool) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if value not in (TOGGLE_ON, TOGGLE_OFF):
        raise MalformedAction(f"{key} must be {TOGGLE_ON!r} or {TOGGLE_OFF!r}, not {value!r}")
    return value == TOGGLE_ON
