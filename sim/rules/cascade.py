"""The standing-ovation rule (Miller & Page 2004), shared by kudos, pile-ups and the
classic hall (sim/ovation): join when more than a share X of those one sees have joined."""

from __future__ import annotations

import numpy as np

from sim.state.jit import kernel


@kernel
def crowd_share(joined, seen, min_audience):
    """Share of those seen who stood (gave kudos, joined), over at least `min_audience`, so
    that one person is not a crowd; NaN when nobody is seen and there is no floor."""
    return joined / np.maximum(seen, min_audience)


@kernel
def follows_crowd(share, threshold):
    """Join when more than a share X of those seen have (False for a NaN share)."""
    return share > threshold
