"""Photograph every workspace screen and the KPI dashboard at 1366x768, in Swedish and English, into docs/screenshots.

Starts the whole system on free ports in a temporary directory (so it never meets a `kontakt up` already running),
tells the browser tests' story (tests/browser/story.py) and, with --demo-days N, the demo's last N days on top,
then visits tests/browser/screens.py's SCREENS as their roles. `name.png` is Swedish, `name-en.png` English.

    .venv/bin/python scripts/screenshots.py [--demo-days 3] [--out docs/screenshots]

With --attach, it photographs the system `make up` runs (its data directory, default .kontakt, and default ports)
instead, after `make demo`: what a newcomer sees. The story is told there too (a few more cases).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from kontakt.system import APPS, SERVICES, System, ports_from  # noqa: E402
from services.chassis.issuer import LocalIssuer  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402
from tests.browser.screens import SCREENS, new_page, settle, sign_in_as  # noqa: E402
from tests.browser.story import Story, tell  # noqa: E402
from tests.e2e.conftest import quiet_hours_away_from_now  # noqa: E402


def shoot(browser: Browser, urls: dict[str, str], issuer: LocalIssuer, story: Story, out: Path) -> list[Path]:
    shots: list[Path] = []
    for lang in ("sv", "en"):
        suffix = "" if lang == "sv" else "-en"
        for screen in SCREENS:
            if screen.role:
                page = sign_in_as(browser, urls["workspace"], screen.role, screen.unit, lang)
                page.goto(urls["workspace"] + screen.path.format(**story.__dict__))
            else:
                page = new_page(browser)
                page.goto(f"{urls['workspace']}{screen.path}?lang={lang}")
            settle(page)
            shots.append(out / f"{screen.name}{suffix}.png")
            page.screenshot(path=str(shots[-1]))
            page.context.close()
    page = new_page(browser)
    page.goto(f"{urls['kpi']}/dashboard#token={issuer.token('kpi_analyst')}")
    page.wait_for_function("document.body.dataset.loaded >= 1", timeout=60_000)
    shots.append(out / "kpi-dashboard.png")
    page.screenshot(path=str(shots[-1]))
    page.context.close()
    page = new_page(browser)  # a fresh context holds no token: the sign-in that says what is wrong
    page.goto(f"{urls['kpi']}/dashboard")
    page.locator("#login").wait_for()
    shots.append(out / "kpi-dashboard-signin.png")
    page.screenshot(path=str(shots[-1]))
    page.context.close()
    return shots


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--demo-days", type=int, default=0, help="Also run the demo's last N days (0: the story only).")
    args.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args.add_argument("--attach", type=Path, default=None, metavar="DATA_DIR",
                      help="Photograph the running `kontakt up` whose data is in DATA_DIR (e.g. .kontakt).")
    opts = args.parse_args()
    if opts.attach:
        ports = ports_from(0)[0]
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        photograph(urls, LocalIssuer(opts.attach / "keys"), opts.out)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="kontakt-shots-"))
    ports = {name: free_port() for name in [*SERVICES, *APPS]}
    system = System(data_dir=data_dir, broker_port=free_port(), ports=ports, sink_ports=(free_port(), free_port()),
                    controller_port=free_port(),
                    extra_env={"NOTIFICATIONS_POLICY_FILE": str(quiet_hours_away_from_now(data_dir))})
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    issuer = LocalIssuer(data_dir / "keys")
    try:
        system.start()
        if opts.demo_days:
            from kontakt.demo import main as demo

            demo(data_dir, urls, 42, opts.demo_days, 1.0)
        photograph(urls, issuer, opts.out)
    finally:
        system.stop()


def photograph(urls: dict[str, str], issuer: LocalIssuer, out: Path) -> None:
    story = tell(urls, issuer)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for shot in shoot(browser, urls, issuer, story, out):
            print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
        browser.close()


if __name__ == "__main__":
    main()
