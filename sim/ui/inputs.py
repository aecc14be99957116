"""The app's inputs: which scenario settings the sidebar offers, their ranges and units, and
how a set of chosen values becomes a model.

Every input is a real scenario setting, named by CommunityModel's flat keyword (`members`,
`forum_kind`, `points_enabled`) and kept inside the schema's bounds. A staffing level is
offered in the form the base scenario gives it (absolute, or per 1,000 members), so the app
starts as the file describes. The seed is the model's `rng`, not a scenario setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import reduce
from typing import Any, Callable

from sim.model import CommunityModel
from sim.params.scenario import SCENARIOS_DIR, Scenario, flat_parameter_paths, load_scenario

SCENARIO_ENV = "COMMUNITY_SIM_APP_SCENARIO"
DEFAULT_SCENARIO = SCENARIOS_DIR / "baseline.toml"
DEFAULT_MEMBERS = 2000  # the app starts at most this big, so a simulated day steps in milliseconds
SEED = "rng"


@dataclass(frozen=True)
class Setting:
    """One input: a slider (`low`..`high` by `step`), a switch, a choice (`choices`: value and
    label) or the seed; `show` writes a value with its unit."""

    key: str
    label: str
    group: str
    show: Callable[[Any], str] = str
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    choices: tuple[tuple[str, str], ...] = ()
    kind: str = "slider"

    def clean(self, value: Any) -> Any:
        """A value from the browser as the schema types it: a whole number for a whole-number
        slider, a float rounded to the slider's step (no 0.6500000001), a bool for a switch,
        a seed of zero or more."""
        if self.kind == "switch":
            return bool(value)
        if self.kind == "choice":
            return value
        if self.kind == "seed":
            return max(0, int(value))
        if float(self.step).is_integer() and float(self.low).is_integer():
            return int(round(float(value)))
        return round(float(value), len(f"{self.step:g}".partition(".")[2]))


def _per(unit: str, digits: int = 2) -> Callable[[Any], str]:
    return lambda value: f"{value:,.{digits}f} {unit}"


def _capacity(path: str, absolute: str, per_size: str, label: str, group: str, unit: str,
              high: tuple[float, float], step: tuple[float, float], base: Scenario) -> Setting:
    """A staffing level in the form the base scenario uses: `absolute` (e.g. staff hours a
    day) unless the file gives it per 1,000 members."""
    flat = {dotted: key for key, dotted in flat_parameter_paths().items()}
    section = reduce(getattr, path.split("."), base)
    if getattr(section, absolute) is not None:
        return Setting(flat[f"{path}.{absolute}"], label, group, _per(unit), 0.0, high[0], step[0])
    return Setting(flat[f"{path}.{per_size}"], f"{label} per 1,000 members", group,
                   _per(f"{unit} per 1,000 members", 3), 0.0, high[1], step[1])


FORUM_POLICIES = (("none", "None: members answer alone"), ("immediate", "Staff answer at once"),
                  ("sla", "Staff answer what waits past the SLA"),
                  ("community_first", "Community first, staff take the hardest"),
                  ("triage", "Staff take only the difficult"))
SOCIAL_POLICIES = (("ignore", "Ignore public complaints"), ("respond_all", "Reply to every complaint"),
                   ("loudest_first", "Reply to the loudest first"), ("dialog", "Reply, then move to private"))
RUN, COMMUNITY, POLICY, REWARDS = "Run", "Community", "Response policy", "Reward scheme"


def build_settings(base: Scenario) -> tuple[Setting, ...]:
    """The inputs, their ranges widened where the base scenario's value lies outside them."""
    money = base.costs.currency
    settings = (
        Setting("members", "Members at the start", RUN, lambda v: f"{v:,} members", 100, 20_000, 100),
        Setting("days", "Days to simulate", RUN, lambda v: f"{v:,} days", 30, 730, 5),
        Setting(SEED, "Seed", RUN, str, kind="seed"),
        Setting("search_quality", "Search finds an existing answer", COMMUNITY, lambda v: f"{v:.0%}", 0.0, 1.0, 0.05),
        Setting("online_hours_median", "Time a member gives to answering (median)", COMMUNITY,
                lambda v: f"{60 * v:.1f} min a week", 0.0, 2.0, 0.005),
        Setting("patience_hours", "Asker's patience before escalating", COMMUNITY, _per("h", 0), 4.0, 168.0, 4.0),
        Setting("utility_social", "Pull of complaining in public", COMMUNITY,
                lambda v: f"{v:+.2f} (utility; 0 is neutral)", -6.0, 2.0, 0.25),
        Setting("forum_kind", "Staff in the forum", POLICY, kind="choice", choices=FORUM_POLICIES),
        _capacity("policy.forum", "staff_hours_per_day", "staff_hours_per_1000_members", "Forum staff time",
                  POLICY, "h a day", (40.0, 5.0), (0.5, 0.01), base),
        Setting("social_kind", "Replies on social media", POLICY, kind="choice", choices=SOCIAL_POLICIES),
        _capacity("policy.social", "team_hours_per_day", "team_hours_per_1000_members", "Social team time",
                  POLICY, "h a day", (40.0, 5.0), (0.5, 0.01), base),
        _capacity("contact_centre", "agents", "agents_per_1000_members", "Contact-centre agents on shift",
                  POLICY, "agents", (20.0, 0.2), (0.5, 0.005), base),
        Setting("points_enabled", "Points and ranks", REWARDS, _on_off, kind="switch"),
        Setting("badges_enabled", "Badges", REWARDS, _on_off, kind="switch"),
        Setting("leaderboard_enabled", "Leaderboard", REWARDS, _on_off, kind="switch"),
        Setting("programme_enabled", "Super-user programme", REWARDS, _on_off, kind="switch"),
        Setting("pay_enabled", "Pay per accepted answer", REWARDS, _on_off, kind="switch"),
        Setting("pay_per_accepted", "Payment per accepted answer", REWARDS,
                lambda v: f"{money}{v:,.2f}", 0.0, 50.0, 0.5),
    )
    values = base_values(base, settings)
    return tuple(_widened(setting, values[setting.key]) for setting in settings)


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def _widened(setting: Setting, value: Any) -> Setting:
    if setting.kind != "slider":
        return setting
    return replace(setting, low=min(setting.low, value), high=max(setting.high, value))


def base_values(base: Scenario, settings) -> dict[str, Any]:
    """The base scenario's value of each input (members at most DEFAULT_MEMBERS; the seed
    the file's own)."""
    paths = flat_parameter_paths()
    values = {s.key: reduce(getattr, paths[s.key].split("."), base) for s in settings if s.key != SEED}
    values["members"] = min(values["members"], DEFAULT_MEMBERS)
    values[SEED] = base.scenario.seed
    return values


def build_model(base: Scenario, inputs: dict[str, Any]) -> CommunityModel:
    """A model of the base scenario with the inputs set (the seed as its `rng`)."""
    overrides = {key: value for key, value in inputs.items() if key != SEED}
    return CommunityModel(scenario=base, rng=inputs[SEED], **overrides)


def changes(settings, applied: dict[str, Any], pending: dict[str, Any]) -> list[tuple[Setting, Any, Any]]:
    """(setting, value the model runs with, value waiting for Reset) of each changed input."""
    return [(s, applied[s.key], pending[s.key]) for s in settings if pending[s.key] != applied[s.key]]


def load_base() -> Scenario:
    """The base scenario: the file named by COMMUNITY_SIM_APP_SCENARIO, else the baseline."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)
