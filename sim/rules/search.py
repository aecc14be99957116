"""Self-service search: P(found) = search_quality x coverage(topic) (DESIGN.md §4).

A found answer deflects the issue. When it is a community thread, its solver earns a view
(recognition: "one answer can help thousands") and the reader sees the accepted answer, a
chance to give kudos at the hour's end. Kudos steer which of the topic's recent solved
threads a searcher finds: the better liked rank higher (kudos_rank_weight)."""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import FOUND
from sim.rules.experience import feel
from sim.state.buffers import add_views
from sim.state.counters import COMMUNITY_SELF_SERVICE, SELF_SERVICE
from sim.state.jit import kernel
from sim.state.knowledge import RING, community_share, coverage
from sim.state.streams import SEARCH, keyed_uniform, pick


@kernel
def pick_ranked_thread(w, topic: int, u: float) -> int:
    """One of the topic's recent solved threads (-1 where it has none), each with weight
    (1 + kudos of its accepted answer) ** kudos_rank_weight: by kudos, or evenly at weight 0."""
    kb = w.kb
    filled = min(kb.ring_next[topic], RING)
    if filled == 0:
        return -1
    cumulative = np.empty(filled)
    total = 0.0
    for i in range(filled):
        total += (1.0 + w.log.kudos[w.threads.accepted_answer[kb.recent[topic, i]]]) ** w.p.kudos_rank_weight
        cumulative[i] = total
    return kb.recent[topic, pick(cumulative, u)]


@kernel
def search_knowledge_base(w) -> None:
    """Reads the hour's issues, the knowledge base, threads' solvers and accepted answers.
    Changes issues.outcome (FOUND), threads.views, pop.views and recognition, the hour's
    views, counters. Stream: search (keyed by member and issue number: found, from the
    community, which thread)."""
    issues, kb, threads, pop, p = w.issues, w.kb, w.threads, w.pop, w.p
    viewer, row, when = np.empty(issues.member.size, np.int64), np.empty(issues.member.size, np.int64), np.empty(
        issues.member.size)
    seen = 0
    for i in range(issues.member.size):
        member, topic = issues.member[i], issues.topic[i]
        identity, number = pop.identity[member], issues.k[i]
        if keyed_uniform(w.keys[SEARCH, 0], identity, number) >= p.search_quality * coverage(
                kb, p.coverage_half_stock, topic):
            continue
        issues.outcome[i] = FOUND
        feel(w, member, 1.0, 0.0)
        w.counters[SELF_SERVICE] += 1
        if keyed_uniform(w.keys[SEARCH, 1], identity, number) >= community_share(kb, topic):
            continue
        w.counters[COMMUNITY_SELF_SERVICE] += 1
        thread = pick_ranked_thread(w, topic, keyed_uniform(w.keys[SEARCH, 2], identity, number))
        if thread < 0:
            continue
        threads.views[thread] += 1
        solver = threads.solver[thread]
        if solver >= 0:  # staff answers earn no one recognition
            pop.views[solver] += 1.0
            pop.recognition[solver] += p.recognition_per_view
        viewer[seen], row[seen], when[seen] = member, threads.accepted_answer[thread], issues.time[i]
        seen += 1
    add_views(w, viewer[:seen], row[:seen], when[:seen])
