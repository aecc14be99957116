"""Reward schemes as composable components, switched on under `[rewards]` (DESIGN.md §4).

Each component changes what answering is worth to a member (a term in the answer logit) or
the member's recognition, through small named steps of the schedule. Extrinsic values are
scaled by a per-member reward sensitivity: about 20% of members are strongly steered and
over 40% ignore rewards altogether (Hoernle et al. 2020). Points are tallied whenever ranks
or the leaderboard are on, so the two can be switched on in any combination.
"""

from __future__ import annotations

import numpy as np

from sim.rules.roles import change_role, weekly_activity
from sim.state.counters import (BADGE_AWARDS, PAID_ANSWERS, PROGRAMME_INVITATIONS, PROGRAMME_MEMBER_DAYS,
                                RANK_UPS, STAFF_ASSISTED_ANSWERS)
from sim.state.jit import inline, kernel
from sim.state.population import SUPERUSER


@inline
def keeps_points(p) -> bool:
    return p.points_enabled or p.leaderboard_enabled


# ----- points and ranks -----
@kernel
def award_points(w, member: int, amount: float) -> None:
    """Add points (and recent points, for the leaderboard). A rank-up is recognition that
    fades, worth as much as the member cares about rewards (its sensitivity)."""
    p, pop = w.p, w.pop
    if amount == 0.0:
        return
    pop.points[member] += amount
    pop.recent_points[member] += amount
    if p.points_enabled:
        rank = np.searchsorted(w.rank_thresholds, pop.points[member], side="right")
        gained = rank - pop.rank[member]
        pop.recognition[member] += p.points_rank_up_recognition * gained * pop.reward_sensitivity[member]
        pop.rank[member] = rank
        w.counters[RANK_UPS] += gained


# ----- badges and the goal gradient -----
@kernel
def badge_progress(thresholds, answers: int) -> float:
    """How near the next badge the next answer brings a member: 1 when it earns the badge,
    small just after one is earned, 0 once every badge is held (Anderson et al. 2013)."""
    earned = np.searchsorted(thresholds, answers, side="right")
    if earned >= thresholds.size:
        return 0.0
    previous = thresholds[earned - 1] if earned > 0 else 0
    return (answers - previous + 1) / max(thresholds[earned] - previous, 1)


@kernel
def award_badges(w, member: int) -> None:
    p, pop = w.p, w.pop
    held = np.searchsorted(w.badge_thresholds, pop.answers[member], side="right")
    new = held - pop.badges[member]
    pop.badges[member] = held
    pop.recognition[member] += p.badges_recognition_per_badge * new * pop.reward_sensitivity[member]
    w.counters[BADGE_AWARDS] += new


# ----- the steps of the schedule -----
@kernel
def value_of_answering(w) -> None:
    """Between browsing and writing: what answering each thread seen is worth to its visitor.
    value = sensitivity x (badge prospect + leaderboard + pay prospect) + programme perks -
    intrinsic motivation lost to payment; bonus = expertise from direct staff access on hard
    threads (programme members).

    Reads the hour's candidates, pop.answers, leaderboard_value, paid, in_programme,
    reward_sensitivity. Changes candidates.value and candidates.bonus."""
    p, pop, c = w.p, w.pop, w.candidates
    for i in range(c.member.size):
        m = c.member[i]
        extrinsic, value, bonus = 0.0, 0.0, 0.0
        if p.badges_enabled:
            extrinsic += p.badges_goal_gradient * badge_progress(w.badge_thresholds, pop.answers[m])
        if p.leaderboard_enabled:
            extrinsic += pop.leaderboard_value[m]
        if p.pay_enabled:
            extrinsic += p.pay_value_per_currency * p.pay_per_accepted
            if pop.paid[m] > 0:
                value -= p.pay_intrinsic_crowding_out
        if p.programme_enabled and pop.in_programme[m]:
            value += p.programme_perk_motivation
            if w.threads.difficulty[c.thread[i]] >= p.programme_hard_difficulty:
                bonus = p.programme_staff_access_boost
        c.value[i] = value + pop.reward_sensitivity[m] * extrinsic
        c.bonus[i] = bonus


