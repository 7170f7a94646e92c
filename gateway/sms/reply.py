"""The answer to a command: which template to send back with which values, and the other SMS it queued."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Reply:
    """The answer to the sender, and the other SMS the command queued (to hand off after the commit)."""

    template: str
    values: dict[str, object] = field(default_factory=dict)
    follow_up: list[int] = field(default_factory=list)
