"""How a report speaks to an executive: what the run was (size, period, replicates, seed, read
from the run itself), numbers rounded for reading, a verdict per KPI against a reference with
the registry's direction of better, and the scenario file's description only where it cannot
claim a size or period the run did not have.

Text reaching here was HTML-escaped as it was read (sim/report/document.py)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sim.measures.registry import KPIS, format_kpi, kpi_kind, kpi_label
from sim.report.style import PALETTE

BETTER, WORSE, UNCLEAR, NEUTRAL = "better", "worse", "unclear", "neutral"
TONE_COLOURS = {BETTER: PALETTE[2], WORSE: PALETTE[1], UNCLEAR: "#8c8c8c", NEUTRAL: PALETTE[0]}
TONE_WORDS = {BETTER: "better", WORSE: "worse", UNCLEAR: "no detectable change", NEUTRAL: ""}

# A description's claims of size and period, read so as to fail closed: a number beside a
# size word, or any stated period, must be the run's, or the description leaves the header.
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twelve": 12, "twenty": 20, "fifty": 50, "hundred": 100, "a": 1, "an": 1, "half a": 0.5}
SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}
DAYS_IN = {"day": 1, "week": 7, "fortnight": 14, "month": 30.4, "quarter": 91, "year": 365, "decade": 3650}
_WORDS = "|".join(w for w in NUMBER_WORDS if w not in ("a", "an", "half a"))
_SCALE = r"(?:[\s-]*(?P<scale>k|m|thousand|million)\b)?"
_SIZE_WORD = r"(?:members?|customers?|users?|subscribers?|people|accounts?)\b"
SIZE_CLAIM = re.compile(r"(?<![\w,./])(?<!per )(?<!each )(?<!every )(?P<n>\d[\d,]*(?:\.\d+)?|" + _WORDS + ")"
                        + _SCALE + r"[\s-]+(?:[a-z]+[\s-]+){0,2}?" + _SIZE_WORD, re.IGNORECASE)
SIZE_AFTER = re.compile(_SIZE_WORD + r"\s*(?::|of|=)\s*(?P<n>\d[\d,]*(?:\.\d+)?)" + _SCALE, re.IGNORECASE)
PERIOD_CLAIM = re.compile(r"(?:(?<=\s)|^)(?P<before>\w+\s+)??(?P<n>\d[\d,]*(?:\.\d+)?|half a|" + _WORDS
                          + r"|an?)[\s-]+(?P<unit>" + "|".join(DAYS_IN) + r")s?\b", re.IGNORECASE)
PERIOD_WORDS = re.compile(r"\b(annual|annually|yearly|year-long|year long|all year)\b", re.IGNORECASE)
PREPOSITIONS = {"over", "for", "in", "across", "during", "within", "through", "throughout", "of", "after", "about",
                "around", "nearly", "almost", "than", "first", "last", "whole", "entire", "full"}


def _amount(number: str, scale: str | None) -> float | None:
    word = number.lower()
    if word in NUMBER_WORDS:
        value = float(NUMBER_WORDS[word])
    else:
        try:
            value = float(word.replace(",", ""))
        except ValueError:
            return None
    return value * SCALES.get((scale or "").lower(), 1.0)


def _claimed_members(text: str) -> list[float]:
    claims = [_amount(m["n"], m["scale"]) for pattern in (SIZE_CLAIM, SIZE_AFTER) for m in pattern.finditer(text)]
    return [c for c in claims if c is not None] + [float("nan")] * claims.count(None)


def _claimed_days(text: str) -> list[float]:
    """Every period stated; 'a day' after a noun ('minutes a day') is a rate, not a period."""
    found = []
    for m in PERIOD_CLAIM.finditer(text):
        before = (m["before"] or "").strip().lower()
        if m["n"].lower() in ("a", "an") and before and before not in PREPOSITIONS:
            continue
        amount = _amount(m["n"], None)
        found.append(float("nan") if amount is None else amount * DAYS_IN[m["unit"].lower()])
    return found + [365.0] * len(PERIOD_WORDS.findall(text))


MAX_LISTED = 4  # more sizes or periods than this are shown as a range


@dataclass(frozen=True)
class Scope:
    """What was run, from the output itself: never from the scenario file's prose. A crafted
    output's impossible scope (no members, no days, a seed that is not a whole number) is bad
    input, raised as ValueError (build_report names the folder)."""
    members: int | list[int]
    days: float | list[float] | str  # days, each arm's or point's days, or words (facts: each scenario's own)
    runs: str  # "1 run", "2 paired replicates", "12 runs"
    seed: int | None = None
    arms: bool = False  # lists are (A, B): each value is named by its arm

    def __post_init__(self) -> None:
        sizes = self.members if isinstance(self.members, list) else [self.members]
        periods = [] if isinstance(self.days, str) else self.days if isinstance(self.days, list) else [self.days]
        if not sizes or any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in sizes):
            raise ValueError("members: not a whole number of at least 1")
        if any(not math.isfinite(d) or d <= 0 for d in periods):
            raise ValueError("days: not a positive number")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0):
            raise ValueError("seed: not a whole number")

    def line(self) -> str:
        period = self.days if isinstance(self.days, str) else f"{self._listed(self.days)} days"
        parts = [f"{self._listed(self.members)} members", period, self.runs]
        return " \u00b7 ".join(parts + ([f"seed {self.seed}"] if self.seed is not None else []))

    def _listed(self, values: float | list[float]) -> str:
        if not isinstance(values, list):
            return f"{values:,.0f}"
        if self.arms:
            return ", ".join(f"{v:,.0f} ({arm})" for arm, v in zip("AB", values))
        return _listed_numbers(values)


def count_of(value, name: str = "replicates") -> int:
    """A count read from an output (replicates, runs), or ValueError when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 1:
        raise ValueError(f"{name}: not a whole number of at least 1")
    return int(value)


