"""Keys and sign-in sessions in the database: import, issue, revoke, look up.

Only hashes are stored: of each key, and of each session token (the random value in a
browser's cookie after it signed in with a key). A revoked key stops working at once, with
every session it opened.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from bcf_xl.web.access import (
    ASSURER, BOARD, BoardKey, Principal, hash_key, new_key, now,
)
from bcf_xl.web.models import AccessKey, Session


@dataclass(frozen=True)
class KeyInfo:
    """What `bcf-xl keys list` shows of a key (never the key or its hash)."""

    id: int
    role: str
    hwb_code: str | None
    region: str | None
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def _principal(key: AccessKey) -> Principal:
    return Principal(key.id, key.role, key.hwb_code, key.region)


class Keys:
    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def import_board_keys(self, keys: Sequence[BoardKey]) -> tuple[int, int]:
        """Store the hash of each new key; a board's earlier keys are revoked, because a board
        has one key at a time. A key already stored is left as it is. Returns (added, revoked)."""
        added = revoked = 0
        at = now()
        with self.sessions() as session, session.begin():
            known = set(session.scalars(select(AccessKey.key_hash)))
            for k in keys:
                digest = hash_key(k.key)
                if digest in known:
                    continue
                revoked += session.execute(
                    update(AccessKey).where(AccessKey.role == BOARD,
                                            AccessKey.hwb_code == k.hwb_code,
                                            AccessKey.revoked_at.is_(None))
                    .values(revoked_at=at)).rowcount
                session.add(AccessKey(key_hash=digest, role=BOARD, hwb_code=k.hwb_code,
                                      region=None, label=f"board {k.hwb_code} {k.hwb_name}"[:200],
                                      created_at=at))
                known.add(digest)
                added += 1
        return added, revoked

    def issue_assurer(self, region: str | None, label: str = "") -> tuple[int, str]:
        """A new assurer key (national when region is None); returns (id, key) - the only
        time the key exists outside the person's hands."""
        key = new_key(ASSURER)
        with self.sessions() as session, session.begin():
            row = AccessKey(key_hash=hash_key(key), role=ASSURER, hwb_code=None, region=region,
                            label=(label or (f"assurer {region}" if region else
                                             "national assurer"))[:200], created_at=now())
            session.add(row)
            session.flush()
            return row.id, key

    def revoke(self, key_id: int) -> bool:
        with self.sessions() as session, session.begin():
            changed = session.execute(update(AccessKey).where(
                AccessKey.id == key_id, AccessKey.revoked_at.is_(None))
                .values(revoked_at=now())).rowcount
            session.execute(delete(Session).where(Session.key_id == key_id))
        return bool(changed)

    def list(self) -> list[KeyInfo]:
        with self.sessions() as session:
            return [KeyInfo(k.id, k.role, k.hwb_code, k.region, k.label, k.created_at,
                            k.revoked_at)
                    for k in session.scalars(select(AccessKey).order_by(AccessKey.id))]

    def principal(self, key: str) -> Principal | None:
        """Who a key belongs to, or None for an unknown or revoked key."""
        with self.sessions() as session:
            row = session.scalar(select(AccessKey).where(AccessKey.key_hash == hash_key(key),
                                                         AccessKey.revoked_at.is_(None)))
        return _principal(row) if row else None

    def open_session(self, principal: Principal, hours: float) -> str:
        token = secrets.token_urlsafe(32)
        at = now()
        with self.sessions() as session, session.begin():
            session.add(Session(token_hash=hash_key(token), key_id=principal.key_id,
                                created_at=at, expires_at=at + dt.timedelta(hours=hours)))
            # Sessions that ran out are of no use to anyone: clear them as new ones open.
            session.execute(delete(Session).where(Session.expires_at < at))
        return token

    def session_principal(self, token: str) -> Principal | None:
        with self.sessions() as session:
            row = session.scalar(
                select(AccessKey).join(Session, Session.key_id == AccessKey.id)
                .where(Session.token_hash == hash_key(token), Session.expires_at > now(),
                       AccessKey.revoked_at.is_(None)))
        return _principal(row) if row else None

    def close_session(self, token: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(delete(Session).where(Session.token_hash == hash_key(token)))
