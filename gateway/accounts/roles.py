"""What a role may see and do on the desk and through the API (pure: no Flask, no session).

- A **coordinator** (Pusdalops BPBD) sees and acts on everything, and may see phones and NIKs unmasked (audited).
- An **agency** user sees the incidents their agency was dispatched to, and acts on their own agency's
  dispatches and aid programs.
- A **viewer** reads everything an anonymous district system may read: masked, no actions.

The same rules as officers' SMS commands: an agency acts only on its own dispatch; deciding that a report is
false, or closing an incident over the heads of the agencies, is the coordinator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROLES = ("coordinator", "agency", "viewer")
TOKEN_ROLES = ("viewer", "agency")  # a machine never acts as the coordinator desk
ROLE_LABELS = {"coordinator": ("koordinator", "coordinator"), "agency": ("dinas", "agency"),
               "viewer": ("pembaca", "viewer")}  # fmt: skip


class RoleError(ValueError):
    """A role or agency that does not fit: the message says what would."""


def check_role(role: str, agency: str | None, agencies: Iterable[str], roles: Iterable[str] = ROLES) -> str | None:
    """Return the agency code to store for ``role``, or raise RoleError saying what is wrong."""
    allowed = tuple(roles)
    if role not in allowed:
        raise RoleError(f"role must be one of {', '.join(allowed)}, not {role!r}")
    if role != "agency":
        if agency:
            raise RoleError(f"--agency is only for the agency role, not {role}")
        return None
    known = sorted(agencies)
    code = (agency or "").strip().upper()
    if not code:
        raise RoleError(f"the agency role needs --agency, one of {', '.join(known)}")
    if code not in known:
        raise RoleError(f"no agency {code!r}; one of {', '.join(known)}")
    return code


@dataclass(frozen=True)
class Actor:
    """Someone using the desk or the API: their name (as the audit trail shows it), role and agency."""

    name: str
    role: str
    agency: str | None = None
    channel: str = "web"  # web | api | cli

    @property
    def may_act(self) -> bool:
        return self.role in ("coordinator", "agency")

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def may_unmask(self) -> bool:
        """Only the coordinator desk may see a phone or a NIK in full (and each viewing is audited)."""
        return self.role == "coordinator"

    def sees(self, dispatched: Iterable[str]) -> bool:
        """May this actor see an incident whose dispatches went to the ``dispatched`` agencies?"""
        return self.role != "agency" or self.agency in set(dispatched)

    def acts_for(self, agency: str) -> bool:
        """May this actor act on ``agency``'s dispatch, or allocate ``agency``'s aid program?"""
        return self.role == "coordinator" or (self.role == "agency" and self.agency == agency)
