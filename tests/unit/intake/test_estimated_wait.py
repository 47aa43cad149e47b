"""The estimated wait (k x mean handling time / agents) against a simulated morning, and when a call-back is
offered instead of waiting."""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import correlation, fmean

from services.chassis.clock import STOCKHOLM
from services.intake.domain.callback_policy import WaitRules
from services.intake.domain.wait import QueueState, estimate, queue_state

from .morning import simulate

RULES = WaitRules(default_handle_seconds=540, min_samples=5, sample_hours=3, queue_seen_hours=2,
                  offer_callback_above_seconds=300, queue_capacity=20)
EIGHT = datetime(2023, 3, 14, 8, tzinfo=STOCKHOLM)


def test_on_a_busy_simulated_morning_the_estimate_follows_the_wait_callers_really_had() -> None:
    # 4 agents, 9-minute calls, a caller every 2.5 minutes: 90 % busy, so a queue forms and clears again
    m = simulate(EIGHT, hours=4, agents=4, handle_s=540, mean_gap_s=150)
    estimated, actual = [], []
    for call_id, arrive in m.arrivals[10:]:  # after the first calls have ended and measured the handling time
        before = arrive - timedelta(microseconds=1)
        known = {c: s for c, s in m.known_at(before).items() if c != call_id}
        est = estimate(queue_state(known, before, RULES), 4, RULES)
        assert est.seconds is not None
        estimated.append(est.seconds)
        actual.append(m.waits[call_id])
    assert len(actual) > 60 and fmean(actual) > 60  # the morning did queue
    assert abs(fmean(estimated) - fmean(actual)) < 0.1 * fmean(actual)
    assert correlation(estimated, actual) > 0.75


def test_on_a_quiet_simulated_morning_a_caller_who_finds_a_free_agent_is_told_no_wait() -> None:
    m = simulate(EIGHT, hours=4, agents=4, handle_s=540, mean_gap_s=270)  # about half busy
    told = {}
    for call_id, arrive in m.arrivals[10:]:
        before = arrive - timedelta(microseconds=1)
        known = {c: s for c, s in m.known_at(before).items() if c != call_id}
        told[call_id] = estimate(queue_state(known, before, RULES), 4, RULES)
    free = [c for c in told if m.waits[c] == 0]
    assert len(free) > 20
    assert all(told[c].seconds == 0 and not told[c].offer_callback for c in free)
    assert all((told[c].seconds or 0) > 0 for c in told if m.waits[c] > 0)


def test_the_queue_state_counts_waiting_callers_busy_agents_and_ended_calls() -> None:
    m = simulate(EIGHT, hours=2, agents=2, handle_s=600, mean_gap_s=200, seed=5)
    now = EIGHT + timedelta(hours=1, minutes=30)
    state = queue_state(m.known_at(now), now, RULES)
    truly_waiting = sum(1 for c, arrive in m.arrivals if arrive <= now < arrive + timedelta(seconds=m.waits[c]))
    assert state.waiting == truly_waiting
    assert state.busy == 2  # a queue with callers in it means both agents are talking
    assert all(s > 0 for s in state.handle_samples) and len(state.handle_samples) >= 5


def test_free_agents_mean_no_wait_and_no_call_back_offered() -> None:
    est = estimate(QueueState(waiting=1, busy=1, handle_samples=()), 4, RULES)
    assert (est.seconds, est.offer_callback, est.reason, est.handle_from) == (0, False, "short_wait", "policy_default")


def test_three_ahead_with_every_agent_busy_wait_four_handling_times_over_the_agents() -> None:
    est = estimate(QueueState(waiting=3, busy=2, handle_samples=(300.0,) * 5), 2, RULES)
    assert (est.seconds, est.handle_seconds, est.handle_from) == (4 * 300 // 2, 300, "ended_calls")
    assert est.offer_callback and est.reason == "long_wait"


def test_nobody_signed_in_offers_a_call_back_and_names_no_wait() -> None:
    est = estimate(QueueState(waiting=0, busy=0, handle_samples=()), 0, RULES)
    assert (est.seconds, est.offer_callback, est.reason) == (None, True, "no_staff")


def test_a_queue_at_the_platforms_capacity_offers_a_call_back_whatever_the_wait() -> None:
    est = estimate(QueueState(waiting=20, busy=0, handle_samples=(10.0,) * 5), 30, RULES)
    assert est.seconds == 0 and est.offer_callback and est.reason == "queue_full"


def test_a_call_queued_long_ago_without_a_later_step_is_not_counted_as_waiting() -> None:
    now = EIGHT + timedelta(hours=3)
    steps = {"lost": [("CallOffered", EIGHT), ("CallQueued", EIGHT)],
             "live": [("CallOffered", now - timedelta(minutes=2)), ("CallQueued", now - timedelta(minutes=2))],
             "done": [("CallQueued", now - timedelta(minutes=9)), ("CallAnswered", now - timedelta(minutes=5))]}
    state = queue_state(steps, now, RULES)
    assert (state.waiting, state.busy) == (1, 1)


async def test_the_platform_reads_the_estimate_from_its_own_reports(intake):  # type: ignore[no-untyped-def]
    from .conftest import NOW

    async def step(call_id: str, name: str, minutes_ago: float) -> None:
        body = {"call_id": call_id, "line": "public_1177", "step": name,
                "at": (NOW - timedelta(minutes=minutes_ago)).isoformat()}
        assert (await intake.post("/api/telephony/events", body, role="ops")).status_code == 201

    empty = (await intake.get("/api/telephony/estimated-wait", role="ops")).json()
    assert (empty["estimated_wait_seconds"], empty["reason"], empty["staffing_reported"]) == (None, "no_staff", False)
    staffing = {"at": (NOW - timedelta(minutes=30)).isoformat(), "agents_signed_in": 2}
    assert (await intake.post("/api/telephony/staffing", staffing, role="ops")).status_code == 201
    for n in range(2):
        await step(f"talk-{n}", "CallQueued", 12)
        await step(f"talk-{n}", "CallAnswered", 10)
    for n in range(3):
        await step(f"wait-{n}", "CallQueued", 3 - n)
    r = await intake.get("/api/telephony/estimated-wait", role="ops")
    est = r.json()
    assert (est["waiting"], est["busy"], est["agents_signed_in"], est["handle_from"]) == (3, 2, 2, "policy_default")
    assert est["estimated_wait_seconds"] == 4 * 540 // 2 and est["offer_callback"] and est["reason"] == "long_wait"
    assert (await intake.get("/api/telephony/estimated-wait", role="call_handler")).status_code == 200
    assert (await intake.get("/api/telephony/estimated-wait", role="kpi_analyst")).status_code == 403
