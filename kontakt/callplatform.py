"""A stand-in for the call platform: makes a call ring, reported step by step to intake's telephony API.

The real platform posts each step of a call (`{call_id, line, step, at}`, with its own time) to
`POST /api/telephony/events` with its own account (role ops), and puts the call through to a staff member's
phone, whose screen shows the caller's number. Intake's API carries no caller identity and no staff member, on
purpose; so the caller's number, the personnummer the caller gives and the staff member it rang for stay with
the player: `kontakt call` prints them, the workspace's test-call button keeps them in the signed-in person's
server-side session to fill in the call's form. A caller who meets a full queue, or chooses "ring upp mig", is
asked for a call-back with the number (`POST /api/telephony/callbacks`): that is the one report that carries the
number, kept by intake and sealed on the bus. Used only on the embedded default.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import httpx

from kontakt.client import personnummer

Scenario = Literal["answered", "queue_full", "abandoned_callback", "callback"]
SCENARIOS: tuple[Scenario, ...] = ("answered", "queue_full", "abandoned_callback", "callback")
TELEPHONY_PATH = "/api/telephony/events"
CALLBACKS_PATH = "/api/telephony/callbacks"
# the caller asks intake for a call-back (with the number to ring) when the queue is full or they choose one
ASKS_CALLBACK: dict[Scenario, str] = {"queue_full": "queue_full", "callback": "chosen"}
# The staff id the workspace's local sign-in gives a clinician (services/workspace/signin.py, local_subject).
DEFAULT_STAFF = "S-LOCAL-CLINICIAN"
# Numbers the Swedish regulator (PTS) keeps for fiction: 070-174 06 05 to 070-174 06 99 reach nobody.
FICTIONAL_NUMBERS = range(1740605, 1740700)


class PlatformRefused(RuntimeError):
    """Intake refused a step (its problem+json answer is in the message)."""


@dataclass(frozen=True)
class RingingCall:
    """One call as the platform plays it: the steps intake hears, and what only the staff member's phone shows."""

    call_id: str
    scenario: Scenario
    staff: str
    caller_number: str
    identity_number: str | None
    line: str
    steps: list[tuple[str, datetime]] = field(default_factory=list)

    def reports(self) -> list[dict[str, Any]]:
        """The JSON bodies the platform posts, one per step, in the order they happened."""
        return [{"call_id": self.call_id, "line": self.line, "step": step, "at": at.isoformat()}
                for step, at in self.steps]

    def callback_request(self) -> dict[str, Any] | None:
        """The call-back the caller asks for (queue full, or 'ring upp mig'), with the number; None otherwise."""
        reason = ASKS_CALLBACK.get(self.scenario)
        if reason is None:
            return None
        return {"call_id": self.call_id, "line": self.line, "reason": reason, "number": self.caller_number,
                "at": self.steps[-1][1].isoformat(), "language": "sv"}

    @property
    def reaches_staff(self) -> bool:
        """The call ends with a staff member speaking to the caller (answered, or called back)."""
        return self.steps[-1][0] in ("CallAnswered", "CallbackMade")


def steps_for(scenario: Scenario, now: datetime) -> list[tuple[str, datetime]]:
    """The steps of a call that ends `now` (the platform reports the past, never the future)."""
    offered = now - timedelta(minutes=3)
    if scenario == "queue_full":  # the call-back request records QueueFull with the number
        return [("CallOffered", now - timedelta(seconds=2)), ("QueueFull", now - timedelta(seconds=1))]
    if scenario == "callback":  # in the queue the caller pressed "ring upp mig" (the request records it)
        return [("CallOffered", offered), ("CallQueued", offered + timedelta(seconds=1)),
                ("CallbackScheduled", now - timedelta(seconds=1))]
    if scenario == "abandoned_callback":
        abandoned = offered + timedelta(seconds=95)
        return [("CallOffered", offered), ("CallQueued", offered + timedelta(seconds=1)),
                ("CallAbandoned", abandoned), ("CallbackScheduled", abandoned), ("CallbackMade", now)]
    return [("CallOffered", offered), ("CallQueued", offered + timedelta(seconds=1)), ("CallAnswered", now)]


