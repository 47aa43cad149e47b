"""Words for the codes that cross services (contracts/labels.yaml), Swedish and English, for screens and messages."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

FILE = Path(__file__).with_name("labels.yaml")
Pair = tuple[str, str]


@cache
def labels() -> dict[str, dict[str, Pair]]:
    """kind -> code -> (sv, en), in the file's order; checked once: every entry has exactly two texts."""
    raw = yaml.safe_load(FILE.read_text(encoding="utf-8"))["kinds"]
    out: dict[str, dict[str, Pair]] = {}
    for kind, codes in raw.items():
        for code, pair in codes.items():
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) and p for p in pair)):
                raise ValueError(f"{FILE.name}: {kind}.{code} needs [Swedish, English], not {pair!r}")
        out[kind] = {str(code): (pair[0], pair[1]) for code, pair in codes.items()}
    return out


def label(kind: str, code: str | None, lang: str = "sv") -> str:
    """The words for a code; an unknown code (e.g. an ICD-10 code from EDI) is shown as it is."""
    if code is None:
        return "–"
    pair = labels().get(kind, {}).get(code)
    return (pair[1] if lang == "en" else pair[0]) if pair else code


def choices(kind: str, lang: str = "sv") -> list[tuple[str, str]]:
    """(code, words) of a kind in the file's order, for a pick list."""
    return [(code, pair[1] if lang == "en" else pair[0]) for code, pair in labels().get(kind, {}).items()]
