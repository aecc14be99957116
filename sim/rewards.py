"""Reward schemes as composable components, switched on under `[rewards]` (DESIGN.md §4).

Each component changes what answering is worth to a member (a term in the answer logit)
or the member's recognition, through small named rules. Extrinsic values are scaled by a
per-member reward sensitivity: about 20% of members are strongly steered and over 40%
ignore rewards altogether (Hoernle et al. 2020). Points are tallied whenever ranks or the
leaderboard are on, so the two can be switched on in any combination.
"""

from __future__ import annotations

import numpy as np

from sim.population import SUPERUSER
from sim.rules.roles import weekly_activity

DAYS_PER_MONTH = 365.0 / 12.0


def draw_sensitivity(rng: np.random.Generator, n: int, rewards) -> np.ndarray:
    """Strong, moderate or none, in the configured shares. Drawn for every member whether or
    not a scheme is on, so runs with and without rewards share the same members."""
    u = rng.random(n)
    strong = u < rewards.sensitivity_strong_share
    unaffected = u >= 1.0 - rewards.sensitivity_unaffected_share
    return np.where(strong, rewards.sensitivity_strong,
                    np.where(unaffected, 0.0, rewards.sensitivity_moderate)).astype(np.float32)


# ----- points and ranks -----
def award_points(model, members: np.ndarray, amount: float) -> None:
    """Add points (and recent points, for the leaderboard). A rank-up is recognition that
    fades, worth as much as the member cares about rewards (its sensitivity)."""
    if members.size == 0 or amount == 0:
        return
    pop, points = model.population, model.config.rewards.points
    np.add.at(pop.points, members, amount)
    np.add.at(pop.recent_points, members, amount)
    if points.enabled:
        members = np.unique(members)
        new_rank = np.searchsorted(points.rank_thresholds, pop.points[members], side="right")
        gained = new_rank - pop.rank[members]
        pop.recognition[members] += points.rank_up_recognition * gained * pop.reward_sensitivity[members]
        pop.rank[members] = new_rank
        model.counters.add(rank_ups=int(gained.sum()))


