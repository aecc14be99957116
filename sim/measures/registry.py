"""The one KPI registry: every key of `summary()` with its label, kind (rate, hours, money,
count), unit and which direction is better; how KPIs are grouped and formatted, and plain
sentences about a change in one of them."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

LABEL_WIDTH = 44  # a KPI's label in a text table wraps beyond this

@dataclass(frozen=True)
class Kpi:
    label: str
    kind: str                 # pct (a 0-1 rate), hours, minutes, money, int (a count), num
    better: str | None = None  # "higher", "lower" or None where neither is better in itself

    @property
    def unit(self) -> str:
        return {"pct": "share", "hours": "hours", "minutes": "minutes", "money": "currency",
                "int": "count"}.get(self.kind, "-")


H, L = "higher", "lower"
_COUNTS = {  # the flows, as counts of events over the run (sim/state/counters.py)
    "issues": ("Product issues", None), "self_service": ("Issues solved by search", H),
    "community_self_service": ("Issues solved by a community thread found in search", H),
    "forum_threads": ("Questions posted", None), "answers": ("Answers by members", H),
    "staff_answers": ("Answers by staff", None), "solved": ("Questions solved", H),
    "direct_contacts": ("Calls straight to the contact centre", L), "escalations": ("Escalations to the contact centre", L),
    "repeat_contacts": ("Repeat contacts", L), "complaints": ("Public complaints", L),
    "complaints_served": ("Public complaints answered by the brand", None),
    "complaints_unanswered": ("Public complaints left with no reply", L),
    "social_fallbacks": ("Complainers who called instead", L), "joined": ("Members who joined", H),
    "churned": ("Members who left", L), "role_changes": ("Role changes", None), "badge_awards": ("Badges awarded", None),
    "rank_ups": ("Rank-ups", None), "programme_invitations": ("Programme invitations", None),
    "paid_answers": ("Paid answers", None), "staff_assisted_answers": ("Answers with staff access", None),
    "onlooker_views": ("Complaint outcomes seen by onlookers", None), "launches": ("Product launches", None),
    "answer_views": ("Views of answers", None), "kudos": ("Kudos given", None),
    "herded_kudos": ("Kudos given by following the crowd", None), "pileup_joins": ("Onlookers who joined a complaint", L),
    "pileup_contacts": ("Pile-up joiners who called", L),
    "calls_answered": ("Calls answered by an agent", None), "calls_abandoned": ("Calls abandoned in the queue", L),
    "calls_within_target": ("Calls answered within the service target", H),
    "calls_retried": ("Callers who hung up and called again", L),
    "calls_to_social": ("Callers who hung up and complained in public", L),
    "calls_given_up": ("Callers who hung up and gave up unresolved", L), "calls_offered": ("Calls offered", None),
    "direct_calls": ("Issues taken straight to the contact centre", L),
    "escalation_calls": ("Forum questions escalated by phone", L),
    "fallback_calls": ("Complainers who called", L), "pileup_calls": ("Pile-up joiners who called", L),
    "repeat_calls": ("Repeat calls after an unresolved contact", L),
    "metoos": ("Me-toos added to open threads", None), "metoo_solved": ("Me-toos whose thread was solved in time", H),
    "issues_prevented": ("Issues prevented by fixes", H), "defects_noticed": ("Defects noticed", None),
    "defects_fixed": ("Defects fixed", H), "breaks": ("Burnout breaks taken", L),
    "break_returns": ("Contributors back from a break", H), "burnout_quits": ("Contributors who stopped after a break", L),
    "escalations_to_social": ("Unanswered askers who complained in public", L),
    "escalations_given_up": ("Unanswered askers who gave up", L),
    "complaints_peer_answered": ("Public complaints answered by members", H),
}
KPIS: dict[str, Kpi] = {
    "answer_rate_24h": Kpi("Questions answered within 24 h", "pct", H),
    "answer_rate_ever": Kpi("Questions ever answered", "pct", H),
    "median_hours_to_first_answer": Kpi("Median time to first answer", "hours", L),
    "solution_rate": Kpi("Questions solved", "pct", H),
    "deflection_rate": Kpi("Issues deflected from paid channels", "pct", H),
    "forum_deflection_rate": Kpi("Issues deflected by the community", "pct", H),
    "self_service_rate": Kpi("Issues solved by search", "pct", H),
    "views_per_deflection": Kpi("Views of answers per issue the community deflected", "num"),
    "assisted_contacts": Kpi("Assisted contacts (contact centre)", "int", L),
    "escalation_rate": Kpi("Forum threads escalated", "pct", L),
    "social_share": Kpi("Issues taken to social media", "pct", L),
    "social_unanswered_share": Kpi("Public complaints left with no reply (from the brand or a member)", "pct", L),
    "staff_answer_share": Kpi("Answers written by staff", "pct"),
    "volunteer_answers": Kpi("Answers written by members", "int", H),
    "kudos_per_answer": Kpi("Kudos per answer", "num"),
    "herding_index": Kpi("Kudos given by following the crowd", "pct"),
    "pileup_mean_size": Kpi("Onlookers joining a complaint, per complaint", "num", L),
    "brand_sentiment": Kpi("Net brand sentiment of public impressions (social and forum)", "num", H),
    **{key: Kpi(label, "int", better) for key, (label, better) in _COUNTS.items()},
    "contact_wait_minutes": Kpi("Mean wait of answered calls", "minutes", L),
    "contact_service_level": Kpi("Calls answered within the service target", "pct", H),
    "contact_abandon_rate": Kpi("Calls abandoned in the queue", "pct", L),
    "contact_occupancy": Kpi("Agent time spent on calls", "pct"),
    "metoo_share": Kpi("Forum questions added to an existing thread", "pct"),
    "mean_days_to_notice": Kpi("Mean days from a defect's start to its notice", "num", L),
    "mean_days_to_fix": Kpi("Mean days from a defect's start to its fix", "num", L),
    "customers_lost_to_service": Kpi("Customers lost to service (churn above the satisfied baseline)", "num", L),
    "revenue_at_risk": Kpi("Revenue a year of customers lost to service", "money", L),
    "wait_minutes": Kpi("Minutes answered callers waited", "num", L),
    "busy_minutes": Kpi("Agent minutes spent on calls", "num"),
    "agent_minutes": Kpi("Agent minutes on shift", "num"),
    "negative_impressions": Kpi("Followers who saw a complaint", "num", L),
    "positive_impressions": Kpi("Followers who saw a public fix", "num", H),
    "cost_total": Kpi("Total support cost", "money", L),
    "cost_per_issue": Kpi("Cost per issue", "money", L),
    "cost_per_month": Kpi("Support cost per month", "money", L),
    "cost_per_contact": Kpi("Agent cost per assisted contact", "money", L),
    "cost_contact_centre": Kpi("Contact-centre agents", "money", L),
    "cost_self_service": Kpi("Self-service cost", "money"),
    "cost_platform": Kpi("Community platform", "money"),
    "cost_moderation": Kpi("Moderation cost", "money"),
    "cost_forum_staff": Kpi("Forum staff cost", "money"),
    "cost_social_team": Kpi("Social team cost", "money"),
    "cost_pay": Kpi("Payments to members", "money"),
    "cost_programme": Kpi("Super-user programme cost", "money"),
    "top1_answer_share": Kpi("Answers by the top 1% of all members", "pct"),
    "top10_answer_share": Kpi("Answers by the top 10% of contributors (members who answered)", "pct"),
    "gini_answers": Kpi("Gini of answers per member", "num"),
    "lurker_share": Kpi("Members who only read", "pct"),
    "superuser_share": Kpi("Super-users among members", "pct"),
    "superusers_active": Kpi("Active super-users", "int", H),
    "members_active": Kpi("Active members", "int", H),
    "members_now": Kpi("Members", "int", H),
    "active_member_share": Kpi("Members who posted in the last 30 days", "pct", H),
    "badge_earners_steered_share": Kpi("Badge earners strongly steered by rewards", "pct"),
    "readers": Kpi("Readers", "int"),
    "responders": Kpi("Responders", "int", H),
    "superusers": Kpi("Super-users", "int", H),
    "superuser_retention": Kpi("Day-0 super-users retained", "pct", H),
    "days": Kpi("Days simulated", "num"),
}
KPI_KINDS = {key: kpi.kind for key, kpi in KPIS.items()}
HEADLINE_KPIS = ("answer_rate_24h", "deflection_rate", "assisted_contacts", "cost_per_issue",
                 "median_hours_to_first_answer")


KPI_TABLE = [
    ("Answering", ["answer_rate_24h", "answer_rate_ever",
                   "median_hours_to_first_answer", "solution_rate"]),
    ("Deflection and contacts", ["deflection_rate", "self_service_rate",
                                 "assisted_contacts", "escalation_rate", "views_per_deflection"]),
    ("Contact centre", ["contact_wait_minutes", "contact_service_level", "contact_abandon_rate",
                        "contact_occupancy", "calls_offered"]),
    ("Cost", ["cost_total", "cost_per_month", "cost_per_issue", "cost_per_contact", "cost_contact_centre",
              "cost_self_service", "cost_platform", "cost_moderation", "cost_forum_staff",
              "cost_social_team", "cost_pay", "cost_programme"]),
    ("Response policies", ["staff_answer_share", "volunteer_answers",
                           "social_share", "social_unanswered_share"]),
    ("Cascades", ["kudos_per_answer", "herding_index", "pileup_mean_size",
                  "brand_sentiment"]),
    ("Product and loyalty", ["defects_fixed", "issues_prevented", "mean_days_to_fix", "metoo_share",
                             "customers_lost_to_service", "revenue_at_risk"]),
    ("Participation", ["top1_answer_share", "top10_answer_share",
                       "gini_answers", "lurker_share", "superuser_share", "badge_earners_steered_share"]),
    ("Community health", ["members_now", "members_active", "active_member_share", "superusers_active",
                          "superuser_retention", "breaks", "badge_awards",
                          "issues", "forum_threads"]),
]



def format_kpi(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return {"pct": f"{100 * value:.1f} %", "hours": f"{value:.2f} h", "minutes": f"{value:.2f} min", "int": f"{round(value):,}",
            "money": f"{value:,.2f}", "num": f"{value:.3f}"}[kind]


# KPIs whose value a scenario fixes by its own definition, with the settings that fix them:
# under `ignore`, with members off social media, no complaint gets a reply, so the unanswered
# share is 1 whatever happens; with no staff policy staff write no answers. Such a value is
# not a finding.
BY_DEFINITION = {
    "social_unanswered_share": {("policy", "social", "kind"): "ignore", ("policy", "social", "peer_reply_per_hour"): 0.0},
    "staff_answer_share": {("policy", "forum", "kind"): "none"},
    "herding_index": {("behaviour", "kudos_conformity"): False},
    "metoo_share": {("product", "metoo"): False},
    "defects_fixed": {("product", "listening"): False},
    "issues_prevented": {("product", "listening"): False},
    "mean_days_to_fix": {("product", "listening"): False},
    "badge_awards": {("rewards", "badges", "enabled"): False},
    "badge_earners_steered_share": {("rewards", "badges", "enabled"): False},
}
NOT_A_FINDING = "n/a (by definition)"


def fixed_by_definition(key: str, scenario: dict | None) -> bool:
    """Whether the scenario (as its JSON dump) fixes this KPI's value by definition: every
    setting that fixes it has the fixing value."""
    if scenario is None or key not in BY_DEFINITION:
        return False
    return all(_setting(scenario, path) == value for path, value in BY_DEFINITION[key].items())


def _setting(scenario: dict, path: tuple[str, ...]):
    for part in path:
        scenario = scenario.get(part, {}) if isinstance(scenario, dict) else {}
    return scenario


def kpi_table(summary: dict, currency: str = "$", scenario: dict | None = None) -> list[str]:
    """The grouped KPI table as lines: each KPI's plain label (naming a share's denominator),
    its key, and its value in its unit (money with the scenario's currency); a KPI the
    scenario fixes by definition reads "n/a (by definition)"."""
    rows = [["KPI", "key", "value"]]
    for group, keys in KPI_TABLE:
        rows.append([group])
        for key in keys:
            shown = (NOT_A_FINDING if fixed_by_definition(key, scenario)
                     else money_or_value(summary.get(key), kpi_kind(key), currency))
            rows += kpi_rows(key, [[shown]])
    return aligned(rows, right={2})


def kpi_rows(key: str, cells: list[list[str]], label: str | None = None) -> list[list[str]]:
    """One KPI's rows of a text table: its label (the registry's unless given), its key, then
    each row of `cells` (one per parameter level, say). A label longer than LABEL_WIDTH wraps,
    its further lines in the rows below, so a table fits a terminal."""
    first, *rest = textwrap.wrap(label or kpi_label(key), LABEL_WIDTH) or [""]
    labels = [f"  {first}", *(f"    {line}" for line in rest)]
    labels += [""] * (len(cells) - len(labels))
    cells = cells + [[""] * len(cells[0])] * (len(labels) - len(cells))
    return [[name, "" if i else key, *row] for i, (name, row) in enumerate(zip(labels, cells))]


def aligned(rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    """Rows of text cells as lines, in columns two spaces apart (those in `right` flush
    right). A row of one cell (a group's heading) stands on its own and sets no width."""
    columns = max(len(row) for row in rows)
    widths = [max((len(row[i]) for row in rows if len(row) == columns), default=0) for i in range(columns)]
    return ["  ".join(cell.rjust(width) if i in right else cell.ljust(width)
                      for i, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in rows]


def format_change(kpi: str, value: float, currency: str = "$", unit: bool = True) -> str:
    """A signed change in a KPI, in its unit: a rate's in percentage points ("+4.9 points"),
    money with its currency ("-$1,234.00"); `unit=False` leaves the suffix off."""
    if value is None or not math.isfinite(value):
        return "n/a"
    number, scale, prefix, suffix = _units(kpi_kind(kpi), currency)
    return f"{'+' if value >= 0 else '-'}{prefix}{number.format(abs(value) * scale)}{suffix if unit else ''}"


def format_money(value: float, currency: str, decimals: int = 2) -> str:
    """An amount with the currency after its sign: -$1,234.50."""
    return f"{'-' if value < 0 else ''}{currency}{abs(value):,.{decimals}f}"


def format_measure(measure: str, value: float, currency: str) -> str:
    """One `roi` figure as text (sim/experiments/roi.py): money with its currency, ROI in
    percent, contacts and months plain."""
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "no limit"
    if measure == "roi":
        return f"{100 * value:,.0f}%"
    if measure == "contacts_avoided":
        return f"{value:,.0f}"
    if measure == "payback_month":
        return f"{value:.1f}"
    return format_money(value, currency, decimals=2 if measure == "break_even_contact_price" else 0)


def money_or_value(value, kind: str, currency: str) -> str:
    """A KPI as text, with the currency before an amount of money."""
    if kind != "money" or value is None or math.isnan(value):
        return format_kpi(value, kind)
    return format_money(value, currency)


def kpi_label(key: str) -> str:
    """A KPI's plain name for charts and reports (the key itself when it has none)."""
    return KPIS[key].label if key in KPIS else key.replace("_", " ")


def kpi_kind(key: str) -> str:
    return KPI_KINDS.get(key, "num")


def _units(kind: str, currency: str) -> tuple[str, float, str, str]:
    """(number format, scale, prefix, suffix) of a change: rates in percentage points."""
    return {"pct": ("{:.1f}", 100.0, "", " points"), "money": ("{:,.2f}", 1.0, currency, ""),
            "hours": ("{:.2f}", 1.0, "", " h"), "minutes": ("{:.2f}", 1.0, "", " min"), "int": ("{:,.1f}", 1.0, "", "")}.get(kind, ("{:.3f}", 1.0, "", ""))


def describe_change(kpi: str, difference: float, low: float, high: float, currency: str = "$",
                    name: str | None = None) -> str:
    """'raises answer_rate_24h by 6.1 points (95% CI 4.0\u20138.2)', or 'does not detectably
    change ...' when the interval contains zero. `name` replaces the key in the sentence (e.g. a plain label)."""
    number, scale, prefix, suffix = _units(kpi_kind(kpi), currency)
    name = name or kpi

    def amount(value: float, signed: bool = False) -> str:
        sign = ("+" if value >= 0 else "-") if signed else ""
        return f"{sign}{prefix}{number.format(abs(value) * scale)}"

    if math.isnan(difference):
        return f"leaves {name} undefined"
    if math.isnan(low) or low <= 0 <= high:
        return (f"does not detectably change {name} ({amount(difference, True)}{suffix}, "
                f"95% CI {amount(low, True)} to {amount(high, True)})")
    verb = "raises" if difference > 0 else "lowers"
    near, far = sorted((abs(low), abs(high)))
    return f"{verb} {name} by {amount(difference)}{suffix} (95% CI {amount(near)}\u2013{amount(far)})"


def unknown_kpi(names) -> str | None:
    """The first name that is not a KPI, or None."""
    return next((name for name in names if name not in KPIS), None)
