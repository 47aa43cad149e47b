"""`make up` and `make demo` print the dashboard's link whole: one line to copy, and the same in a file."""
from __future__ import annotations

from pathlib import Path

import pytest

from kontakt.cli import show_dashboard


def test_the_dashboard_link_is_one_unwrapped_line_and_written_to_a_file(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    link = show_dashboard(tmp_path, 8105)
    out = capsys.readouterr().out.splitlines()
    urls = [line for line in out if line.startswith("http://127.0.0.1:8105/dashboard#token=")]
    assert len(urls) == 1, out
    token = urls[0].split("#token=", 1)[1]
    assert token.count(".") == 2 and " " not in token  # a whole JWT on the line: header.claims.signature
    assert link.read_text(encoding="utf-8").strip() == urls[0]
    assert str(link) in " ".join(out).replace("\n", "")
