"""The friction a new user met, each with the check that fails if it comes back (issue 22's list)."""
from __future__ import annotations

import random
import re
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect

from kontakt.client import Journey, Staff
from tests.browser.conftest import Workspace
from tests.browser.screens import new_page, settle, sign_in_as
from tests.browser.story import Story, at_local, bup_without_times, child

pytestmark = [pytest.mark.browser, pytest.mark.broker]


def test_the_queue_counts_in_words_and_a_broken_promise_is_not_at_risk(chromium: Browser, workspace: Workspace,
                                                                      story: Story) -> None:
    page = sign_in_as(chromium, workspace.url, "call_handler")
    settle(page)
    broken = page.locator(f'tr[data-case="{story.broken_case}"]')
    expect(broken).to_contain_text("Löftet brutet")
    expect(broken).to_contain_text(re.compile(r"\b\d+ dagar? över"))  # not "-3" under "Dagar kvar"
    expect(page.locator(f'tr[data-case="{story.paper_case}"]')).to_contain_text("sista dagen")
    risking = page.locator("#queue tbody tr.risk").count()
    missed = page.locator("#queue tbody tr.broken").count()
    assert risking >= 1 and missed >= 1
    summary = page.locator("#queue p").first.inner_text()
    assert (f"{risking} ärende riskerar" if risking == 1 else f"{risking} ärenden riskerar") in summary, summary
    assert (f"{missed} ärende har redan" if missed == 1 else f"{missed} ärenden har redan") in summary, summary
    page.context.close()


@pytest.mark.parametrize("role, unit, path", [("coordinator", "", "/board"), ("scheduler", "bup-umea", "/unit"),
                                              ("kc_head", "", "/unit?unit_id=bup-umea"), ("clinician", "", "/queue"),
                                              ("call_handler", "", "/queue"), ("kc_head", "", "/forecast")])
