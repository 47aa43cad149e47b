"""What counts as a code on a screen: snake_case, unit ids, event type names, staff ids, and ids a test made.

Staff read words. What may stay is short and named here: case numbers (C-…) and school referral references
(SR-…), which people quote on the phone, and standard abbreviations (BUP, KC, EDI, SMS, T) that are words.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from playwright.sync_api import Page

from contracts.registry import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
UNIT_IDS = sorted((u["unit_id"] for u in yaml.safe_load((ROOT / "services/booking/data/units.yaml").read_text())["units"]),
                  key=len, reverse=True)
GUIDE_RULES = [r["id"] for r in yaml.safe_load((ROOT / "services/triage/data/care_level_guide.yaml").read_text())["rules"]]
# the call platform's steps travel as events too (CallOffered, QueueFull, …): all are in the registry
EVENT_NAMES = sorted(EVENT_TYPES, key=len, reverse=True)

PATTERNS: dict[str, re.Pattern[str]] = {
    "snake_case": re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-])"),
    "unit id": re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, UNIT_IDS)) + r"|kc)(?![\w-])"),
    "event type": re.compile(r"(?<!\w)(?:" + "|".join(EVENT_NAMES) + r")(?!\w)"),
    "guide rule id": re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, GUIDE_RULES)) + r")(?![\w-])"),
    "staff id": re.compile(r"(?<![\w-])S-[A-Z0-9]+(?:[-_][A-Z0-9]+)*(?![\w-])"),
}

# Everything a person can read: the rendered text (hidden elements excluded by innerText), the options of
# every list, placeholders and tooltips, and the names screen readers announce.
# A command to type (in <code>, e.g. `kontakt token kpi_analyst`) is exact by nature and is left out.
VISIBLE_TEXT_JS = """() => {
  let body = document.body.innerText;
  for (const c of document.querySelectorAll('code')) {
    const typed = c.innerText.trim();  // empty when folded away (a closed <details>): nothing shown to leave out
    if (typed) body = body.split(typed).join(' ');
  }
  const parts = [document.title, body];
  for (const o of document.querySelectorAll('option')) parts.push(o.textContent);
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    for (const a of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
  }
  return parts.join('\\n');
}"""


def codes_in(text: str, raw_ids: Sequence[str] = ()) -> list[str]:
    """Each code found, with the line it sits on, so a failure reads as what a person saw."""
    found: list[str] = []
    for line in text.splitlines():
        for kind, pattern in PATTERNS.items():
            found += [f"{kind} {m.group(0)!r} in {line.strip()[:140]!r}" for m in pattern.finditer(line)]
        found += [f"raw id {i!r} in {line.strip()[:140]!r}" for i in raw_ids if i and i in line]
    return found


def codes_on(page: Page, raw_ids: Sequence[str] = ()) -> list[str]:
    return codes_in(str(page.evaluate(VISIBLE_TEXT_JS)), list(raw_ids))
