"""The garbage collector kept off the run's long-lived tables while a block runs.

A run holds hundreds of thousands of long-lived objects (the incidents, the segments, their
geometries and texts) while its steps allocate millions of short-lived ones; each full
collection then scans all of them again (about 0.17 s each at Pelotas scale, several per
run) to find almost nothing. :func:`frozen_heap` moves what is alive to the collector's
permanent generation (``gc.freeze``) for the block, and the function it yields does the same
again for what a step just made that lives on (the inputs read). Cycles made inside the block
are still collected; what was frozen is handed back to the collector when the block ends.
:func:`fewer_young_collections` makes the youngest generation's collections rarer while the
outputs are written.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["fewer_young_collections", "frozen_heap"]


def _nothing() -> None:
    return None


@contextmanager
def frozen_heap() -> Iterator[Callable[[], None]]:
    """Freeze the heap for the block; yield ``keep()``, which freezes what is alive now too.

    Nothing is done (and ``keep`` does nothing) when a caller froze objects already: their
    freeze is theirs to undo.
    """
    if gc.get_freeze_count():
        yield _nothing
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


#: objects allocated (less those freed) between two young-generation collections while the
#: outputs are written (Python's default is 700)
WRITING_YOUNG_THRESHOLD = 50_000


@contextmanager
def fewer_young_collections(threshold: int = WRITING_YOUNG_THRESHOLD) -> Iterator[None]:
    """Collect the youngest generation every ``threshold`` allocations instead of every 700
    for the block, the older generations' thresholds unchanged; the previous thresholds come
    back when the block ends.

    The writers build millions of short-lived containers (rows, chunks of text, matplotlib
    artists): with the run's tables frozen (:func:`frozen_heap`), a young collection every
    700 allocations finds little but costs 0.1 s of CPU per run at Pelotas scale, and the
    few that survive are scanned again by the older collections. Garbage cycles (a
    matplotlib figure and its canvas) are still collected, at most ``threshold`` allocations
    later; a caller's higher threshold is kept.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(int(threshold), before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
