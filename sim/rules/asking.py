"""Posting a question: an issue sent to the forum opens a thread. Its difficulty (Beta),
the quality its asker needs (Beta) and the asker's patience (exponential) are drawn from
the asker's own keyed stream, so the same question is as hard in every scenario."""

from __future__ import annotations

from sim.rules.arrivals import TO_FORUM
from sim.state.counters import FORUM_THREADS
from sim.state.jit import kernel
from sim.state.population import FORUM, note_post
from sim.state.streams import ASKING, beta_quantile, exponential_quantile, keyed_uniform
from sim.state.threads import push_open

DIFFICULTY, NEED, PATIENCE = 0, 1, 2  # sub-keys of the asking stream


@kernel
def post_questions(w) -> None:
    """Open one thread per issue sent to the forum.

    Reads the hour's issues. Changes threads (a new open row each), pop.questions and
    last_post, counters[FORUM_THREADS]. Stream: asking (keyed by member and issue)."""
    issues, threads, pop, p = w.issues, w.threads, w.pop, w.p
    for i in range(issues.member.size):
        if issues.outcome[i] != TO_FORUM + FORUM:
            continue
        member, time = issues.member[i], issues.time[i]
        identity, number = pop.identity[member], issues.k[i]
        thread = threads.n[0]
        threads.n[0] += 1
        threads.asker[thread] = member
        threads.topic[thread] = issues.topic[i]
        threads.difficulty[thread] = beta_quantile(keyed_uniform(w.keys[ASKING, DIFFICULTY], identity, number),
                                                   p.difficulty_alpha, p.difficulty_beta)
        threads.need[thread] = beta_quantile(keyed_uniform(w.keys[ASKING, NEED], identity, number),
                                             p.need_alpha, p.need_beta)
        threads.created[thread] = time
        threads.deadline[thread] = time + exponential_quantile(
            keyed_uniform(w.keys[ASKING, PATIENCE], identity, number), p.patience_hours)
        push_open(w.open_threads, thread)
        pop.questions[member] += 1
        note_post(w, member, time)
        w.counters[FORUM_THREADS] += 1
