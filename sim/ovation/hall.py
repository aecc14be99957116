"""The standing-ovation kernel (Miller & Page 2004): who sees whom, and the conformity rule.

A hall is a weighted "who sees whom" table; many independent halls (replicates) run at once
as rows of a boolean array, so a 1,000-replicate study is a few thousand numpy calls. The same
rule drives kudos and complaint cascades in the community (an agent joins when more than a
share X of what it sees has joined); it is `sim.rules.cascade`, shared by both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.cascade import crowd_share, follows_crowd

VISIONS = ("five_neighbours", "cone")
UPDATES = ("synchronous", "asynchronous", "incentive")


@dataclass
class Sightlines:
    """For each seat, the seats it sees (padded with -1), how much each one counts, and the
    group mates it came with (padded with -1)."""

    seen: np.ndarray    # (seats, k) int64, -1 = nothing
    weight: np.ndarray  # (seats, k) float64, 0 where nothing
    mates: np.ndarray   # (seats, g) int64, -1 = nobody

    @property
    def total(self) -> np.ndarray:
        return self.weight.sum(axis=1)


def seat_index(rows: int, seats: int) -> np.ndarray:
    """Seat id of (row, seat); row 0 is the front row, nearest the stage."""
    return np.arange(rows * seats).reshape(rows, seats)


def sightlines(rows: int, seats: int, vision: str, depth: int = 3, group_size: int = 1,
               celebrities: int = 0, celebrity_weight: float = 1.0) -> Sightlines:
    """Who each seat sees.

    five_neighbours: the two beside and the three just ahead. cone: every row ahead up to
    `depth`, widening by one seat each side per row. Groups: blocks of `group_size` adjacent
    seats in a row came together; they see each other and follow each other (see `conform`).
    Celebrities: the `celebrities` middle seats of the front row are seen by everyone,
    each counting `celebrity_weight` ordinary neighbours.
    """
    ids = seat_index(rows, seats)
    looks: list[list[tuple[int, float]]] = [[] for _ in range(rows * seats)]
    for r in range(rows):
        for s in range(seats):
            me = looks[ids[r, s]]
            if vision == "five_neighbours":
                spots = [(r, s - 1), (r, s + 1), (r - 1, s - 1), (r - 1, s), (r - 1, s + 1)]
            else:
                spots = [(r - k, s + j) for k in range(1, min(depth, r) + 1) for j in range(-k, k + 1)]
            me += [(ids[a, b], 1.0) for a, b in spots if 0 <= a < rows and 0 <= b < seats]
            if group_size > 1:
                seen = {seat for seat, _ in me}
                me += [(seat, 1.0) for seat in group_mates(ids, r, s, group_size) if seat not in seen]
    if celebrities:
        first = (seats - celebrities) // 2
        stars = ids[0, first:first + celebrities].tolist()
        for seat, me in enumerate(looks):
            seen = {other for other, _ in me}
            me += [(star, celebrity_weight) for star in stars if star != seat and star not in seen]
    mates = np.full((rows * seats, max(1, group_size - 1)), -1, dtype=np.int64)
    if group_size > 1:
        for r in range(rows):
            for s in range(seats):
                mine = group_mates(ids, r, s, group_size)
                mates[ids[r, s], :len(mine)] = mine
    width = max(1, max(len(me) for me in looks))
    seen = np.full((rows * seats, width), -1, dtype=np.int64)
    weight = np.zeros((rows * seats, width))
    for seat, me in enumerate(looks):
        if me:
            seen[seat, :len(me)] = [other for other, _ in me]
            weight[seat, :len(me)] = [w for _, w in me]
    return Sightlines(seen, weight, mates)


def group_mates(ids: np.ndarray, row: int, seat: int, group_size: int) -> list[int]:
    start = (seat // group_size) * group_size
    return [int(ids[row, b]) for b in range(start, min(start + group_size, ids.shape[1])) if b != seat]


def standing_share(standing: np.ndarray, lines: Sightlines, seats: np.ndarray | None = None) -> np.ndarray:
    """Weighted share standing among what each seat sees; NaN for a seat that sees no one.

    `standing` is (halls, seats); with `seats` (one per hall) only those are evaluated.
    """
    halls = np.arange(standing.shape[0])
    if seats is None:
        seen, weight = lines.seen, lines.weight
        up = standing[:, np.maximum(seen, 0)] * weight  # (halls, seats, k)
        total = lines.total
    else:
        seen, weight = lines.seen[seats], lines.weight[seats]  # (halls, k)
        up = standing[halls[:, None], np.maximum(seen, 0)] * weight
        total = weight.sum(axis=1)
    return crowd_share(up.sum(axis=-1), total, min_audience=0.0)


def mate_standing(standing: np.ndarray, lines: Sightlines, seats: np.ndarray | None = None) -> np.ndarray:
    """Whether any group mate of each seat (or of the given seat per hall) stands."""
    mates = lines.mates if seats is None else lines.mates[seats]
    halls = np.arange(standing.shape[0])
    up = standing[:, np.maximum(mates, 0)] if seats is None else standing[halls[:, None], np.maximum(mates, 0)]
    return (up & (mates >= 0)).any(axis=-1)


def conform(current: np.ndarray, share: np.ndarray, threshold: float,
            mate_up: np.ndarray | bool = False) -> np.ndarray:
    """The hall: stand if a group mate stands (friends follow each other up) or the crowd
    rule says so; sit if fewer than X stand; keep one's state on an exact tie or seeing no one."""
    return np.where(mate_up | follows_crowd(share, threshold), True, np.where(share < threshold, False, current))
