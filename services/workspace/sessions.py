"""Server-side sessions in the workspace's own database: the browser holds only an opaque, HttpOnly cookie; the
tokens are encrypted at rest; every workspace process on the same database serves every session, and a restart
signs nobody out. A session ends after `idle_s` without a request or `max_s` after sign-in, whichever is first."""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Boolean, Column, Float, MetaData, String, Table, Text, delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from services.chassis.auth import Staff

COOKIE = "evi_session"

# What each role may see in the workspace. The services decide again on every call (they hold the rules);
# this only keeps the navigation honest so nobody is shown a door that will not open.
PERSONAL_DATA_ROLES = ("call_handler", "clinician", "coordinator", "kc_head", "scheduler", "unit_head")
# Families sign in too (1177's e-identification in production): a guardian, or a young person for themselves.
# Their sessions open only the families' pages; their tokens open nothing in the services.
FAMILY_ROLES = ("guardian", "young_person")
HOME = {"call_handler": "/queue", "clinician": "/queue", "kc_head": "/queue", "coordinator": "/board",
        "scheduler": "/unit", "unit_head": "/unit", "kpi_analyst": "/no-personal-data", "ops": "/no-personal-data",
        "school_sender": "/skola", "guardian": "/familj", "young_person": "/familj"}

metadata = MetaData()
# One row per signed-in browser. The cookie's value is not stored, only its hash: a copy of the database
# opens no session. `secrets` holds the tokens, encrypted with the settings' session key.
session_table = Table(
    "workspace_session", metadata,
    Column("sid_hash", String(64), primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("unit", String(80)),
    Column("school", String(80)),
    Column("licensed", Boolean, nullable=False),
    Column("lang", String(2), nullable=False),
    Column("secrets", Text, nullable=False),
    Column("expires_at", Float, nullable=False),  # the access token's `exp`; 0 when unknown
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False, index=True),
)


@dataclass
class Session:
    sid: str
    token: str
    staff: Staff
    lang: str = "sv"
    refresh_token: str = ""
    id_token: str = ""
    expires_at: float = 0.0
    created_at: float = field(default_factory=time.time)
    last_seen: float = field(default_factory=time.time)
    # embedded default only: what the phone showed for a test call rung for this person (caller's number, the
    # personnummer given), to fill in the call's form; sealed with the tokens, never in intake's API or the browser
    test_calls: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def sees_personal_data(self) -> bool:
        return self.staff.role in PERSONAL_DATA_ROLES

    @property
    def is_family(self) -> bool:
        return self.staff.role in FAMILY_ROLES


def sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def cipher(keys: list[str]) -> MultiFernet:
    """The first key encrypts; every key decrypts (so a new key can be put first and the old one dropped later)."""
    return MultiFernet([Fernet(k.encode()) for k in keys])


class Sessions:
    def __init__(self, engine: Engine, crypt: MultiFernet, idle_s: int, max_s: int,
                 now: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.crypt = crypt
        self.idle_s = idle_s
        self.max_s = max_s
        self.now = now
        # a request a minute is enough to keep a session alive; writing last_seen on every request is not needed
        self.touch_s = min(60.0, idle_s / 10)
        try:
            metadata.create_all(engine)
        except DatabaseError:  # another workspace process created it between the check and the create
            metadata.create_all(engine)

    def open(self, token: str, staff: Staff, lang: str = "sv", *, refresh_token: str = "", id_token: str = "",
             expires_at: float = 0.0, replaces: str | None = None) -> Session:
        """A new session (a new id: never the one the browser came with, which is revoked)."""
        now = self.now()
        s = Session(sid=secrets.token_urlsafe(32), token=token, staff=staff, lang=lang if lang in ("sv", "en") else "sv",
                    refresh_token=refresh_token, id_token=id_token, expires_at=expires_at, created_at=now,
                    last_seen=now)
        with self.engine.begin() as db:
            if replaces:
                db.execute(delete(session_table).where(session_table.c.sid_hash == sid_hash(replaces)))
            db.execute(delete(session_table).where(or_(session_table.c.last_seen < now - self.idle_s,
                                                       session_table.c.created_at < now - self.max_s)))
            db.execute(session_table.insert().values(
                sid_hash=sid_hash(s.sid), subject=staff.subject, role=staff.role, unit=staff.unit, school=staff.school,
                licensed=staff.licensed, lang=s.lang, secrets=self._seal(s), expires_at=expires_at, created_at=now,
                last_seen=now))
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self.engine.begin() as db:
            row = db.execute(select(session_table).where(session_table.c.sid_hash == sid_hash(sid))).mappings().first()
            if row is None:
                return None
            now = self.now()
            if now - row["last_seen"] > self.idle_s or now - row["created_at"] > self.max_s:
                db.execute(delete(session_table).where(session_table.c.sid_hash == row["sid_hash"]))
                return None
            try:
                tokens = json.loads(self.crypt.decrypt(row["secrets"].encode()))
            except InvalidToken:  # sealed with a key no longer configured: as good as signed out
                db.execute(delete(session_table).where(session_table.c.sid_hash == row["sid_hash"]))
                return None
            if now - row["last_seen"] >= self.touch_s:
                db.execute(update(session_table).where(session_table.c.sid_hash == row["sid_hash"])
                           .values(last_seen=now))
        staff = Staff(subject=row["subject"], role=row["role"], unit=row["unit"], licensed=row["licensed"],
                      school=row["school"])
        return Session(sid=sid, token=tokens["token"], staff=staff, lang=row["lang"],
                       refresh_token=tokens.get("refresh_token", ""), id_token=tokens.get("id_token", ""),
                       expires_at=row["expires_at"], created_at=row["created_at"], last_seen=now,
                       test_calls=tokens.get("test_calls", {}))

    def close(self, sid: str | None) -> None:
        if sid:
            with self.engine.begin() as db:
                db.execute(delete(session_table).where(session_table.c.sid_hash == sid_hash(sid)))

    def keep_test_call(self, session: Session, call_id: str, shown: dict[str, str]) -> None:
        """Embedded default: remember what the phone showed for a test call (sealed like the tokens)."""
        session.test_calls[call_id] = shown
        self._update(session, secrets=self._seal(session))

    def set_lang(self, session: Session, lang: str) -> None:
        session.lang = lang if lang in ("sv", "en") else "sv"
        self._update(session, lang=session.lang)

    def renew(self, session: Session, token: str, staff: Staff, *, refresh_token: str, id_token: str,
              expires_at: float) -> None:
        """New tokens from a refresh: the role, unit and school follow what the provider says now."""
        session.token, session.staff, session.refresh_token = token, staff, refresh_token
        session.id_token, session.expires_at = id_token or session.id_token, expires_at
        self._update(session, secrets=self._seal(session), expires_at=expires_at, subject=staff.subject,
                     role=staff.role, unit=staff.unit, school=staff.school, licensed=staff.licensed)

    def _update(self, session: Session, **values: object) -> None:
        with self.engine.begin() as db:
            db.execute(update(session_table).where(session_table.c.sid_hash == sid_hash(session.sid)).values(**values))

    def _seal(self, s: Session) -> str:
        tokens = {"token": s.token, "refresh_token": s.refresh_token, "id_token": s.id_token,
                  "test_calls": s.test_calls}
        return self.crypt.encrypt(json.dumps(tokens).encode()).decode()

    def dispose(self) -> None:
        self.engine.dispose()
