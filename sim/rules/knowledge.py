"""Knowledge ages: articles and solved threads lose usefulness with a half-life, so coverage
needs a steady flow of new solutions (DESIGN.md §4)."""

from __future__ import annotations

from sim.state.jit import kernel


@kernel
def age_one_day(w) -> None:
    """Changes kb.articles and kb.community."""
    kept = 0.5 ** (1.0 / w.p.knowledge_half_life_days)
    w.kb.articles[:] *= kept
    w.kb.community[:] *= kept
