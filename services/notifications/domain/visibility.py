"""What a staff member may see of a stream event: its kind for their role, their unit, restricted details."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.notifications.domain.policy import StreamPolicy


class StreamItem(Protocol):
    """A stored stream event as the rule reads it."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def case_id(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def units(self) -> list[str]: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def restricted(self) -> dict[str, Any]: ...


def visible(item: StreamItem, role: str, unit: str | None, policy: StreamPolicy) -> dict[str, Any] | None:
    """What this role (of this unit) may see of the event, or None. Never names, addresses or phone numbers:
    the events hold none; restricted health details go only to the roles the policy names."""
    kind = policy.kinds.get(item.kind)
    if kind is None or role not in kind.roles:
        return None
    if role in policy.unit_scoped_roles and (unit is None or unit not in item.units):
        return None
    data = {"seq": item.seq, "kind": item.kind, "case_id": item.case_id, "at": item.at.isoformat(),
            "units": item.units, **item.data}
    if role in kind.restricted_roles:
        data.update(item.restricted)
    return data


def message_visible(trigger_type: str, role: str, policy: StreamPolicy) -> bool:
    """Whether a role may see a message in a case's history: one caused by an event that carries health details
    (e.g. RiskEscalated: who was alerted about a child at risk) only to the roles the stream shows that event to."""
    kind = policy.kinds.get(trigger_type)
    return kind is None or not kind.restricted_roles or role in kind.roles
