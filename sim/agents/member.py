"""The Member base agent: a light Mesa handle onto one row of the Population columns."""

from __future__ import annotations

import mesa

from sim.rules.answering import motivation
from sim.state.population import ROLE_NAMES


def _column(name: str, doc: str, writable: bool = True) -> property:
    """Attribute that reads (and, unless the tallies depend on it, writes) the member's cell in
    a Population column."""

    def get(self):
        return getattr(self.model.population, name)[self.row].item()

    def set_(self, value):
        getattr(self.model.population, name)[self.row] = value

    return property(get, set_ if writable else None, doc=doc)


class Member(mesa.Agent):
    """A community member. State lives in `model.population`; the agent is its identity.

    Agents carry no per-step behaviour: rules act on batches of rows (DESIGN.md §3), so
    `step` is deliberately inherited as a no-op and nobody calls it every hour.
    """

    role_code: int = -1

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def role(self) -> str:
        return ROLE_NAMES[self.role_code]

    @property
    def motivation(self) -> float:
        """Intrinsic motivation plus recognition minus fatigue, as the answering rule sees it."""
        return float(motivation(self.model.population.view(), self.row))

    expertise = _column("expertise", "Skill, 0-1, compared with issue difficulty")
    area = _column("area", "Topic area the member specialises in")
    intrinsic = _column("intrinsic", "Intrinsic motivation")
    recognition = _column("recognition", "Recognition received, decaying")
    fatigue = _column("fatigue", "Fatigue from effort, recovering with rest")
    activity = _column("activity", "Decaying record of answers (answers per week)")
    answers = _column("answers", "Answers written (read-only: the tallies of answer counts follow it)", False)
    accepted = _column("accepted", "Answers accepted by askers")
    questions = _column("questions", "Questions posted in the forum")
    views = _column("views", "Self-service views of threads the member solved")
    times_helped = _column("times_helped", "Own questions solved by others")
    role_changes = _column("role_changes", "How often the member changed role")
    joined_at = _column("joined_at", "Hour the member joined")
    last_post = _column("last_post", "Hour of the member's latest question or answer (read-only: the day tallies follow it)",
                        False)
    satisfaction = _column("satisfaction", "Satisfaction with the service so far, 0-1: it sets the churn hazard")
    break_until = _column("break_until", "Hour a burnt-out contributor's break ends (offline until then)")
    reach = _column("reach", "Followers on social media: how many see a public complaint")
    reward_sensitivity = _column("reward_sensitivity", "How strongly rewards steer the member (0 = not at all)")
    points = _column("points", "Points earned (when ranks or a leaderboard are on)")
    rank = _column("rank", "Rank reached on the points ladder")
    badges = _column("badges", "Badges earned")
    in_programme = _column("in_programme", "Member of the super-user programme")
    paid = _column("paid", "Money paid for accepted answers")
