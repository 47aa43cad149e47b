"""The KPI dashboard in a real headless Chromium: it loads, its charts draw from the API, a filter changes
them, and it looks like the committed baseline screenshot."""
from __future__ import annotations

import base64
import os

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import BASELINE, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm")
    yield context.new_page()
    context.close()


def bars(page: Page, chart: str) -> list[tuple[str, str, float]]:
    return page.eval_on_selector_all(
        f'svg[data-chart="{chart}"] rect.bar',
        "els => els.map(e => [e.dataset.series, e.dataset.category, Number(e.dataset.value)])")


def loaded(page: Page, n: int, timeout: float = 5_000) -> None:
    """Wait for the n-th full refresh by a CSS selector: the page's CSP allows no eval, so no wait_for_function."""
    page.locator(f'body[data-loaded="{n}"]').wait_for(state="attached", timeout=timeout)


def loads(page: Page) -> int:
    return int(page.evaluate("document.body.dataset.loaded || 0"))


def diff_ratio(page: Page, a: bytes, b: bytes) -> float:
    """Share of pixels that differ noticeably, computed by the browser itself (no imaging library here)."""
    return page.evaluate("""async ([a, b]) => {
        const load = src => new Promise(ok => { const i = new Image(); i.onload = () => ok(i); i.src = src; });
        const [x, y] = await Promise.all([load(a), load(b)]);
        if (x.width !== y.width || x.height !== y.height) return 1;
        const px = img => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
            const g = c.getContext('2d'); g.drawImage(img, 0, 0); return g.getImageData(0, 0, c.width, c.height).data; };
        const p = px(x), q = px(y); let diff = 0;
        for (let i = 0; i < p.length; i += 4)
            if (Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2]) > 48) diff++;
        return diff / (p.length / 4);
    }""", ["data:image/png;base64," + base64.b64encode(a).decode(), "data:image/png;base64," + base64.b64encode(b).decode()])


