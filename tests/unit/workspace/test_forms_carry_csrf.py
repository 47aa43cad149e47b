"""Every form that writes carries the CSRF token the edge asks for (services/workspace/edge.py): a plain POST form
has the hidden field, an htmx form sends it from the page's `hx-headers`. A form added without it is refused in
the browser with "Sidan var för gammal" — this finds it before a person does."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "services" / "workspace" / "templates"
FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)


def test_every_plain_post_form_has_the_csrf_field() -> None:
    missing = []
    for page in sorted(TEMPLATES.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for m in FORM.finditer(text):
            tag = m.group(0)
            if 'method="post"' not in tag.lower() or "hx-" in tag:
                continue
            if not text[m.end():m.end() + 120].lstrip().startswith('<input type="hidden" name="csrf_token"'):
                missing.append(f"{page.name}: {tag}")
    assert not missing, missing


def test_htmx_writes_send_the_token_from_the_page() -> None:
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "hx-headers='{\"X-CSRF-Token\": \"{{ csrf }}\"}'" in base


def test_a_text_named_from_an_unknown_code_shows_the_code_instead_of_failing_the_page() -> None:
    from services.workspace.i18n import translator

    t = translator("sv")
    assert t("cb_take") != "cb_take"  # a known key has words
    assert t("cb_reason_something_new") == "cb_reason_something_new"  # once a KeyError: the whole panel a 500