def child_personnummer(rng: random.Random, today: date) -> str:
    """A checksum-valid personnummer of a child aged 4 to 17, for a caller who gives one."""
    born = today - timedelta(days=rng.randint(4 * 365 + 30, 17 * 365))
    return personnummer(born, rng, female=rng.random() < 0.5)


def plan_call(scenario: Scenario = "answered", staff: str = DEFAULT_STAFF, caller_number: str | None = None,
              identity_number: str | None = None, line: str = "public_1177", now: datetime | None = None,
              rng: random.Random | None = None) -> RingingCall:
    rng = rng or random.Random()
    now = now or datetime.now(UTC)
    number = caller_number or f"+4670{rng.choice(FICTIONAL_NUMBERS)}"
    call_id = f"test-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"  # no caller data in the id: it travels on Kafka
    return RingingCall(call_id, scenario, staff, number, identity_number, line, steps_for(scenario, now))


def _checked(r: httpx.Response, body: dict[str, Any]) -> None:
    if r.status_code not in (200, 201):  # 200: a retried step intake already had
        raise PlatformRefused(f"{body.get('step', 'callback')}: {r.status_code} {r.text[:400]}")


def _posts(call: RingingCall) -> list[tuple[str, dict[str, Any]]]:
    """(path, body) of each report, in order: the steps, then the call-back request if the caller asks one.
    A step the call-back request records itself (QueueFull, CallbackScheduled) is sent with it, not before."""
    request = call.callback_request()
    own = {"QueueFull", "CallbackScheduled"} if request else set()
    posts = [(TELEPHONY_PATH, body) for body in call.reports() if body["step"] not in own]
    return posts + ([(CALLBACKS_PATH, request)] if request else [])


def ring(call: RingingCall, intake_url: str, platform_token: str,
         http: httpx.Client | None = None) -> dict[str, Any] | None:
    """Post the call's reports to intake as the platform's account would (for the CLI); the promise, if any."""
    client = http or httpx.Client(timeout=10)
    answer: dict[str, Any] | None = None
    try:
        for path, body in _posts(call):
            r = client.post(intake_url + path, json=body, headers={"Authorization": f"Bearer {platform_token}"})
            _checked(r, body)
            answer = r.json() if path == CALLBACKS_PATH else answer
    finally:
        if http is None:
            client.close()
    return answer


async def ring_async(call: RingingCall, intake_url: str, platform_token: str,
                     http: httpx.AsyncClient) -> dict[str, Any] | None:
    """The same from an async app (the workspace's test-call button)."""
    answer: dict[str, Any] | None = None
    for path, body in _posts(call):
        r = await http.post(intake_url + path, json=body, headers={"Authorization": f"Bearer {platform_token}"})
        _checked(r, body)
        answer = r.json() if path == CALLBACKS_PATH else answer
    return answer


def phone_screen(call: RingingCall) -> tuple[str, str]:
    """What the staff member's phone shows and hears, in Swedish and English."""
    pnr_sv = f"; uppringaren uppger personnummer {call.identity_number}" if call.identity_number else ""
    pnr_en = f"; the caller gives personnummer {call.identity_number}" if call.identity_number else ""
    if call.scenario == "queue_full":
        return (f"Samtal {call.call_id} från {call.caller_number}: kön var full; uppringaren bad om att bli "
                "uppringd.",
                f"Call {call.call_id} from {call.caller_number}: the queue was full; the caller asked to be called "
                "back.")
    if call.scenario == "callback":
        return (f"Samtal {call.call_id} från {call.caller_number}: uppringaren valde 'ring upp mig' i kön.",
                f"Call {call.call_id} from {call.caller_number}: the caller chose 'call me back' in the queue.")
    how_sv, how_en = (("ringdes tillbaka av", "called back by") if call.scenario == "abandoned_callback"
                      else ("besvarat av", "answered by"))
    return (f"Samtal {call.call_id} från {call.caller_number} {how_sv} {call.staff}{pnr_sv}.",
            f"Call {call.call_id} from {call.caller_number} {how_en} {call.staff}{pnr_en}.")
