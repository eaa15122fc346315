"""The collector's heap frozen only while the analysis and the writers run."""

from __future__ import annotations

import gc


def test_the_heap_is_frozen_only_for_the_block():
    from hotspots.pipeline.heap import frozen_heap as _frozen_heap

    assert gc.get_freeze_count() == 0
    with _frozen_heap() as keep:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        kept = [[] for _ in range(1000)]  # lists: tracked by the collector
        keep()  # what lives on is frozen too
        assert gc.get_freeze_count() >= frozen + len(kept)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own freeze is left as it is
    try:
        frozen = gc.get_freeze_count()
        with _frozen_heap() as keep:
            keep()  # does nothing: the caller's freeze is theirs
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_analysis_freezes_its_inputs_and_hands_them_back(monkeypatch):
    from hotspots import pipeline
    from hotspots.pipeline import run

    seen = []
    real = run.overlays_step

    def spy(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "overlays_step", spy)
    cfg = pipeline.sample_config()
    before = gc.get_freeze_count()
    pipeline.analyse(cfg, week=None, now=__import__("pandas").Timestamp(
        "2026-12-01 09:00", tz=cfg.parameters.timezone))
    assert seen and seen[0] > 10_000  # the inputs (thousands of objects) are frozen
    assert gc.get_freeze_count() == before