# ----- badges and the goal gradient -----
def badge_progress(thresholds: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """How near the next badge the next answer brings a member: 1 when it earns the badge,
    small just after one is earned, 0 once every badge is held (Anderson et al. 2013)."""
    earned = np.searchsorted(thresholds, answers, side="right")
    has_next = earned < thresholds.size
    nxt = thresholds[np.minimum(earned, thresholds.size - 1)]
    prev = np.where(earned > 0, thresholds[np.maximum(earned - 1, 0)], 0)
    return np.where(has_next, (answers - prev + 1) / np.maximum(nxt - prev, 1), 0.0)


def award_badges(model, members: np.ndarray) -> None:
    badges = model.config.rewards.badges
    pop = model.population
    members = np.unique(members)
    held = np.searchsorted(badges.thresholds, pop.answers[members], side="right")
    new = held - pop.badges[members]
    pop.badges[members] = held
    pop.recognition[members] += badges.recognition_per_badge * new * pop.reward_sensitivity[members]
    model.counters.add(badge_awards=int(new.sum()))


# ----- leaderboard -----
def update_leaderboard(model, contributors: np.ndarray) -> None:
    """Daily: rank contributors by recent points. Only those near the cut-off care: the
    value halves with every `cutoff_width` ranks between a member and the edge of the board."""
    board, pop = model.config.rewards.leaderboard, model.population
    pop.leaderboard_value[model.rewards.leaderboard_rows] = 0.0
    racing = contributors[pop.recent_points[contributors] > 0]
    order = racing[np.argsort(-pop.recent_points[racing], kind="stable")]
    rank = np.arange(1, order.size + 1)
    pop.leaderboard_value[order] = board.value * np.exp2(-np.abs(rank - board.size - 0.5) / board.cutoff_width)
    model.rewards.leaderboard_rows = order


# ----- super-user programme -----
def review_programme(model) -> None:
    """Each period: idle or departed members leave; empty seats go to contributors outside
    the programme, super-users first, then by recent activity. Invitees become super-users
    (community leaders)."""
    programme, pop = model.config.rewards.programme, model.population
    members = np.flatnonzero(pop.live("in_programme"))
    inactive = members[~pop.alive[members] | (weekly_activity(model, members) < programme.keep_answers_per_week)]
    pop.in_programme[inactive] = False
    seats = int(round(programme.size_share * model.samplers.issue_rows.size)) - (members.size - inactive.size)
    candidates = model.samplers.contributor_rows
    superuser = pop.role[candidates] == SUPERUSER
    candidates = candidates[~pop.in_programme[candidates] & (superuser | (pop.activity[candidates] > 0))]
    candidates = candidates[~np.isin(candidates, inactive)]  # no one is dropped and re-invited at once
    if seats <= 0 or candidates.size == 0:
        return
    invited = candidates[np.lexsort((-pop.activity[candidates], pop.role[candidates] != SUPERUSER))[:seats]]
    pop.in_programme[invited] = True
    model.change_role(invited, SUPERUSER)
    model.counters.add(programme_invitations=invited.size)


class RewardSchemes:
    """The scenario's reward components, consulted by the answering, acceptance, churn and
    end-of-day rules. Components that are off cost nothing."""

    def __init__(self, model):
        self.model = model
        self.config = model.config.rewards
        self.badge_thresholds = np.asarray(self.config.badges.thresholds)
        self.leaderboard_rows = np.empty(0, dtype=np.int64)
        self.programme_member_days = 0.0
        self.keeps_points = self.config.points.enabled or self.config.leaderboard.enabled

    def answer_value(self, member: np.ndarray) -> np.ndarray:
        """Extra logit of answering: sensitivity x (badge, leaderboard, pay prospect) +
        programme perks - intrinsic motivation lost to payment."""
        cfg, pop = self.config, self.model.population
        value = np.zeros(member.size)
        extrinsic = np.zeros(member.size)
        if cfg.badges.enabled:
            extrinsic += cfg.badges.goal_gradient * badge_progress(self.badge_thresholds, pop.answers[member])
        if cfg.leaderboard.enabled:
            extrinsic += pop.leaderboard_value[member]
        if cfg.pay.enabled:
            extrinsic += cfg.pay.value_per_currency * cfg.pay.per_accepted
            value -= cfg.pay.intrinsic_crowding_out * (pop.paid[member] > 0)
        if cfg.programme.enabled:
            value += cfg.programme.perk_motivation * pop.in_programme[member]
        return value + pop.reward_sensitivity[member] * extrinsic

    def expertise_bonus(self, member: np.ndarray, difficulty: np.ndarray) -> np.ndarray:
        """Direct staff access: programme members answer hard threads as if more expert."""
        programme = self.config.programme
        if not programme.enabled:
            return np.zeros(member.size)
        assisted = self.model.population.in_programme[member] & (difficulty >= programme.hard_difficulty)
        return programme.staff_access_boost * assisted

    def on_answers(self, member: np.ndarray, difficulty: np.ndarray) -> None:
        cfg = self.config
        if self.keeps_points:
            award_points(self.model, member, cfg.points.per_answer)
        if cfg.badges.enabled:
            award_badges(self.model, member)
        if cfg.programme.enabled:
            assisted = int(np.count_nonzero(self.expertise_bonus(member, difficulty)))
            self.model.counters.add(staff_assisted_answers=assisted)

    def on_accepted(self, member: np.ndarray) -> None:
        if self.keeps_points:
            award_points(self.model, member, self.config.points.per_accepted)
        if self.config.pay.enabled:
            np.add.at(self.model.population.paid, member, self.config.pay.per_accepted)
            self.model.counters.add(paid_answers=member.size)

    def churn_multiplier(self, rows: np.ndarray) -> np.ndarray:
        programme = self.config.programme
        if not programme.enabled:
            return np.ones(rows.size)
        return np.where(self.model.population.in_programme[rows], programme.perk_churn_factor, 1.0)

    def end_of_day(self, day: int) -> None:
        model, cfg = self.model, self.config
        contributors = model.samplers.contributor_rows
        if cfg.leaderboard.enabled:
            model.population.recent_points[contributors] *= np.exp(-1.0 / cfg.leaderboard.window_days)
            update_leaderboard(model, contributors)
        if cfg.programme.enabled:
            if (day - 1) % cfg.programme.invite_every_days == 0:
                review_programme(model)
            pop = model.population
            members = pop.in_programme[contributors] & pop.alive[contributors]
            self.programme_member_days += float(np.count_nonzero(members))

    def costs(self) -> dict[str, float]:
        cfg, counters = self.config, self.model.counters
        programme = cfg.programme
        perks = self.programme_member_days / DAYS_PER_MONTH * programme.cost_per_member_month
        access_hours = counters["staff_assisted_answers"] * programme.staff_access_minutes / 60.0
        return {"cost_pay": counters["paid_answers"] * cfg.pay.per_accepted,
                "cost_programme": perks + access_hours * self.model.config.costs.staff_hour}
