"""The demo's call-backs and "Kontakta oss": realistic numbers planned day by day (call-backs on weekdays,
messages every day, mostly in the evening), and the acts played against intake: promised, rung in the window,
tried again, a sender's message becoming a case whose call-back reaches them."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from kontakt import demo_callbacks
from kontakt.client import Journey, Staff
from kontakt.demo import Demo
from services.chassis.clock import STOCKHOLM
from tests.unit.intake.conftest import Intake
from tests.unit.kontakt.test_call_platform import served_intake  # noqa: F401  # the fixture
from tests.unit.test_demo_year import Recorder


def test_a_month_plans_call_backs_on_weekdays_and_messages_every_day_mostly_in_the_evening(tmp_path: Path) -> None:
    demo = Demo(Recorder(), tmp_path / "clock.json", seed=7, days=28, scale=1.0, today=date(2026, 11, 2))  # type: ignore[arg-type]
    demo.build()
    asked = [a for a in demo.acts if a.label == "call-back asked"]
    written = [a for a in demo.acts if a.label == "Kontakta oss"]
    assert 60 <= len(asked) <= 160  # 20 weekdays of about 4.5 (the seeds: 53 full-queue callers in January)
    assert all(a.at.astimezone(STOCKHOLM).weekday() < 5 for a in asked)
    assert 15 <= len(written) <= 45 and any(a.at.astimezone(STOCKHOLM).weekday() >= 5 for a in written)
    evening = sum(a.at.astimezone(STOCKHOLM).hour >= 16 for a in written)
    assert evening > len(written) / 2  # when the phone is closed
    again = Demo(Recorder(), tmp_path / "c2.json", seed=7, days=28, scale=1.0, today=date(2026, 11, 2))  # type: ignore[arg-type]
    again.build()
    assert Counter(a.label for a in again.acts) == Counter(a.label for a in demo.acts)  # the same for a seed


def run_planned(demo: Demo, intake: Intake, label: str) -> int:
    """Play the planned acts of `label` at their times on intake's clock (the follow-ups they plan too)."""
    played = 0
    while todo := sorted((a for a in demo.acts if a.label == label), key=lambda a: a.at):
        act = todo[0]
        demo.acts.remove(act)
        intake.clock.at = act.at
        demo.perform(act)  # as the demo plays it: in the act's context, a refusal recorded in fig.failed
        played += 1
    return played


def test_the_acts_promise_ring_try_again_and_turn_a_message_into_a_case(
        tmp_path: Path, served_intake: tuple[Intake, str]) -> None:  # noqa: F811
    intake, url = served_intake
    tuesday = datetime(2026, 11, 3, 8, 40, tzinfo=STOCKHOLM)
    intake.clock.at = tuesday
    staff = Staff({"intake": url}, intake.issuer)
    demo = Demo(Journey(staff), tmp_path / "clock.json", seed=3, days=1, scale=1.0, today=tuesday.date())
    for n in range(6):
        demo_callbacks.ask(demo, f"demo-cb-{n}", "queue_full" if n % 2 else "chosen", tuesday)
    demo_callbacks.self_referral(demo, tuesday.date(), tuesday)
    assert demo.fig.callbacks == {"promised": 6} and demo.fig.cases["self_referral"] == 1
    assert run_planned(demo, intake, "call-back") >= 7  # each rung at least once, some again
    assert demo.fig.failed == []
    ended = demo.fig.callbacks
    assert ended.get("reached", 0) + ended.get("failed", 0) == 7
    assert (intake.rt.clock.now() - tuesday) < timedelta(days=2)
    left = (staff.client("intake", "call_handler").get("/api/callbacks")).json()["callbacks"]
    assert left == []
    queue = staff.client("intake", "call_handler").get("/api/work-queue").json()["cases"]
    assert "self_referral" in {c["channel"] for c in queue}
