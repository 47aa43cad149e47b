"""Server-side sessions: in the workspace's database, tokens encrypted at rest, shared by processes, surviving a
restart, ending when idle or too old, the old one revoked at a new sign-in; the cookie and the settings around it."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import text

from services.chassis.auth import Staff
from services.chassis.db import make_engine
from services.workspace.app import build
from services.workspace.sessions import Sessions, cipher
from services.workspace.settings import WorkspaceSettings

STAFF = Staff("S-1", "scheduler", "hc-ersboda", False)
TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-payload.signature"


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def store(db: Path, clock: Clock, key: str, idle_s: int = 1800, max_s: int = 43200) -> Sessions:
    """One workspace process's view of the sessions database (a new one is what a restart or a second process has)."""
    return Sessions(make_engine(f"sqlite:///{db}"), cipher([key]), idle_s, max_s, now=clock)


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


def test_a_second_process_and_a_restarted_one_serve_the_same_session(tmp_path: Path, key: str) -> None:
    clock = Clock()
    first = store(tmp_path / "ws.db", clock, key)
    s = first.open(TOKEN, STAFF, "en", refresh_token="r-1", id_token="i-1", expires_at=123.0)
    first.dispose()  # the process that signed the person in is gone
    for other in (store(tmp_path / "ws.db", clock, key), store(tmp_path / "ws.db", clock, key)):
        got = other.get(s.sid)
        assert got is not None and got.token == TOKEN and got.staff == STAFF and got.lang == "en"
        assert (got.refresh_token, got.id_token, got.expires_at) == ("r-1", "i-1", 123.0)


def test_the_tokens_are_encrypted_at_rest_and_the_cookie_value_is_not_stored(tmp_path: Path, key: str) -> None:
    sessions = store(tmp_path / "ws.db", Clock(), key)
    s = sessions.open(TOKEN, STAFF, refresh_token="refresh-secret", id_token="id-secret")
    dump = "\n".join(str(row) for row in sessions.engine.connect().execute(text("SELECT * FROM workspace_session")))
    assert "secret-payload" not in dump and "refresh-secret" not in dump and "id-secret" not in dump
    assert s.sid not in dump
    assert store(tmp_path / "ws.db", Clock(), Fernet.generate_key().decode()).get(s.sid) is None  # another key: nothing


def test_a_session_ends_after_30_minutes_idle(tmp_path: Path, key: str) -> None:
    clock = Clock()
    sessions = store(tmp_path / "ws.db", clock, key, idle_s=1800)
    s = sessions.open(TOKEN, STAFF)
    clock.t += 1799
    assert sessions.get(s.sid) is not None  # a request keeps it alive ...
    clock.t += 1799
    assert sessions.get(s.sid) is not None
    clock.t += 1801
    assert sessions.get(s.sid) is None and sessions.get(s.sid) is None  # ... 30 minutes without one ends it


def test_a_session_ends_12_hours_after_sign_in_however_busy(tmp_path: Path, key: str) -> None:
    clock = Clock()
    sessions = store(tmp_path / "ws.db", clock, key, idle_s=1800, max_s=12 * 3600)
    s = sessions.open(TOKEN, STAFF)
    for _ in range(12 * 6 - 1):  # a request every 10 minutes
        clock.t += 600
        assert sessions.get(s.sid) is not None
    clock.t += 601
    assert sessions.get(s.sid) is None


def test_signing_in_again_revokes_the_browsers_old_session(tmp_path: Path, key: str) -> None:
    sessions = store(tmp_path / "ws.db", Clock(), key)
    old = sessions.open(TOKEN, STAFF)
    new = sessions.open(TOKEN, STAFF, replaces=old.sid)
    assert new.sid != old.sid and sessions.get(old.sid) is None and sessions.get(new.sid) is not None


def test_language_and_renewed_tokens_are_kept(tmp_path: Path, key: str) -> None:
    clock = Clock()
    sessions = store(tmp_path / "ws.db", clock, key)
    s = sessions.open(TOKEN, STAFF)
    sessions.set_lang(s, "en")
    moved = Staff("S-1", "scheduler", "hc-mariehem", False)
    sessions.renew(s, "new-token", moved, refresh_token="r-2", id_token="", expires_at=999.0)
    got = store(tmp_path / "ws.db", clock, key).get(s.sid)
    assert got is not None and (got.lang, got.token, got.staff.unit, got.expires_at) == ("en", "new-token",
                                                                                       "hc-mariehem", 999.0)


async def signed_in_cookie(settings: WorkspaceSettings) -> str:
    app = build(settings)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ws") as c:
        r = await c.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
    assert r.status_code == 303
    return r.headers["set-cookie"]


async def test_the_cookie_goes_with_the_browser_and_is_secure_off_loopback(tmp_path: Path) -> None:
    cookie = await signed_in_cookie(WorkspaceSettings(data_dir=tmp_path, local_signin=True))
    assert "max-age" not in cookie.lower() and "expires" not in cookie.lower()
    assert "secure" not in cookie.lower()  # loopback: plain http on this machine
    bound = WorkspaceSettings(data_dir=tmp_path, http_host="0.0.0.0")
    assert bound.secure_cookie() and WorkspaceSettings(data_dir=tmp_path, http_host="0.0.0.0",
                                                       cookie_secure=False).secure_cookie() is False
    cookie = await signed_in_cookie(WorkspaceSettings(data_dir=tmp_path, local_signin=True, cookie_secure=True))
    assert "secure" in cookie.lower()


def test_the_local_sign_in_is_refused_at_start_up_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="loopback"):
        WorkspaceSettings(data_dir=tmp_path, local_signin=True, http_host="0.0.0.0")
    for host in ("127.0.0.1", "::1", "localhost"):
        assert WorkspaceSettings(data_dir=tmp_path, local_signin=True, http_host=host).local_signin


def test_processes_on_one_data_dir_share_one_session_key(tmp_path: Path) -> None:
    a, b = WorkspaceSettings(data_dir=tmp_path), WorkspaceSettings(data_dir=tmp_path)
    assert a.session_key_list() == b.session_key_list() and (tmp_path / "session.key").stat().st_mode & 0o077 == 0


def test_idle_and_absolute_limits_come_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (WorkspaceSettings(data_dir=tmp_path).session_idle_s, WorkspaceSettings(data_dir=tmp_path).session_max_s) \
        == (1800, 43200)
    settings_file = tmp_path / "workspace.env"
    settings_file.write_text("WORKSPACE_SESSION_IDLE_S=900\nWORKSPACE_SESSION_MAX_S=28800\n")
    monkeypatch.setattr(WorkspaceSettings, "model_config", {**WorkspaceSettings.model_config,
                                                            "env_file": str(settings_file)})
    s = WorkspaceSettings(data_dir=tmp_path)
    assert (s.session_idle_s, s.session_max_s) == (900, 28800)
