"""The outbox's write-time guard: an event the broker could never take is refused, naming its largest field."""
from __future__ import annotations

import pytest

from contracts.intake import ReferralReceived
from contracts.schema_tools import sample_event
from services.chassis.db import Database
from services.chassis.outbox_rows import EventTooLarge, largest_field, outbox_row
from services.chassis.tables import OutboxRow, chassis_metadata


def _referral(ciphertext_chars: int) -> ReferralReceived:
    doc = sample_event(ReferralReceived)
    doc["payload"]["contact"] = {"key_id": "P-4Q7T2M9KZ3XW8RB6N1HC", "algorithm": "fernet",
                                 "ciphertext": "g" * ciphertext_chars}
    return ReferralReceived.model_validate(doc)


def test_an_event_within_the_limit_becomes_a_row() -> None:
    row = outbox_row(_referral(1000), max_bytes=10_000)
    assert row.event_type == "ReferralReceived" and len(row.payload) < 10_000


def test_an_event_over_the_limit_is_refused_naming_the_field_that_made_it_large() -> None:
    with pytest.raises(EventTooLarge) as err:
        outbox_row(_referral(20_000), max_bytes=10_000)
    assert err.value.field == "payload.contact.ciphertext"
    assert err.value.size > 20_000 and err.value.limit == 10_000


def test_a_refused_event_leaves_nothing_in_the_outbox_and_the_state_change_rolls_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'g.db'}", [chassis_metadata], max_event_bytes=10_000)
    db.create_all()
    with pytest.raises(EventTooLarge), db.uow() as uow:
        uow.publish(_referral(10), _referral(50_000))
        uow.commit()
    with db.uow() as uow:
        assert uow.session.query(OutboxRow).count() == 0


def test_largest_field_walks_nested_lists_and_objects() -> None:
    assert largest_field({"a": "xx", "b": [{"c": "y" * 10}, "z"]}) == ("b[0].c", 10)
