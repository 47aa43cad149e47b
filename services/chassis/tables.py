"""Tables every service has: the outbox, the inbox and the audit trail."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, MetaData, Table, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class ChassisBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the chassis tables: a metadata of their own, so each database holds only its own tables."""

chassis_metadata = ChassisBase.metadata


class OutboxRow(ChassisBase, table=True):
    """An event waiting to be (or already) published; written in the state change's transaction."""

    __tablename__ = "outbox"
    # the relay asks every cycle which keys wait behind a parked row: without this (small, partial) index that
    # is a scan of the whole outbox, sent rows included, which made re-publishing a large outbox crawl
    __table_args__ = (Index("ix_outbox_parked_key", "key",
                            postgresql_where=text("parked_at IS NOT NULL AND sent_at IS NULL"),
                            sqlite_where=text("parked_at IS NOT NULL AND sent_at IS NULL")),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=36)
    event_type: str = Field(max_length=80)
    topic: str = Field(max_length=120)
    key: str = Field(max_length=80)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    sent_at: datetime | None = Field(default=None, index=True)
    # set aside: the broker refused the row for a reason retrying cannot fix; later rows of its key wait
    parked_at: datetime | None = Field(default=None)
    parked_reason: str | None = Field(default=None, max_length=400)


class InboxRow(ChassisBase, table=True):
    """An event a consumer has applied; its primary key makes a redelivery a no-op."""

    __tablename__ = "inbox"
    consumer: str = Field(primary_key=True, max_length=80)
    event_id: str = Field(primary_key=True, max_length=36)
    topic: str = Field(max_length=120)
    partition: int
    offset: int
    applied_at: datetime


class AuditRecord(ChassisBase, table=True):
    """Who read or changed whose personal data, when, and with what outcome. Kept apart from logs."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=80)
    role: str = Field(max_length=40)
    care_unit: str | None = Field(default=None, max_length=80)
    patient_ref: str | None = Field(default=None, index=True, max_length=40)
    case_id: str | None = Field(default=None, index=True, max_length=40)
    action: str = Field(max_length=80)
    outcome: str = Field(max_length=40)
    detail: str | None = Field(default=None, max_length=400)


# the outbox and the inbox as Core tables: their rows go in with one multi-row INSERT per transaction (an ORM
# object per row cost more than the rest of a consumer's transaction)
OUTBOX_TABLE: Table = chassis_metadata.tables["outbox"]
INBOX_TABLE: Table = chassis_metadata.tables["inbox"]
