"""The guide's reasons as sentences. Triage explains a fired rule by the values that made it fire, in its own
short grammar ("2 scales at signal (generalised_anxiety, low_mood) >= 1", services/triage/domain/guide.py);
staff read it here with the scales named in words: "2 skalor på signalnivå: Generell oro och Nedstämdhet"."""
from __future__ import annotations

import re
from collections.abc import Callable

from contracts.labels import label

Titles = Callable[[str], str]  # scale id -> its title in the person's language

WORDS = {
    "and": (" och ", " and "), "or": (" eller ", " or "), "not": ("inte: {x}", "not: {x}"),
    "scales": ("{n} skalor på {band}: {names} (minst {need} behövs)", "{n} scales at {band}: {names} (at least {need} needed)"),
    "scale": ("1 skala på {band}: {names} (minst {need} behövs)", "1 scale at {band}: {names} (at least {need} needed)"),
    "no_scale": ("ingen skala på {band} (minst {need} behövs)", "no scale at {band} (at least {need} needed)"),
    "band": ("{scale}: {band}", "{scale}: {band}"), "not_scored": ("{scale}: inte bedömd", "{scale}: not scored"),
    "t": ("{scale}: T-poäng {value} (gräns {limit})", "{scale}: T score {value} (limit {limit})"),
    "raw": ("{scale}: poäng {value} (gräns {limit})", "{scale}: score {value} (limit {limit})"),
    "risk": ("risksignal ({severity}): {flags}", "risk signal ({severity}): {flags}"),
    "no_risk": ("ingen risksignal ({severity})", "no risk signal ({severity})"),
    "age_min": ("ålder {age} år (från {limit} år)", "age {age} ({limit} or older)"),
    "age_max": ("ålder {age} år (högst {limit} år)", "age {age} ({limit} or younger)"),
    "band_signal": ("signalnivå", "signal level"), "band_elevated": ("förhöjd nivå", "elevated level"),
    "band_normal": ("normalnivå", "normal level"),
}

LEAVES: list[tuple[str, re.Pattern[str]]] = [
    ("signals", re.compile(r"^(\d+) scales at (\w+) \(([^)]*)\) >= (\d+)$")),
    ("t", re.compile(r"^(\w+) T=(\S+) >= (\S+)$")),
    ("raw", re.compile(r"^(\w+) raw=(\S+) >= (\S+)$")),
    ("band", re.compile(r"^(\w+) band=(.+)$")),
    ("risk", re.compile(r"^risk (\w+): (.+)$")),
    ("age_min", re.compile(r"^age (\d+) >= (\d+)$")),
    ("age_max", re.compile(r"^age (\d+) <= (\d+)$")),
]


def sentence(because: str, lang: str, titles: Titles) -> str:
    """The whole reason in words; a part it cannot read is left as triage wrote it (a test guards the grammar)."""
    i = 1 if lang == "en" else 0
    text = because.strip()
    if text.startswith("not (") and _closing(text, 4) == len(text) - 1:
        return WORDS["not"][i].format(x=sentence(text[5:-1], lang, titles))
    for joiner in ("and", "or"):
        parts = _split(text, f" {joiner} ")
        if len(parts) > 1:
            return WORDS[joiner][i].join(sentence(p, lang, titles) for p in parts)
    return _leaf(text, i, lang, titles)


def _leaf(text: str, i: int, lang: str, titles: Titles) -> str:
    for kind, pattern in LEAVES:
        m = pattern.match(text)
        if m is None:
            continue
        g = m.groups()
        if kind == "signals":
            names = [titles(s.strip()) for s in g[2].split(",") if s.strip() and s.strip() != "none"]
            key = "no_scale" if not names else "scale" if len(names) == 1 else "scales"
            return WORDS[key][i].format(n=len(names), band=_band(g[1], i), names=_listing(names, i), need=g[3])
        if kind in ("t", "raw"):
            return WORDS[kind][i].format(scale=titles(g[0]), value=g[1], limit=g[2])
        if kind == "band":
            if g[1] == "not scored":
                return WORDS["not_scored"][i].format(scale=titles(g[0]))
            return WORDS["band"][i].format(scale=titles(g[0]), band=_band(g[1], i))
        if kind == "risk":
            flags = [label("risk_flag", f.strip(), lang) for f in g[1].split(",") if f.strip() != "none"]
            severity = label("severity", g[0], lang)
            return WORDS["risk"][i].format(severity=severity, flags=_listing(flags, i)) if flags else \
                WORDS["no_risk"][i].format(severity=severity)
        return WORDS[kind][i].format(age=g[0], limit=g[1])
    return text


def _band(band: str, i: int) -> str:
    pair = WORDS.get(f"band_{band}")
    return pair[i] if pair else band


def _listing(names: list[str], i: int) -> str:
    """'A', 'A och B', 'A, B och C' (or 'and')."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + WORDS["and"][i] + names[-1]


def _closing(text: str, start: int) -> int:
    depth = 0
    for pos in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[pos], 0)
        if depth == 0:
            return pos
    return -1


def _split(text: str, sep: str) -> list[str]:
    """Split at `sep` outside parentheses (a leaf's own list, '(a, b)', stays whole)."""
    parts, depth, start, pos = [], 0, 0, 0
    while pos < len(text):
        depth += {"(": 1, ")": -1}.get(text[pos], 0)
        if depth == 0 and text.startswith(sep, pos):
            parts.append(text[start:pos])
            pos += len(sep)
            start = pos
            continue
        pos += 1
    parts.append(text[start:])
    return parts
