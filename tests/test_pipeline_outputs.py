"""Writing a run's outputs: the collector's heap frozen only while the writers run."""

from __future__ import annotations

import gc


def test_write_outputs_freezes_the_heap_only_for_its_block():
    from hotspots.pipeline.outputs import _frozen_heap

    assert gc.get_freeze_count() == 0
    with _frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own freeze is left as it is
    try:
        frozen = gc.get_freeze_count()
        with _frozen_heap():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
