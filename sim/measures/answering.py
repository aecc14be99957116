"""Running tallies of answering, so the daily record never rescans the threads.

A thread's first-answer time is final once it lies in the past (every answer recorded later
is written later), and whether it was answered within 24 hours is final once it is 24 hours
old. The hour-end step below counts each thread once at each of those moments and keeps the
delays in two heaps, whose tops give the exact median at any time."""

from __future__ import annotations

import numpy as np

from sim.state.counters import ANSWERED_THREADS, ANSWERED_WITHIN_24H, MATURE_THREADS
from sim.state.jit import kernel


@kernel
def heap_push(heap, size: int, value: float):
    """Push onto a min-heap stored in an array (grown when full); returns the array."""
    if size == heap.size:
        grown = np.empty(2 * heap.size)
        grown[:size] = heap
        heap = grown
    heap[size] = value
    child = size
    while child > 0:
        parent = (child - 1) // 2
        if heap[parent] <= heap[child]:
            break
        heap[parent], heap[child] = heap[child], heap[parent]
        child = parent
    return heap


@kernel
def heap_pop(heap, size: int) -> float:
    """Remove and return the smallest of a min-heap of `size` values."""
    top = heap[0]
    heap[0] = heap[size - 1]
    parent, size = 0, size - 1
    while True:
        child = 2 * parent + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[parent] <= heap[child]:
            break
        heap[parent], heap[child] = heap[child], heap[parent]
        parent = child
    return top


@kernel
def push_delay(w, delay: float) -> None:
    """Add a delay to the two heaps: the lower half (a max-heap, stored negated) holds the
    same number of delays as the upper half, or one more."""
    if w.low_n == 0 or delay <= -w.low_heap[0]:
        w.low_heap = heap_push(w.low_heap, w.low_n, -delay)
        w.low_n += 1
    else:
        w.high_heap = heap_push(w.high_heap, w.high_n, delay)
        w.high_n += 1
    if w.low_n > w.high_n + 1:
        moved = -heap_pop(w.low_heap, w.low_n)
        w.low_n -= 1
        w.high_heap = heap_push(w.high_heap, w.high_n, moved)
        w.high_n += 1
    elif w.high_n > w.low_n:
        moved = heap_pop(w.high_heap, w.high_n)
        w.high_n -= 1
        w.low_heap = heap_push(w.low_heap, w.low_n, -moved)
        w.low_n += 1


@kernel
def median_delay(w) -> float:
    """Median hours to first answer of the threads answered so far (NaN if none)."""
    if w.low_n == 0:
        return np.nan
    if w.low_n > w.high_n:
        return -w.low_heap[0]
    return (-w.low_heap[0] + w.high_heap[0]) / 2.0


@kernel
def track_answering(w) -> None:
    """Hour end: settle threads whose first answer is now past, and threads now 24 h old.

    Reads the hour's newly answered threads, threads' created and first_answer. Changes
    the pending list, the delay heaps, counters[ANSWERED_THREADS, MATURE_THREADS,
    ANSWERED_WITHIN_24H]."""
    t = w.threads
    waiting = np.concatenate((w.pending_first, w.newly_answered))
    still = np.empty(waiting.size, np.int64)
    n_still = 0
    for thread in waiting:
        if t.first_answer[thread] <= w.now:
            w.counters[ANSWERED_THREADS] += 1
            push_delay(w, t.first_answer[thread] - t.created[thread])
        else:
            still[n_still] = thread
            n_still += 1
    w.pending_first = still[:n_still]
    while w.mature_next < t.n[0] and t.created[w.mature_next] <= w.now - 24.0:
        thread = w.mature_next
        w.counters[MATURE_THREADS] += 1
        if t.first_answer[thread] - t.created[thread] <= 24.0:
            w.counters[ANSWERED_WITHIN_24H] += 1
        w.mature_next += 1
