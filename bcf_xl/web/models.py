"""The database tables. Migrations (migrations/versions/) create them; a test keeps the two equal.

Submissions and validations are append-only: an upload adds one submission and its first
validation in one transaction, a re-validation adds a validation, and nothing updates or deletes
either (the migration adds triggers that refuse it). The current result of a submission is its
latest validation. Keys are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Times in UTC, aware in Python, whatever the database keeps (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times are stored with their zone")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class AccessKey(Base):
    __tablename__ = "access_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # "board" or "assurer"
    hwb_code: Mapped[str | None] = mapped_column(String(16), index=True)  # a board key's board
    region: Mapped[str | None] = mapped_column(String(100))  # a regional assurer's; None: national
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("access_keys.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hwb_code: Mapped[str] = mapped_column(String(16), index=True)  # the board whose key sent it
    key_id: Mapped[int] = mapped_column(ForeignKey("access_keys.id"))
    filename: Mapped[str] = mapped_column(String(255))  # as the sender named it
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the file in the store
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class Validation(Base):
    __tablename__ = "validations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    validated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(16))  # "upload" or "revalidation"
    checker: Mapped[str] = mapped_column(String(64))  # bcf-xl version that checked it
    status: Mapped[str] = mapped_column(String(16))
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str | None] = mapped_column(String(32))
    identity: Mapped[dict | None] = mapped_column(JSON)  # the template's identity, as read
    signed: Mapped[str] = mapped_column(String(32))  # board sign-off date, for the counting rule
    findings: Mapped[list] = mapped_column(JSON)
    # The return's values for the dataset and figures: zlib-compressed JSON (about 6 KB).
    detail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    seconds: Mapped[float] = mapped_column(Float)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    key_id: Mapped[int | None] = mapped_column(Integer)  # None: no key, or a key not known
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(200))  # what happened, e.g. "submission 12"
