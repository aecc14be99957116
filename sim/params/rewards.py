"""The reward schemes' sections of a scenario: points and ranks, badges, a leaderboard, the
super-user programme and pay, each with `enabled`, and the members' reward sensitivity."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from sim.params.section import Section, param


def _positive_increasing(values: list) -> list:
    """Thresholds (ranks, badges) must be a non-empty, positive, strictly increasing list."""
    if not values or values[0] <= 0 or len(values) > 1000:
        raise ValueError(f"must be a list of 1 to 1000 positive numbers (got {values})")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"must increase strictly (got {values})")
    return values


class Points(Section):
    enabled: bool = param(False, "-", "Award points, mapped to ranks")
    per_answer: float = param(10.0, "points", "Points for writing an answer [Khoros/Stack Overflow practice]", ge=0, le=1e6)
    per_accepted: float = param(15.0, "points", "Extra points when the answer is accepted [Stack Overflow: +15]", ge=0, le=1e6)
    per_kudo: float = param(10.0, "points", "Points for each kudo an answer receives [Stack Overflow: +10 per up-vote]", ge=0, le=1e6)
    rank_thresholds: list[float] = param([50.0, 200.0, 500.0, 1500.0, 5000.0], "points", "Points at which each rank starts (strictly increasing)")
    rank_up_recognition: float = param(0.5, "-", "Recognition boost of a rank-up, times the member's reward sensitivity; it fades with the recognition half-life", ge=0, le=100)

    _ranks_increase = field_validator("rank_thresholds")(_positive_increasing)


class Badges(Section):
    enabled: bool = param(False, "-", "Award badges at answer-count thresholds")
    thresholds: list[int] = param([1, 5, 10, 25, 50, 100, 250, 500, 1000], "answers", "Answer counts that earn a badge (strictly increasing)")
    goal_gradient: float = param(1.0, "logit", "Value of the answer that earns the next badge; since the last badge it has risen linearly from 1/(gap to the next) [Anderson et al. WWW 2013]", ge=0, le=20)
    recognition_per_badge: float = param(0.3, "-", "Recognition from earning a badge, times the member's reward sensitivity", ge=0, le=100)

    _thresholds_increase = field_validator("thresholds")(_positive_increasing)


class Leaderboard(Section):
    enabled: bool = param(False, "-", "Show the top-k members by recent points")
    size: int = param(10, "members", "How many members the leaderboard shows, k", ge=1, le=100_000)
    window_days: float = param(30.0, "days", "Mean age of the points counted (an exponentially weighted rolling window)", gt=0, le=3650)
    value: float = param(1.0, "logit", "Value of answering for a member right at the cut-off", ge=0, le=20)
    cutoff_width: float = param(5.0, "ranks", "How far from the cut-off rank the value halves (those far above or below care little)", gt=0, le=1e6)


class Programme(Section):
    enabled: bool = param(False, "-", "Run a super-user programme with invitations, perks and staff access")
    size_share: float = param(0.01, "fraction", "Programme seats as a share of members: the 1% [Nielsen 2006; Verizon community leaders]", gt=0, le=1)
    invite_every_days: int = param(90, "days", "Invitation period: empty seats go to the top contributors", ge=1, le=3650)
    keep_answers_per_week: float = param(0.1, "answers/week", "Activity a member needs at a review to stay in the programme (a title is kept while it is used)", ge=0, le=1000)
    perk_motivation: float = param(0.3, "logit", "Motivation from perks and status (early access, own forum)", ge=0, le=20)
    perk_churn_factor: float = param(0.3, "x", "Multiplier on a programme member's churn hazard", ge=0, le=10)
    perk_break_factor: float = param(0.5, "x", "Multiplier on a programme member's break length: perks and staff contact bring leaders back sooner [assumption]", ge=0, le=10)
    staff_access_boost: float = param(0.2, "expertise", "Expertise added on hard threads by direct access to staff", ge=0, le=1)
    hard_difficulty: float = param(0.6, "0-1", "Difficulty above which a thread counts as hard", ge=0, le=1)
    staff_access_minutes: float = param(10.0, "minutes", "Staff time spent per staff-assisted answer", ge=0, le=1440)
    cost_per_member_month: float = param(100.0, "currency", "Perks per programme member per month [assumption]", ge=0, le=1e6)


class Pay(Section):
    enabled: bool = param(False, "-", "Pay members per accepted answer")
    per_accepted: float = param(1.0, "currency", "Payment per accepted answer", ge=0, le=1e6)
    value_per_currency: float = param(0.25, "logit", "Value of answering per unit of payment, before reward sensitivity", ge=0, le=100)
    intrinsic_crowding_out: float = param(0.6, "logit", "Intrinsic motivation a member loses once paid [Gneezy & Rustichini 2000]", ge=0, le=20)


class Rewards(Section):
    sensitivity_strong_share: float = param(0.20, "fraction", "Members strongly steered by rewards [Hoernle et al. 2020]", ge=0, le=1)
    sensitivity_unaffected_share: float = param(0.45, "fraction", "Members unaffected by rewards [Hoernle et al. 2020: over 40%]", ge=0, le=1)
    sensitivity_strong: float = param(2.0, "x", "Reward sensitivity of the strongly steered", ge=0, le=100)
    sensitivity_moderate: float = param(0.5, "x", "Reward sensitivity of everyone else", ge=0, le=100)
    points: Points = Field(default_factory=Points)
    badges: Badges = Field(default_factory=Badges)
    leaderboard: Leaderboard = Field(default_factory=Leaderboard)
    programme: Programme = Field(default_factory=Programme)
    pay: Pay = Field(default_factory=Pay)

    @model_validator(mode="after")
    def _shares_fit(self) -> Rewards:
        total = self.sensitivity_strong_share + self.sensitivity_unaffected_share
        if total > 1 + 1e-9:
            raise ValueError(f"sensitivity_strong_share + sensitivity_unaffected_share cannot exceed 1 (got {total:g})")
        return self
