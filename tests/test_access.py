import pytest

from bot.core.access import POLICY, AccessDenied, allowed, require
from bot.core.text import escape_mrkdwn

ROLES = {
    "broker": "U0SILK001",
    "facilitator": "U0FACI002",
    "researcher": "U0RESE002",
    "facilitator+admin": "U0FACI001",
}


@pytest.mark.parametrize("action", sorted(POLICY))
@pytest.mark.parametrize("who", sorted(ROLES))
def test_every_action_as_every_role(network, action, who):
    roles = set(who.split("+"))
    expected = bool(POLICY[action] & roles)
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
