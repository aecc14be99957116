"""Self-service search: P(found) = search_quality x coverage(topic) (DESIGN.md §4)."""

from __future__ import annotations

import numpy as np

from sim.rules.arrivals import Issues


def search_knowledge_base(model, issues: Issues) -> np.ndarray:
    """Which issues self-service resolves; found community threads earn their author a view."""
    if len(issues) == 0:
        return np.zeros(0, dtype=bool)
    kb, rng = model.knowledge, model.rng
    found = rng.random(len(issues)) < model.config.behaviour.search_quality * kb.coverage(issues.topic)
    topics = issues.topic[found]
    if topics.size:
        from_community = rng.random(topics.size) < kb.community_share(topics)
        readers = issues.subset(found).subset(from_community)
        credit_views(model, readers, kb.pick_threads(readers.topic, rng))
        model.counters.add(self_service=topics.size, community_self_service=int(from_community.sum()))
    return found


def credit_views(model, readers: Issues, thread_ids: np.ndarray) -> None:
    """A view is recognition for the member who solved the thread (none for staff), and the
    reader sees the accepted answer (a chance to give kudos)."""
    found = thread_ids >= 0
    thread_ids = thread_ids[found]
    if thread_ids.size == 0:
        return
    threads, pop = model.threads, model.population
    model.answer_views.add(readers.member[found], threads.accepted_answer[thread_ids], readers.time[found])
    np.add.at(threads.views, thread_ids, 1)
    solvers = threads.solver[thread_ids]
    solvers = solvers[solvers >= 0]
    np.add.at(pop.views, solvers, 1.0)
    np.add.at(pop.recognition, solvers, model.config.behaviour.recognition_per_view)
