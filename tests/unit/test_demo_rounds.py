"""The demo's rounds: an hour's acts together, nothing from the future, follow-ups named after their act so the
random draws of an act are the same for a seed whichever thread runs it and in whatever order."""
from __future__ import annotations

import heapq
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kontakt.demo import TZ
from kontakt.demo_rounds import WINDOW, Act, ActContext, next_round

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=TZ)


def act(minutes: float, seq: int) -> Act:
    return Act(T0 + timedelta(minutes=minutes), seq, "advice", lambda: None, str(seq))


def plan(*acts: Act) -> list[Act]:
    """Acts as the demo keeps its plan: a heap (`DemoCore.plan` pushes each one)."""
    heap: list[Act] = []
    for a in acts:
        heapq.heappush(heap, a)
    return heap


def test_a_round_is_the_earliest_act_and_those_within_the_hour_after_it_in_time_order() -> None:
    acts = plan(act(70, 1), act(5, 2), act(0, 3), act(59, 4), act(60, 5))
    taken = next_round(acts, now=T0 + timedelta(days=1))
    assert [a.seq for a in taken] == [3, 2, 4]
    assert sorted(a.seq for a in acts) == [1, 5]
    assert [a.seq for a in next_round(acts, now=T0 + timedelta(days=1))] == [5, 1]


def test_one_act_at_a_time_with_no_window_and_acts_after_now_are_dropped() -> None:
    acts = plan(act(0, 1), act(0, 2), act(30, 3), act(120, 4))
    now = T0 + timedelta(minutes=60)
    assert [[a.seq for a in next_round(acts, now, window=timedelta(0))] for _ in range(3)] == [[1], [2], [3]]
    assert next_round(acts, now) == [] and acts == []  # the one after `now` would lie in the future: dropped
    assert next_round(plan(act(120, 5)), now=T0) == []
    within = plan(act(0, 6), act(30, 7))  # a later act inside the window but after `now` is not taken
    assert [a.seq for a in next_round(within, now=T0 + timedelta(minutes=10))] == [6]
    assert timedelta(hours=1) == WINDOW


def test_an_acts_follow_ups_and_random_draws_follow_from_the_act_not_from_the_thread() -> None:
    ctx = ActContext()
    assert ctx.child_key() is None  # planning, outside any act
    first = act(0, 7)
    ctx.enter(first, seed=42)
    assert ctx.rng is not None
    draws = [ctx.rng.random() for _ in range(3)]
    assert [ctx.child_key(), ctx.child_key()] == ["7.1", "7.2"]
    ctx.leave()
    ctx.enter(act(50, 9), seed=42)  # another act in between changes nothing for act 7
    ctx.leave()
    ctx.enter(first, seed=42)
    assert ctx.rng is not None and [ctx.rng.random() for _ in range(3)] == draws
    assert ctx.child_key() == "7.1"


def test_the_demo_plays_nothing_after_the_moment_its_run_began_however_long_it_runs(tmp_path: Path) -> None:
    from kontakt.demo import Demo
    from tests.unit.test_demo_year import Recorder

    demo = Demo(Recorder(), tmp_path / "clock.json", seed=1, days=1, scale=1.0)  # type: ignore[arg-type]  # stands in for the APIs
    began = datetime.now(UTC)
    demo._began = began  # as run() sets it once the plan is built
    for minutes in (-30, 5, -10, 1):
        demo.plan(began + timedelta(minutes=minutes), "advice", lambda: None)
    played = []
    while batch := demo.next_batch():
        played += [a.at - began for a in batch]
    assert played == [timedelta(minutes=-30), timedelta(minutes=-10)]  # the later ones would lie after it


def test_a_retry_is_not_asked_before_the_broker_has_had_time_and_keeps_its_random_draws(tmp_path: Path) -> None:
    from kontakt.demo import Demo
    from kontakt.demo_core import RETRY, SETTLE_S
    from tests.unit.test_demo_year import Recorder

    demo = Demo(Recorder(), tmp_path / "clock.json", seed=1, days=1, scale=1.0)  # type: ignore[arg-type]  # stands in for the APIs
    demo._began = datetime.now(UTC)
    first = act(0, 1)
    demo._ctx.enter(first, seed=1)  # the booking act: booking had not yet heard of the decision
    assert demo.later("booking", lambda: None, tries=0)
    demo._ctx.leave()
    (retry,) = demo.next_batch()
    assert retry.at == first.at + RETRY and retry.key == "1.1"
    assert demo.ripe([retry]) == []  # asked at once it would find booking still unaware: it moves on instead
    (moved,) = demo.next_batch()
    assert moved.at == first.at + 2 * RETRY and moved.key == "1.1" and demo.acts == []
    time.sleep(SETTLE_S)
    assert demo.ripe([moved]) == [moved]
    assert not demo.later("booking", lambda: None, tries=20)  # twenty tries, then the act is refused


def test_a_later_contact_linked_to_an_open_case_plans_no_second_interview(tmp_path: Path) -> None:
    """Two referrals for one child join one case (intake links the second): the case is interviewed once, as a
    second interview would find it completed and its answers refused."""
    from kontakt.demo import Demo
    from tests.unit.test_demo_year import Recorder

    demo = Demo(Recorder(), tmp_path / "clock.json", seed=3, days=1, scale=1.0)  # type: ignore[arg-type]  # stands in for the APIs
    demo._began = datetime.now(UTC) + timedelta(days=30)
    demo._ctx.enter(act(0, 1), seed=3)  # the referral acts: their follow-ups are planned from T0
    for _ in range(40):  # many contacts for two cases: each draws advice, signposting or an interview
        demo.after_contact("C-ONE", T0.date())
        demo.after_contact("C-TWO", T0.date())
    demo._ctx.leave()
    interviews = [a for a in demo.acts if a.label == "interview"]
    assert len(interviews) == 2, [a.label for a in demo.acts]
