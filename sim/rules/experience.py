"""What customers take from a service outcome: what they learn about the channel (an EWMA of
its success and its wait, from their own experience or, at a smaller rate, from outcomes
they see happen to others), and how satisfied it leaves them (which sets their churn hazard,
sim/rules/membership.py)."""

from __future__ import annotations

from sim.state.jit import kernel


@kernel
def learn_from_experience(w, member: int, channel: int, success: float, wait_hours: float, rate: float) -> None:
    """Move the customer's memory of a channel towards what just happened.

    Changes pop.channel_success and channel_wait of the member."""
    pop = w.pop
    pop.channel_success[member, channel] += rate * (success - pop.channel_success[member, channel])
    pop.channel_wait[member, channel] += rate * (wait_hours - pop.channel_wait[member, channel])


@kernel
def feel(w, member: int, success: float, wait_hours: float) -> None:
    """Satisfaction moves towards how well the matter went: its success (1 solved, 0 not),
    less a penalty per hour waited, within 0..1. Changes pop.satisfaction of the member."""
    p, pop = w.p, w.pop
    outcome = min(max(success - p.wait_penalty_per_hour * wait_hours, 0.0), 1.0)
    pop.satisfaction[member] += p.satisfaction_learning_rate * (outcome - pop.satisfaction[member])


@kernel
def live_through(w, member: int, channel: int, success: float, wait_hours: float) -> None:
    """A customer's own service outcome on a channel: it learns from it and feels it."""
    learn_from_experience(w, member, channel, success, wait_hours, w.p.experience_learning_rate)
    feel(w, member, success, wait_hours)