def test_dashboard_draws_every_chart_from_the_api_filters_and_matches_the_baseline(page: Page, dashboard_url: str,
                                                                                   issuer) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{dashboard_url}/dashboard#token={issuer.token('kpi_analyst')}")
    try:
        loaded(page, 1, timeout=15_000)
    except Exception:
        raise AssertionError(f"dashboard did not load: {page.locator('#status').inner_text()} {errors}") from None
    assert page.locator("#status").inner_text().startswith("Uppdaterad")
    # the token went to an HttpOnly cookie: nothing in the browser's storage, nothing a script can read
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0
    assert page.evaluate("document.cookie") == "" and "token" not in page.url

    shares = bars(page, "assessment_3d")
    assert len(shares) == 12 and all(0 <= v <= 1 for _, _, v in shares)  # Jan-Dec 2023, one bar a month
    # the default period starts at the first month with data, not a year of empty bars before it
    assert page.input_value('input[name="from"]') == "2023-01"
    for chart in ("calls", "callbacks-day", "callbacks-hour", "referrals_by_channel", "school_referrals",
                  "triage_split", "waits", "deviations"):
        assert bars(page, chart), f"{chart} drew no bars"
    # call-backs by hour of day: the chart sums the API's rows per hour
    per_hour = page.evaluate("""async () => (await (await fetch('/api/kpi/figures/callbacks?from=2023-01&to=2023-12&by=hour'
        )).json()).rows""")  # the page's session cookie signs the request in
    drawn = {cat: v for s, cat, v in bars(page, "callbacks-hour") if s.startswith("Lovade")}
    assert drawn["09"] == sum(r["promised"] for r in per_hour if r["hour"] == "09") > 0
    assert int(page.locator('td[data-key="children"]').inner_text()) > 0
    assert "C-ATRISK000001" in page.locator('table[data-chart="clocks"]').inner_text()

    # the chart shows what the API says for the same filters
    api = page.evaluate("""async () => (await (await fetch('/api/kpi/figures/assessment_3d?from=2022-12&to=2023-12'
        )).json()).rows""")
    # the 3-day promise is read by contact cohort by default, and the chart says so
    assert [v for _, _, v in shares] == [r["share_met_cohort"] for r in api if r["share_met_cohort"] is not None]
    assert "Kontaktkohort" in page.locator('section[data-figure="assessment_3d"] .basis').inner_text()
    assert "Genomförda" in page.locator('section[data-figure="waits"] .basis').inner_text()
    page.select_option('select[name="basis"]', "completed")
    loaded(page, 2)
    assert [v for _, _, v in bars(page, "assessment_3d")] == [r["share_met"] for r in api if r["share_met"] is not None]
    page.select_option('select[name="basis"]', "")
    loaded(page, 3)

    # equal care: all 15 municipalities side by side, girls and boys, the same figures as the API's
    place = page.locator('table[data-by="municipality"] tr[data-value]')
    assert place.count() == 15
    umea = page.locator('table[data-by="municipality"] tr[data-value="Umeå"] td[data-key="assessment_3d"]').inner_text()
    eq = page.evaluate("""async () => (await (await fetch('/api/kpi/equal-care?from=2023-01&to=2023-12&by=municipality'
        )).json()).rows""")
    assert umea == f"{round(next(r for r in eq if r['municipality'] == 'Umeå')['assessment_3d'] * 100)}%"
    assert page.locator('table[data-by="municipality"] tr[data-value="Malå"] td[data-key="assessment_3d"]').inner_text() == "–"
    assert page.locator('table[data-by="sex"] tr[data-value]').count() == 2

    before = bars(page, "referrals_by_channel")
    page.select_option('select[name="municipality"]', "Sorsele")
    loaded(page, 4)
    after = bars(page, "referrals_by_channel")
    assert sum(v for _, _, v in after) < sum(v for _, _, v in before)
    page.select_option('select[name="municipality"]', "")
    loaded(page, 5)

    shot = page.screenshot(full_page=True, mask=[page.locator("#status")], animations="disabled")
    if os.environ.get("KPI_UPDATE_BASELINE") == "1" or not BASELINE.exists():
        BASELINE.write_bytes(shot)
        pytest.fail(f"baseline screenshot written to {BASELINE}; review it, commit it and run again")
    assert diff_ratio(page, shot, BASELINE.read_bytes()) < 0.02


def test_a_slow_answer_for_an_older_filter_never_overwrites_the_newer_one(page: Page, dashboard_url: str,
                                                                       issuer) -> None:  # type: ignore[no-untyped-def]
    """Sorsele is asked first and answered slowly; Lycksele is asked next. The screen must end on Lycksele."""
    page.add_init_script("""(() => {
        const real = window.fetch;
        window.fetch = async (url, opts) => {
            if (String(url).includes("Sorsele")) await new Promise(ok => setTimeout(ok, 1500));
            return real(url, opts);  // an aborted request rejects here instead of answering late
        };
    })();""")
    page.goto(f"{dashboard_url}/dashboard#token={issuer.token('kpi_analyst')}")
    loaded(page, 1, timeout=15_000)
    page.select_option('select[name="municipality"]', "Sorsele")
    page.select_option('select[name="municipality"]', "Lycksele")
    loaded(page, 2)
    page.wait_for_timeout(2500)  # well past the slow Sorsele answers
    assert loads(page) == 2  # the Sorsele refresh never finished: it was aborted
    shown = sorted((s, c, float(v)) for s, c, v in bars(page, "referrals_by_channel"))
    api = page.evaluate("""async () => (await (await fetch(
        '/api/kpi/figures/referrals_by_channel?from=2023-01&to=2023-12&municipality=Lycksele'
        )).json()).rows""")
    channels = {"edi": "EDI", "paper": "Papper / Paper", "phone": "Telefon / Phone", "partner": "Samverkan / Partner",
                "school_form": "Skolformulär / School form"}
    expected = sorted((name, r["period"], float(r[k])) for r in api for k, name in channels.items() if r[k])
    assert [b for b in shown if b[2]] == expected
    assert page.locator("#status").inner_text().startswith("Uppdaterad")
