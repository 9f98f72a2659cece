"""The compiled deferred acceptance (numba) over integer arrays: `allocation.Instance.run`.

The same algorithm as the readable `allocation.deferred_acceptance`, statement for statement
(queue of free children in input order, a max-heap of held keys per pool, a tie at the last
place refused); the tests compare both on random markets. Compiled once per machine: numba
caches the machine code next to this file (or in NUMBA_CACHE_DIR).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def deferred_acceptance(offsets, wish_pool, wish_key, capacity):
    """Children 0..n-1 with wishes wish_pool[offsets[c]:offsets[c+1]] (best first) and their
    keys there (smaller = higher priority); capacity per pool.

    Returns (pool per child or -1, proposals, pool of a tie or -1, heap starts, heap keys,
    heap children, heap sizes); heap_key[heap_start[p]] is the worst held key of pool p.
    """
    n = offsets.size - 1
    n_pools = capacity.size
    heap_start = np.zeros(n_pools + 1, np.int64)
    for p in range(n_pools):
        heap_start[p + 1] = heap_start[p] + max(capacity[p], 0)
    heap_key = np.empty(heap_start[n_pools], np.int64)
    heap_child = np.empty(heap_start[n_pools], np.int64)
    heap_size = np.zeros(n_pools, np.int64)
    assigned = np.full(n, -1, np.int64)
    next_wish = offsets[:-1].copy()
    stack = np.empty(n, np.int64)
    for c in range(n):
        stack[c] = n - 1 - c  # pop() takes the children in input order
    top = n
    proposals = 0
    while top > 0:
        top -= 1
        c = stack[top]
        i = next_wish[c]
        end = offsets[c + 1]
        while i < end:
            p = wish_pool[i]
            key = wish_key[i]
            i += 1
            if p < 0 or capacity[p] <= 0:
                continue
            repeated = False
            for j in range(offsets[c], i - 1):
                if wish_pool[j] == p:
                    repeated = True
            if repeated:
                continue
            proposals += 1
            s = heap_start[p]
            size = heap_size[p]
            if size < capacity[p]:
                j = size
                heap_key[s + j] = key
                heap_child[s + j] = c
                heap_size[p] = size + 1
                while j > 0:  # sift up (max-heap)
                    parent = (j - 1) // 2
                    if heap_key[s + parent] < heap_key[s + j]:
                        tk = heap_key[s + parent]
                        tc = heap_child[s + parent]
                        heap_key[s + parent] = heap_key[s + j]
                        heap_child[s + parent] = heap_child[s + j]
                        heap_key[s + j] = tk
                        heap_child[s + j] = tc
                        j = parent
                    else:
                        break
                assigned[c] = p
                break
            worst = heap_key[s]
            if key < worst:
                rejected = heap_child[s]
                heap_key[s] = key
                heap_child[s] = c
                j = 0
                while True:  # sift down (max-heap)
                    left = 2 * j + 1
                    if left >= size:
                        break
                    big = left
                    if left + 1 < size and heap_key[s + left + 1] > heap_key[s + left]:
                        big = left + 1
                    if heap_key[s + big] > heap_key[s + j]:
                        tk = heap_key[s + big]
                        tc = heap_child[s + big]
                        heap_key[s + big] = heap_key[s + j]
                        heap_child[s + big] = heap_child[s + j]
                        heap_key[s + j] = tk
                        heap_child[s + j] = tc
                        j = big
                    else:
                        break
                if heap_key[s] == worst:
                    return assigned, proposals, p, heap_start, heap_key, heap_child, heap_size
                assigned[c] = p
                assigned[rejected] = -1
                stack[top] = rejected
                top += 1
                break
            if key == worst:
                return assigned, proposals, p, heap_start, heap_key, heap_child, heap_size
        next_wish[c] = i
    return assigned, proposals, -1, heap_start, heap_key, heap_child, heap_size
