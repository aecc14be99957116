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

BETTER, WORSE, UNCLEAR, NEUTRAL = "better", "worse", "unclear", "neutral"
TONE_COLOURS = {BETTER: "#2ca02c", WORSE: "#d62728", UNCLEAR: "#8c8c8c", NEUTRAL: "#1f77b4"}
TONE_WORDS = {BETTER: "better", WORSE: "worse", UNCLEAR: "no detectable change", NEUTRAL: ""}

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twelve": 12}  # not "a": "hours a day" is a rate, not a period
DAYS_IN = {"day": 1, "week": 7, "month": 30.4, "year": 365}
MEMBER_CLAIM = re.compile(r"(?<![\d,.])(?<!per )(?<!each )(\d[\d,.]*)\s*(k|thousand|million)?\s+(?:\w+[\s-]+){0,2}(?:members|customers|users)\b",
                          re.IGNORECASE)
PERIOD_CLAIM = re.compile(r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")[\s-]+(day|week|month|year)s?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Scope:
    """What was run, from the output itself: never from the scenario file's prose."""
    members: int | list[int]
    days: float | str  # a number of days, or words where scenarios keep their own periods
    runs: str  # "1 run", "2 paired replicates", "12 runs"
    seed: int | None = None

    def line(self) -> str:
        members = self.members if isinstance(self.members, list) else [self.members]
        size = (f"{members[0]:,} members" if len(members) == 1
                else f"{', '.join(f'{m:,}' for m in members)} members")
        period = self.days if isinstance(self.days, str) else f"{self.days:,.0f} days"
        parts = [size, period, self.runs] + ([f"seed {self.seed}"] if self.seed is not None else [])
        return " \u00b7 ".join(parts)


def words_of(name: str) -> str:
    """A scenario's file-style name as words ('staff_answer_everything' -> 'staff answer
    everything'); a name with spaces or capitals is the author's, and stays as written."""
    if " " in name or name != name.lower():
        return name
    return name.replace("_", " ").replace("-", " ").strip() or name


def title_of(name: str) -> str:
    """The name as words, capitalised to open a heading."""
    if " " in name or name != name.lower():
        return name
    words = words_of(name)
    return words[:1].upper() + words[1:]


def _claimed_members(text: str) -> list[float]:
    scale = {"k": 1e3, "thousand": 1e3, "million": 1e6}
    found = []
    for number, unit, in ((m.group(1), m.group(2)) for m in MEMBER_CLAIM.finditer(text)):
        try:
            found.append(float(number.replace(",", "").rstrip(".")) * scale.get((unit or "").lower(), 1))
        except ValueError:
            continue
    return found


def _claimed_days(text: str) -> list[float]:
    return [(int(n) if n.isdigit() else NUMBER_WORDS[n.lower()]) * DAYS_IN[unit.lower()]
            for n, unit in PERIOD_CLAIM.findall(text)]


def description_fits(description: str, members: int | list[int], days: float) -> bool:
    """Whether every size and period the description states is this run's (within 5%), so it
    may stand in the header; a description that states another size or period does not."""
    sizes = members if isinstance(members, list) else [members]
    if isinstance(days, str):  # periods differ by scenario: no stated period can be vouched for
        return not _claimed_days(description) and all(
            any(abs(c - m) <= 0.05 * m for m in sizes) for c in _claimed_members(description))
    size_ok = all(any(abs(claim - m) <= 0.05 * m for m in sizes) for claim in _claimed_members(description))
    period_ok = all(abs(claim - days) <= 0.05 * days + 1 for claim in _claimed_days(description))
    return size_ok and period_ok


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
        return f"{value:,.1f} {unit}" if abs(value) < 100 else f"{value:,.0f} {unit}"
    return format_kpi(value, kind)


def money(value: float, currency: str = "$") -> str:
    """$14.47 -> $14.5, $92,199 -> $92.2k, $1,234,567 -> $1.23M; the sign before the currency."""
    size, sign = abs(value), "-" if value < 0 else ""
    for scale, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= scale:
            return f"{sign}{currency}{size / scale:.3g}{suffix}"
    return f"{sign}{currency}{size:.3g}" if size >= 1 else f"{sign}{currency}{size:.2f}"


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
    """'better on answered within 24 h and deflection; worse on cost per issue; and shows no
    detectable change in assisted contacts' from (kpi, tone) pairs."""
    parts = []
    for which, words in ((BETTER, "better on"), (WORSE, "worse on"), (UNCLEAR, "shows no detectable change in")):
        names = [kpi_label(k).lower() for k, t in tones if t == which]
        if names:
            parts.append(f"{words} {_listed(names)}")
    if len(parts) > 1:
        parts[-1] = f"and {parts[-1]}"
    return "; ".join(parts)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
