"""Posting a question: an issue sent to the forum opens a thread, or, when a thread about the
same problem is open and visible, may add a 'me too' to it (sim/rules/metoo.py). A thread's
difficulty (Beta), the quality its asker needs (Beta) and the asker's patience (exponential)
are drawn from the asker's own keyed stream, so the same question is as hard in every scenario."""

from __future__ import annotations

from sim.rules.arrivals import TO_FORUM
from sim.rules.metoo import join_thread
from sim.state.counters import FORUM_THREADS
from sim.state.jit import kernel
from sim.state.population import FORUM, note_post
from sim.state.streams import ASKING, beta_quantile, exponential_quantile, keyed_uniform
from sim.state.threads import OPEN, push_open

DIFFICULTY, NEED, PATIENCE, METOO = 0, 1, 2, 3  # sub-keys of the asking stream


@kernel
def post_questions(w) -> None:
    """Open one thread per issue sent to the forum, or add a me-too to the open thread about
    its defect (with metoo_probability, when there is one the asker did not open).

    Reads the hour's issues, defects.open_thread. Changes threads (a new open row each),
    defects.open_thread, the me-toos, pop.questions and last_post, counters[FORUM_THREADS].
    Stream: asking (keyed by member and issue)."""
    issues, threads, pop, p = w.issues, w.threads, w.pop, w.p
    for i in range(issues.member.size):
        if issues.outcome[i] != TO_FORUM + FORUM:
            continue
        member, time, defect = issues.member[i], issues.time[i], issues.defect[i]
        identity, number = pop.identity[member], issues.k[i]
        patience = exponential_quantile(keyed_uniform(w.keys[ASKING, PATIENCE], identity, number), p.patience_hours)
        pop.questions[member] += 1
        note_post(w, member, time)
        existing = w.defects.open_thread[defect] if p.metoo and defect >= 0 else -1
        if (existing >= 0 and threads.status[existing] == OPEN and threads.created[existing] < time
                and threads.asker[existing] != member
                and keyed_uniform(w.keys[ASKING, METOO], identity, number) < p.metoo_probability):
            join_thread(w, member, existing, time, time + patience)
            continue
        thread = threads.n[0]
        threads.n[0] += 1
        threads.asker[thread] = member
        threads.topic[thread] = issues.topic[i]
        threads.defect[thread] = defect
        threads.difficulty[thread] = beta_quantile(keyed_uniform(w.keys[ASKING, DIFFICULTY], identity, number),
                                                   p.difficulty_alpha, p.difficulty_beta)
        threads.need[thread] = beta_quantile(keyed_uniform(w.keys[ASKING, NEED], identity, number),
                                             p.need_alpha, p.need_beta)
        threads.created[thread] = time
        threads.deadline[thread] = time + patience
        push_open(w.open_threads, thread)
        if defect >= 0:
            w.defects.open_thread[defect] = thread
        w.counters[FORUM_THREADS] += 1