@kernel
def reward_answers(w) -> None:
    """Points and badges for the hour's volunteer answers; staff time for assisted ones.
    Reads the hour's answers. Changes points, ranks, badges, recognition, counters."""
    p, a = w.p, w.answers
    for j in range(a.member.size):
        m = a.member[j]
        if m < 0:
            continue
        if keeps_points(p):
            award_points(w, m, p.points_per_answer)
        if p.badges_enabled:
            award_badges(w, m)
        if (p.programme_enabled and w.pop.in_programme[m]
                and w.threads.difficulty[a.thread[j]] >= p.programme_hard_difficulty):
            w.counters[STAFF_ASSISTED_ANSWERS] += 1


@kernel
def reward_acceptance(w) -> None:
    """Points and pay for the hour's accepted volunteer answers.
    Reads the hour's accepted solvers. Changes points, ranks, paid, counters."""
    p = w.p
    for m in w.accepted:
        if keeps_points(p):
            award_points(w, m, p.points_per_accepted)
        if p.pay_enabled:
            w.pop.paid[m] += p.pay_per_accepted
            w.counters[PAID_ANSWERS] += 1


@kernel
def reward_kudos(w) -> None:
    """Points for each kudo a member's answer received this hour (where points are kept).
    Reads the hour's kudos authors. Changes points, ranks, recognition, counters[RANK_UPS]."""
    if keeps_points(w.p):
        for m in w.kudos_authors:
            award_points(w, m, w.p.points_per_kudo)


@kernel
def update_leaderboard(w) -> None:
    """Daily: recent points fade over the window; contributors are ranked by them. Only those
    near the cut-off care: the value halves with every `cutoff_width` ranks between a member
    and the edge of the board. Changes recent_points, leaderboard_value, the board."""
    p, pop, contributors = w.p, w.pop, w.online.contributors
    if not p.leaderboard_enabled:
        return
    kept = np.exp(-1.0 / p.leaderboard_window_days)
    for m in contributors:
        pop.recent_points[m] *= kept
    pop.leaderboard_value[w.leaderboard_rows] = 0.0
    racing = contributors[pop.recent_points[contributors] > 0]
    order = racing[np.argsort(-pop.recent_points[racing], kind="mergesort")]
    for rank in range(order.size):
        distance = abs(rank + 1 - p.leaderboard_size - 0.5)
        pop.leaderboard_value[order[rank]] = p.leaderboard_value * 2.0 ** (-distance / p.leaderboard_cutoff_width)
    w.leaderboard_rows = order


@kernel
def review_programme(w) -> None:
    """Daily: every `invite_every_days`, idle or departed members leave the programme and
    empty seats go to contributors outside it, super-users first, then by recent activity.
    Invitees become super-users (community leaders). Every day the programme's member-days
    are counted (its perks are paid per member-month).
    Changes in_programme, roles, counters."""
    p, pop = w.p, w.pop
    if not p.programme_enabled:
        return
    day = int(round(w.now / 24.0))
    if (day - 1) % p.programme_invite_every_days == 0:
        members = np.flatnonzero(pop.in_programme[:pop.n[0]])
        dropped = np.zeros(pop.n[0], np.bool_)
        staying = 0
        for m in members:
            if not pop.alive[m] or weekly_activity(w, m) < p.programme_keep_answers_per_week:
                pop.in_programme[m] = False
                dropped[m] = True  # no one is dropped and re-invited at once
            else:
                staying += 1
        seats = int(round(p.programme_size_share * w.online.alive.size)) - staying
        candidates = w.online.contributors
        candidates = candidates[~pop.in_programme[candidates] & ~dropped[candidates]
                                & ((pop.role[candidates] == SUPERUSER) | (pop.activity[candidates] > 0))]
        if seats > 0 and candidates.size:
            order = np.argsort(-pop.activity[candidates], kind="mergesort")
            order = order[np.argsort(pop.role[candidates][order] != SUPERUSER, kind="mergesort")]
            for m in candidates[order[:seats]]:
                pop.in_programme[m] = True
                change_role(w, m, SUPERUSER)
            w.counters[PROGRAMME_INVITATIONS] += min(seats, candidates.size)
    for m in w.online.contributors:
        if pop.in_programme[m] and pop.alive[m]:
            w.counters[PROGRAMME_MEMBER_DAYS] += 1


@kernel
def shield_programme_members(w) -> None:
    """Daily, before churn: a programme member's churn hazard is multiplied by the perk
    factor. Changes w.hazard_factor (one per contributor in w.online)."""
    p, contributors = w.p, w.online.contributors
    factor = np.ones(contributors.size)
    if p.programme_enabled:
        for i in range(contributors.size):
            if w.pop.in_programme[contributors[i]]:
                factor[i] = p.programme_perk_churn_factor
    w.hazard_factor = factor
