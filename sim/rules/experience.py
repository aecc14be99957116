"""What customers learn about a channel: an EWMA of its success and its wait, from their own
experience or, at a smaller rate, from outcomes they see happen to others."""

from __future__ import annotations

from sim.state.jit import kernel


@kernel
def learn_from_experience(w, member: int, channel: int, success: float, wait_hours: float, rate: float) -> None:
    """Move the customer's memory of a channel towards what just happened.

    Changes pop.channel_success and channel_wait of the member."""
    pop = w.pop
    pop.channel_success[member, channel] += rate * (success - pop.channel_success[member, channel])
    pop.channel_wait[member, channel] += rate * (wait_hours - pop.channel_wait[member, channel])
