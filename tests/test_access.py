import pytest

from bot.core.access import POLICY, AccessDenied, allowed, require
from bot.core.text import escape_mrkdwn

ROLES = {
    "broker": "U0SILK001",
    "facilitator": "U0FACI002",
    "researcher": "U0RESE002",
    "facilitator+admin": "U0FACI001",
}


# Written out by hand, not read from POLICY: giving a role a new right must change this table.
B, F, R, FA = "broker", "facilitator", "researcher", "facilitator+admin"
EXPECTED = {
    "answer": {B},
    "pause": {B},
    "consent": {B, F, R, FA},
    "erase_self": {B, F, R, FA},
    "start_round": {F, FA},
    "remind": {F, FA},
    "close_round": {F, FA},
    "reopen_round": {F, FA},
    "status": {F, FA},
    "digest": {F, R, FA},
    "review_digest": {F, FA},
    "export": {R, FA},
    "list_prompts": {B, F, R, FA},
    "share_case": {B},
    "review_case": {F, FA},
    "erase_member": {FA},
    "edit_network": {FA},
}


def test_the_table_names_every_action_of_the_policy():
    assert set(EXPECTED) == set(POLICY)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("who", sorted(ROLES))
def test_every_action_as_every_role(network, action, who):
    expected = who in EXPECTED[action]
    assert allowed(network, ROLES[who], action) is expected
    if not expected:
        with pytest.raises(AccessDenied):
            require(network, ROLES[who], action)


def test_someone_outside_the_network_may_do_nothing(network):
    assert not any(allowed(network, "U0STRANGER", action) for action in POLICY)


def test_an_unknown_action_is_a_programming_error(network):
    with pytest.raises(KeyError):
        allowed(network, "U0SILK001", "launch")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<!channel> se her", "&lt;!channel&gt; se her"),
        ("<@U0SILK001>", "&lt;@U0SILK001&gt;"),
        ("a & b <http://x|klik>", "a &amp; b &lt;http://x|klik&gt;"),
        ("almindelig tekst 😊", "almindelig tekst 😊"),
    ],
)
def test_answer_text_cannot_ping_or_link(text, shown):
    assert escape_mrkdwn(text) == shown
