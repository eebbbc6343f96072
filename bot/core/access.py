"""Who may do what. Every check happens on the server side; hiding a button in Slack is cosmetic."""

from __future__ import annotations

from bot.core.network import Network

# action -> the roles that may do it
POLICY: dict[str, frozenset[str]] = {
    "answer": frozenset({"broker"}),
    "pause": frozenset({"broker"}),
    "consent": frozenset({"broker", "facilitator", "researcher", "admin"}),
    "erase_self": frozenset({"broker", "facilitator", "researcher", "admin"}),
    "start_round": frozenset({"facilitator", "admin"}),
    "remind": frozenset({"facilitator", "admin"}),
    "close_round": frozenset({"facilitator", "admin"}),
    "reopen_round": frozenset({"facilitator", "admin"}),
    "status": frozenset({"facilitator", "admin"}),
    "digest": frozenset({"facilitator", "researcher", "admin"}),
    "review_digest": frozenset({"facilitator", "admin"}),
    "export": frozenset({"researcher", "admin"}),
    "list_prompts": frozenset({"broker", "facilitator", "researcher", "admin"}),
    "share_case": frozenset({"broker"}),
    "review_case": frozenset({"facilitator", "admin"}),
    "erase_member": frozenset({"admin"}),
    "edit_network": frozenset({"admin"}),
}


class AccessDenied(Exception):
    """The member's roles do not allow the action; `key` names the catalogue text."""

    key = "error.access_denied"

    def __init__(self, member_id: str, action: str):
        self.member_id = member_id
        self.action = action
        super().__init__(f"{member_id} may not {action}")


def allowed(network: Network, member_id: str, action: str) -> bool:
    """True if a member of the network holds a role that may do the action."""
    if action not in POLICY:
        raise KeyError(f"unknown action {action!r}")
    member = network.member(member_id)
    return member is not None and bool(POLICY[action] & set(member.roles))


def require(network: Network, member_id: str, action: str) -> None:
    """Raise AccessDenied unless the member may do the action."""
    if not allowed(network, member_id, action):
        raise AccessDenied(member_id, action)
