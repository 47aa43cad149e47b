"""Counts the `# type: ignore` comments in product code and names those without a one-line reason."""
from __future__ import annotations

import re
import sys
from pathlib import Path

PRODUCT = ("contracts", "services", "kontakt")
LIMIT = 20
# `# type: ignore[code]  # why` : the reason is a second comment on the same line
_IGNORE = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?(?P<rest>.*)$")


def ignores(root: Path) -> list[tuple[Path, int, str]]:
    """(file, line number, reason or '') of every ignore in product code, migrations left out."""
    found = []
    for top in PRODUCT:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = _IGNORE.search(line)
                if m:
                    found.append((path.relative_to(root), n, m.group("rest").strip().lstrip("#").strip()))
    return found


def main() -> int:
    found = ignores(Path(__file__).resolve().parent.parent)
    unexplained = [(p, n) for p, n, why in found if not why]
    print(f"{len(found)} '# type: ignore' in product code (limit {LIMIT}); {len(unexplained)} without a reason")
    for p, n in unexplained:
        print(f"  {p}:{n}: no reason given")
    return 0 if len(found) <= LIMIT and not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