def test_tables_fit_1366_pixels_wide(chromium: Browser, workspace: Workspace, story: Story, role: str, unit: str,
                                     path: str) -> None:
    page = sign_in_as(chromium, workspace.url, role, unit)
    page.goto(workspace.url + path)
    settle(page)
    assert page.locator("table").count() >= 1
    overflow = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth - innerWidth,
        tables: [...document.querySelectorAll('table')].map(t => Math.round(t.getBoundingClientRect().right - innerWidth))
                  .filter(px => px > 0),
        past_panel: [...document.querySelectorAll('table')].filter(t => {
                  const box = t.parentElement.closest('section, .panel, main');
                  return box && t.getBoundingClientRect().right > box.getBoundingClientRect().right + 1;
                }).length,
        scrolled: [...document.querySelectorAll('.scroll')].filter(s => s.scrollWidth > s.clientWidth + 1).length,
        broken_ids: [...document.querySelectorAll('.id a, th.id, td.date')]
                  .filter(el => el.getClientRects().length > 1 || el.scrollWidth > el.clientWidth + 1).length,
    })""")
    page.context.close()
    assert overflow == {"page": 0, "tables": [], "past_panel": 0, "scrolled": 0, "broken_ids": 0}, (path, overflow)


def journey(workspace: Workspace) -> Journey:
    return Journey(Staff({n: f"http://127.0.0.1:{p}" for n, p in workspace.system.ports.items()}, workspace.issuer))


def test_after_deciding_the_booking_panel_follows_at_once_and_comes_into_view(chromium: Browser,
                                                                            workspace: Workspace) -> None:
    j = journey(workspace)
    j.add_slot("hc-stenbergska", at_local(10, 14))  # beyond the promise: Sorsele's children still find none
    case_id = j.edi_referral(child(random.Random(61), 10, "Lycksele"), None, date.today())["case_id"]
    j.advice(case_id)
    j.wait_for_triage_case(case_id)
    j.interview(case_id, "primary_care")
    page = sign_in_as(chromium, workspace.url, "clinician")
    page.goto(f"{workspace.url}/cases/{case_id}")
    settle(page)
    panel = page.locator("#booking-panel")
    expect(panel).to_contain_text("Tid erbjuds när vårdnivån är beslutad")
    decide = page.get_by_role("button", name="Besluta: Primärvård (hälsocentral)")
    # where the clinician is when deciding: at the button, below the scores; the side column's panel out of view
    in_view = "el => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }"
    for block in ("start", "end"):
        decide.evaluate(f"el => el.scrollIntoView({{block: '{block}'}})")
        if not panel.evaluate(in_view):
            break
    assert not panel.evaluate(in_view)
    decide.click()
    expect(page.get_by_text("Beslutad vårdnivå: Primärvård")).to_be_visible()
    # the decision and the booking panel change in one answer: never "decide first" beside a decision
    assert "när vårdnivån är beslutad" not in panel.inner_text()
    expect(panel.locator("ol.offers li, p").filter(has_text=re.compile("Stenbergska|Inga tider"))).not_to_have_count(
        0, timeout=20_000)
    expect(panel).to_be_in_viewport()
    page.context.close()


def test_the_case_page_turns_booked_live_when_the_waiting_list_books_the_child(chromium: Browser,
                                                                              workspace: Workspace) -> None:
    j = journey(workspace)
    # written five days ago: first in line on its BUP's waiting list, ahead of the other tests' children
    case_id = bup_without_times(j, child(random.Random(67), 12, "Skellefteå"), "+46705550167",
                                date.today() - timedelta(days=5))
    page = sign_in_as(chromium, workspace.url, "clinician")
    page.goto(f"{workspace.url}/cases/{case_id}")
    settle(page)
    panel = page.locator("#booking-panel")
    expect(panel).to_contain_text("väntelistan")
    scheduler = workspace.api("booking", "kc_head")
    waited = [u for u in ("bup-skelleftea", "bup-umea", "bup-lycksele") if any(
        w["case_id"] == case_id for w in scheduler.get("/api/waiting-list", params={"unit_id": u}).json())]
    assert waited, "the child waits at no BUP unit"
    j.add_slot(waited[0], at_local(4, 10))  # a new time: the waiting list books the child at once
    expect(panel).to_contain_text("Bokat: BUP", timeout=30_000)  # no reload
    expect(panel).not_to_contain_text("väntelistan")
    page.context.close()


@pytest.mark.parametrize("how, why", [("", "utan token"), ("#token=not-a-token", "ogiltig eller har gått ut"),
                                      ("#token={school}", "Din roll får inte se nyckeltalen")])
def test_the_kpi_dashboard_says_what_is_wrong_with_the_sign_in_and_how_to_get_in(chromium: Browser,
                                                                                 workspace: Workspace, how: str,
                                                                                 why: str) -> None:
    school = workspace.issuer.token("school_sender", school="sk-umea-ersbodaskolan")
    page = new_page(chromium)
    page.goto(f"http://127.0.0.1:{workspace.system.ports['kpi']}/dashboard{how.format(school=school)}")
    signin = page.locator("#login")
    expect(signin).to_be_visible()
    expect(signin).to_contain_text(why)
    expect(signin).to_contain_text("kontakt token kpi_analyst")  # how to get in
    expect(page.locator("main")).to_be_hidden()  # no empty charts
    page.context.close()


def test_the_workspace_reports_its_pipeline_and_metrics(workspace: Workspace) -> None:
    r = httpx.get(f"{workspace.url}/health/pipeline", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "flowing", r.text
    assert "kontakt_workspace_live_streams" in httpx.get(f"{workspace.url}/metrics", timeout=10).text


def test_the_meeting_says_a_unit_has_no_free_times_in_words_not_a_second_zero(chromium: Browser,
                                                                              workspace: Workspace) -> None:
    page = sign_in_as(chromium, workspace.url, "clinician")
    page.goto(f"{workspace.url}/meeting")
    settle(page)
    empty = page.locator("table.meeting tbody tr.risk td:last-child")
    assert empty.count() >= 1  # most units have no times in a test system
    assert {" ".join(t.split()) for t in empty.all_inner_texts()} == {"0 inga lediga"}
    page.context.close()


def test_a_long_pick_list_narrows_as_one_types_and_keeps_what_is_ticked(chromium: Browser, workspace: Workspace) -> None:
    page = sign_in_as(chromium, workspace.url, "call_handler")
    page.goto(f"{workspace.url}/referrals/paper")
    reasons = page.get_by_role("group", name="Orsak till kontakten")
    reasons.get_by_label("Oro, ångest").check()
    search = reasons.get_by_role("searchbox")
    search.fill("somn")  # without the ring over the o: the list forgives it
    shown = [t.strip() for t in reasons.locator("label:visible").all_inner_texts()]
    assert shown == ["Oro, ångest", "Sömn"], shown  # the ticked one stays, the match shows, nothing else
    search.fill("")
    assert reasons.locator("label:visible").count() == reasons.locator("label").count() > 10
    page.context.close()
