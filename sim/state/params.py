"""The scenario as compiled rules read it: one namedtuple of plain numbers (`w.p`), named by
the flat keywords (`w.p.search_quality`, `w.p.forum_staff_hours_per_day`). Policy kinds
become codes; lists (thresholds) and text stay out and travel as arrays or not at all."""

from __future__ import annotations

from collections import namedtuple

from sim.params.scenario import Scenario, flat_parameter_paths
from sim.params.schema import ForumPolicy, SocialPolicy, field_at

FORUM_KINDS = ForumPolicy.model_fields["kind"].annotation.__args__   # none, immediate, sla, ...
SOCIAL_KINDS = SocialPolicy.model_fields["kind"].annotation.__args__  # ignore, respond_all, ...
FORUM_NONE, FORUM_IMMEDIATE, FORUM_SLA, FORUM_COMMUNITY_FIRST, FORUM_TRIAGE = range(len(FORUM_KINDS))
SOCIAL_IGNORE, SOCIAL_RESPOND_ALL, SOCIAL_LOUDEST_FIRST, SOCIAL_DIALOG = range(len(SOCIAL_KINDS))
KIND_CODES = {"forum_kind": FORUM_KINDS, "social_kind": SOCIAL_KINDS}


def _numeric_keywords() -> dict[str, str]:
    """Flat keyword -> dotted path of every number, switch and kind in the scenario; of a
    capacity (sim/params/schema.py Section), the absolute key, which carries its value
    resolved for the community's size."""
    chosen = {}
    for flat, dotted in flat_parameter_paths().items():
        annotation = field_at(dotted).annotation
        if flat in KIND_CODES or annotation in (int, float, bool) or annotation == float | None and _is_absolute(dotted):
            chosen[flat] = dotted
    return chosen


def _is_absolute(dotted: str) -> bool:
    *path, name = dotted.split(".")
    section = Scenario
    for part in path:
        section = section.model_fields[part].annotation
    return name in dict(section.CAPACITIES)


KEYWORDS = _numeric_keywords()
CAPACITY_PATHS = frozenset(dotted for dotted in KEYWORDS.values() if _is_absolute(dotted))
KernelParams = namedtuple("KernelParams", list(KEYWORDS))


def kernel_params(config: Scenario) -> KernelParams:
    """Every scalar parameter, typed exactly as its schema field (floats as floats even
    where the file gave an integer), so every scenario compiles to the same kernel."""
    values = []
    for flat, dotted in KEYWORDS.items():
        value, section = config, config
        for part in dotted.split("."):
            section, value = value, getattr(value, part)
        if dotted in CAPACITY_PATHS:
            value = section.capacity(part, config.population.members)
        elif flat in KIND_CODES:
            value = KIND_CODES[flat].index(value)
        elif field_at(dotted).annotation in (int, float, bool):
            value = field_at(dotted).annotation(value)
        values.append(value)
    return KernelParams(*values)
