"""Running totals of the run, one float64 slot each (`w.counters[ISSUES] += 1`).

The first block are the flows the KPIs and the daily series report; the rest are tallies
the measures keep to compute rates without rescanning threads."""

from __future__ import annotations

import numpy as np

FLOW_COUNTERS = (
    "issues", "self_service", "community_self_service", "forum_threads", "answers", "staff_answers",
    "solved", "direct_contacts", "escalations", "repeat_contacts", "complaints", "complaints_served",
    "complaints_unanswered", "social_fallbacks", "joined", "churned", "role_changes", "badge_awards",
    "rank_ups", "programme_invitations", "paid_answers", "staff_assisted_answers", "onlooker_views",
    "launches", "answer_views", "kudos", "herded_kudos", "pileup_joins", "pileup_contacts",
    "negative_impressions", "positive_impressions",
    "calls_answered", "calls_abandoned", "calls_within_target", "calls_retried", "calls_to_social",
    "calls_given_up", "wait_minutes", "busy_minutes", "agent_minutes",
    "direct_calls", "escalation_calls", "fallback_calls", "pileup_calls", "repeat_calls",
    "metoos", "metoo_solved", "issues_prevented", "defects_noticed", "defects_fixed", "customers_lost_to_service", "breaks", "break_returns", "burnout_quits", "escalations_to_social",
    "escalations_given_up", "complaints_peer_answered",
)
CONTACT_COUNTERS = ("direct_contacts", "escalations", "repeat_contacts", "social_fallbacks", "pileup_contacts")
# first calls placed, by where they came from (a contact counts only once an agent answers)
CALL_COUNTERS = {"direct_contacts": "direct_calls", "escalations": "escalation_calls",
                 "social_fallbacks": "fallback_calls", "pileup_contacts": "pileup_calls", "repeat_contacts": "repeat_calls"}
TALLIES = ("programme_member_days", "mature_threads", "answered_within_24h", "answered_threads",
           "days_to_notice", "days_to_fix")  # summed days, read only as means (mean_days_to_*)
COUNTERS = FLOW_COUNTERS + TALLIES
FLOAT_COUNTERS = frozenset({"negative_impressions", "positive_impressions", "wait_minutes", "busy_minutes",
                            "agent_minutes", "customers_lost_to_service"})  # the rest count events

# slots of the world's `sync` array: what Python must act on after a compiled call
ROLE_CHANGES_SLOT, CHURNED_SLOT, QUEUE_LEFT, JOINERS, PENDING_CALLS = range(5)

(ISSUES, SELF_SERVICE, COMMUNITY_SELF_SERVICE, FORUM_THREADS, ANSWERS, STAFF_ANSWERS,
 SOLVED, DIRECT_CONTACTS, ESCALATIONS, REPEAT_CONTACTS, COMPLAINTS, COMPLAINTS_SERVED,
 COMPLAINTS_UNANSWERED, SOCIAL_FALLBACKS, JOINED, CHURNED, ROLE_CHANGES, BADGE_AWARDS,
 RANK_UPS, PROGRAMME_INVITATIONS, PAID_ANSWERS, STAFF_ASSISTED_ANSWERS, ONLOOKER_VIEWS,
 LAUNCHES, ANSWER_VIEWS, KUDOS, HERDED_KUDOS, PILEUP_JOINS, PILEUP_CONTACTS,
 NEGATIVE_IMPRESSIONS, POSITIVE_IMPRESSIONS,
 CALLS_ANSWERED, CALLS_ABANDONED, CALLS_WITHIN_TARGET, CALLS_RETRIED, CALLS_TO_SOCIAL, CALLS_GIVEN_UP,
 WAIT_MINUTES, BUSY_MINUTES, AGENT_MINUTES,
 DIRECT_CALLS, ESCALATION_CALLS, FALLBACK_CALLS, PILEUP_CALLS, REPEAT_CALLS,
 METOOS, METOO_SOLVED, ISSUES_PREVENTED, DEFECTS_NOTICED, DEFECTS_FIXED,
 CUSTOMERS_LOST_TO_SERVICE, BREAKS, BREAK_RETURNS, BURNOUT_QUITS, ESCALATIONS_TO_SOCIAL, ESCALATIONS_GIVEN_UP,
 COMPLAINTS_PEER_ANSWERED, PROGRAMME_MEMBER_DAYS, MATURE_THREADS, ANSWERED_WITHIN_24H, ANSWERED_THREADS, DAYS_TO_NOTICE, DAYS_TO_FIX) = range(len(COUNTERS))


# by counter index: the counter of calls placed that goes with each contact counter (else -1)
PLACED_COUNTER = np.full(len(COUNTERS), -1, dtype=np.int64)
for _contact, _placed in CALL_COUNTERS.items():
    PLACED_COUNTER[COUNTERS.index(_contact)] = COUNTERS.index(_placed)


class CounterView:
    """The counters by name (`model.counters["solved"]`), read straight from the world."""

    def __init__(self, values):
        self.values = values

    def __getitem__(self, name: str) -> float:
        return float(self.values[COUNTERS.index(name)])
