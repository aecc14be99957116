"""'Me too': an asker whose problem already has an open, visible thread adds to it instead of
asking anew, and waits on that thread. The count is public, so a cluster of me-toos shows
the company a problem inherent to the product (seed 004: of 500 customers with one problem,
the last 400 see it is not theirs alone)."""

from __future__ import annotations

from sim.rules.acceptance import helped
from sim.rules.defects import notice
from sim.rules.escalation import escalate
from sim.state.counters import METOO_SOLVED, METOOS
from sim.state.jit import kernel
from sim.state.threads import SERVED, SOLVED, UNANSWERED, compact_open, push_open


@kernel
def join_thread(w, member: int, thread: int, time: float, deadline: float) -> None:
    """Add a visible me-too to an open thread; the company notices its defect once the count
    reaches metoo_threshold (while it watches the forum). Changes the thread's me-too count,
    the me-toos (a new open row), counters, and the defect's state through notice."""
    threads, metoos, p = w.threads, w.metoos, w.p
    row = metoos.n[0]
    metoos.n[0] += 1
    metoos.member[row], metoos.thread[row] = member, thread
    metoos.created[row], metoos.deadline[row] = time, deadline
    push_open(w.open_metoos, row)
    threads.metoo[thread] += 1
    w.counters[METOOS] += 1
    if p.listen_forum and threads.metoo[thread] >= p.metoo_threshold and threads.defect[thread] >= 0:
        notice(w, threads.defect[thread])


@kernel
def follow_threads(w) -> None:
    """Me-toos whose thread was solved before their patience ran out are helped when it was
    (or when they joined); the others, once their patience runs out, escalate as an
    unanswered asker does (sim/rules/escalation.py).

    Reads open me-toos, their threads' status and closing time. Changes the me-toos, counters,
    and what being helped or escalating changes."""
    metoos, threads = w.metoos, w.threads
    closed_any = False
    for i in range(w.open_metoos.n[0]):
        row = w.open_metoos.id[i]
        thread, member = metoos.thread[row], metoos.member[row]
        solved_at = max(threads.closed[thread], metoos.created[row])
        if threads.status[thread] == SOLVED and solved_at <= metoos.deadline[row]:
            metoos.status[row], metoos.closed[row] = SERVED, solved_at
            helped(w, member, solved_at - metoos.created[row])
            w.counters[METOO_SOLVED] += 1
            closed_any = True
        elif metoos.deadline[row] < w.now:
            metoos.status[row], metoos.closed[row] = UNANSWERED, metoos.deadline[row]
            escalate(w, member, threads.defect[thread], metoos.created[row], metoos.deadline[row], -1 - row)
            closed_any = True
    if closed_any:
        compact_open(metoos.status, w.open_metoos)
