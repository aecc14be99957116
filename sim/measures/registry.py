"""How KPIs are shown: their groups, their kinds (rate, hours, money, count) and plain
sentences about a change in one of them."""

from __future__ import annotations

import math
from functools import lru_cache

KPI_TABLE = [
    ("Answering", [("answer_rate_24h", "pct"), ("answer_rate_ever", "pct"),
                   ("median_hours_to_first_answer", "hours"), ("solution_rate", "pct")]),
    ("Deflection and contacts", [("deflection_rate", "pct"), ("self_service_rate", "pct"),
                                 ("assisted_contacts", "int"), ("escalation_rate", "pct")]),
    ("Cost", [("cost_total", "money"), ("cost_per_issue", "money"), ("cost_contacts", "money"),
              ("cost_self_service", "money"), ("cost_moderation", "money"), ("cost_forum_staff", "money"),
              ("cost_social_team", "money"), ("cost_pay", "money"), ("cost_programme", "money")]),
    ("Response policies", [("staff_answer_share", "pct"), ("volunteer_answers", "int"),
                           ("social_share", "pct"), ("social_unanswered_share", "pct")]),
    ("Cascades", [("kudos_per_answer", "num"), ("herding_index", "pct"), ("pileup_mean_size", "num"),
                  ("brand_sentiment", "num")]),
    ("Participation", [("top1_answer_share", "pct"), ("top10_answer_share", "pct"),
                       ("gini_answers", "num"), ("lurker_share", "pct"), ("superuser_share", "pct")]),
    ("Community health", [("members_now", "int"), ("members_active", "int"), ("superusers_active", "int"),
                          ("superuser_retention", "pct"), ("badge_awards", "int"),
                          ("issues", "int"), ("forum_threads", "int")]),
]


def format_kpi(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return {"pct": f"{100 * value:.1f} %", "hours": f"{value:.2f} h", "int": f"{int(value):,}",
            "money": f"{value:,.2f}", "num": f"{value:.3f}"}[kind]


def kpi_table(summary: dict) -> str:
    lines = []
    for group, rows in KPI_TABLE:
        lines.append(group)
        lines += [f"  {key:<30} {format_kpi(summary.get(key), kind):>14}" for key, kind in rows]
    return "\n".join(lines)

KPI_KINDS = {key: kind for _, rows in KPI_TABLE for key, kind in rows}
HEADLINE_KPIS = ("answer_rate_24h", "deflection_rate", "assisted_contacts", "cost_per_issue",
                 "median_hours_to_first_answer")


KPI_LABELS = {
    "answer_rate_24h": "Questions answered within 24 h", "answer_rate_ever": "Questions ever answered",
    "median_hours_to_first_answer": "Median time to first answer", "solution_rate": "Questions solved",
    "deflection_rate": "Issues deflected from paid channels", "self_service_rate": "Issues solved by search",
    "assisted_contacts": "Assisted contacts (contact centre)", "escalation_rate": "Forum threads escalated",
    "cost_total": "Total support cost", "cost_per_issue": "Cost per issue",
    "staff_answer_share": "Answers written by staff", "volunteer_answers": "Answers written by members",
    "social_share": "Issues taken to social media", "social_unanswered_share": "Public complaints left unanswered",
    "kudos_per_answer": "Kudos per answer", "herding_index": "Kudos given by following the crowd",
    "top1_answer_share": "Answers by the top 1% of members", "top10_answer_share": "Answers by the top 10% of contributors",
    "gini_answers": "Gini of answers per member", "lurker_share": "Members who only read",
    "superuser_share": "Super-users among members", "superusers_active": "Active super-users",
    "members_active": "Active members", "superuser_retention": "Day-0 super-users retained",
}


def kpi_label(key: str) -> str:
    """A KPI's plain name for charts and reports (the key itself when it has none)."""
    return KPI_LABELS.get(key, key.replace("_", " "))


def kpi_kind(key: str) -> str:
    return KPI_KINDS.get(key, "num")


def _units(kind: str, currency: str) -> tuple[str, float, str, str]:
    """(number format, scale, prefix, suffix) of a change: rates in percentage points."""
    return {"pct": ("{:.1f}", 100.0, "", " points"), "money": ("{:,.2f}", 1.0, currency, ""),
            "hours": ("{:.2f}", 1.0, "", " h"), "int": ("{:,.1f}", 1.0, "", "")}.get(kind, ("{:.3f}", 1.0, "", ""))


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


@lru_cache(maxsize=1)
def kpi_names() -> frozenset[str]:
    """Every key of `summary()`, read from a tiny run, so names can be checked before long runs."""
    from sim.model import CommunityModel

    model = CommunityModel(rng=0, members=20, days=1)
    model.run()
    return frozenset(model.summary())


def unknown_kpi(names) -> str | None:
    """The first name that is not a KPI, or None."""
    return next((name for name in names if name not in kpi_names()), None)