def _listed_numbers(values: list[float]) -> str:
    values = sorted(set(values))
    if len(values) > MAX_LISTED:
        return f"{values[0]:,.0f} to {values[-1]:,.0f} ({len(values)} values)"
    return ", ".join(f"{v:,.0f}" for v in values)


def _authored(name: str) -> bool:
    """A name with spaces or capitals is the author's own wording, kept as written."""
    return " " in name or name != name.lower()


def words_of(name: str) -> str:
    """A scenario's file-style name as words: 'staff_answer_everything' -> 'staff answer everything'."""
    return name if _authored(name) else (name.replace("_", " ").replace("-", " ").strip() or name)


def title_of(name: str) -> str:
    """The name as words, capitalised to open a heading."""
    words = words_of(name)
    return words if _authored(name) else words[:1].upper() + words[1:]


def description_fits(description: str, members: int | list[int], days: float | list[float]) -> bool:
    """Whether every size and period the description states is this run's, and every run's
    (within 5%), so it may stand in the header; a description that states another does not."""
    sizes = members if isinstance(members, list) else [members]
    periods = days if isinstance(days, list) else [days]
    size_ok = all(abs(claim - m) <= 0.05 * m for claim in _claimed_members(description) for m in sizes)
    period_ok = all(abs(claim - d) <= 0.05 * d + 1 for claim in _claimed_days(description) for d in periods)
    return size_ok and period_ok  # a claim that could not be read (NaN) compares false: it fails


def story(description: str, scope: Scope) -> tuple[str, list[str]]:
    """The header's story and any notes: the description when it fits the run; otherwise a
    note that quotes it as the file's, for the file's own settings."""
    if not description or description_fits(description, scope.members, scope.days):
        return description, []
    return "", [f"The scenario file's description, written for the file's own settings rather than this run's: "
                f"\u201c{description}\u201d"]


def rounded(value: float | None, kind: str, currency: str = "$") -> str:
    """A KPI rounded for reading: shares to a tenth of a point, hours to a tenth, counts whole,
    money to three significant figures with k/M for thousands and millions."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if kind == "money":
        return money(value, currency)
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind in ("hours", "minutes"):
        unit = "h" if kind == "hours" else "min"
        return f"{value:,.1f} {unit}" if abs(round(value, 1)) < 100 else f"{value:,.0f} {unit}"
    return format_kpi(value, kind)


def money(value: float, currency: str = "$") -> str:
    """$14.47 -> $14.5, $92,199 -> $92.2k, $1,234,567 -> $1.23M; the sign before the currency."""
    size, sign = abs(value), "-" if value < 0 else ""
    if size < 1:
        return f"{sign}{currency}{size:.2f}"
    size = float(f"{size:.3g}")  # rounded first, so 999,950 reads $1M, not $1e+03k
    for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= scale:
            return f"{sign}{currency}{size / scale:.3g}{suffix}"
    return f"{sign}{currency}{size:.3g}"


def tone(kpi: str, low: float, high: float) -> str:
    """Better, worse or no detectable change for a difference B - A with its interval, by the
    registry's direction; neutral for a KPI where neither direction is better."""
    better = KPIS[kpi].better if kpi in KPIS else None
    if better is None:
        return NEUTRAL
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 <= high:
        return UNCLEAR
    up = low > 0
    return BETTER if up == (better == "higher") else WORSE


def band_tone(kpi: str, value: float, low: float, high: float) -> str:
    """Inside a published band is good; outside it, better or worse by the KPI's direction."""
    if value is None or not math.isfinite(value):
        return UNCLEAR
    if low <= value <= high:
        return BETTER
    better = KPIS[kpi].better if kpi in KPIS else None
    if better is None:
        return WORSE
    return BETTER if (value > high) == (better == "higher") else WORSE


def change_label(kpi: str, a: float, b: float, currency: str) -> str:
    """'50.7% -> 99.6%' for a card."""
    kind = kpi_kind(kpi)
    return f"{rounded(a, kind, currency)} \u2192 {rounded(b, kind, currency)}"


def tally(tones: list[tuple[str, str]]) -> str:
    """'is better on answered within 24 h and deflection; is worse on cost per issue; and shows
    no detectable change in assisted contacts' from (kpi, tone) pairs: each part has its verb."""
    parts = []
    for which, words in ((BETTER, "is better on"), (WORSE, "is worse on"), (UNCLEAR, "shows no detectable change in")):
        names = [kpi_label(k).lower() for k, t in tones if t == which]
        if names:
            parts.append(f"{words} {_listed(names)}")
    if len(parts) > 1:
        parts[-1] = f"and {parts[-1]}"
    return "; ".join(parts)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
