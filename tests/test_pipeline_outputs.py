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


def _seen_inside_a_writer(sample_result, folder, monkeypatch, probe):
    """What ``probe()`` returns inside a writer (the rejects' CSV) of a one-process run."""
    import dataclasses

    from hotspots.pipeline import outputs

    seen = []
    real = outputs._write_rejects

    def spy(*args, **kwargs):
        seen.append(probe())
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "_write_rejects", spy)
    cfg = sample_result.config
    result = dataclasses.replace(sample_result, config=dataclasses.replace(
        cfg, outputs=dataclasses.replace(cfg.outputs, writer_processes=1)))
    outputs.write_outputs(result, folder)
    assert len(seen) == 1
    return seen[0]


def _native_threads() -> dict:
    from threadpoolctl import threadpool_info

    return {(i["internal_api"], i["filepath"]): i["num_threads"] for i in threadpool_info()
            if i["user_api"] in ("blas", "openmp")}


def test_writers_run_with_one_blas_and_openmp_thread(sample_result, tmp_path, monkeypatch):
    """Writers are one thread per process; BLAS's pool would spin on the other writer's core."""
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=2):
        before = _native_threads()
        inside = _seen_inside_a_writer(sample_result, tmp_path, monkeypatch, _native_threads)
        after = _native_threads()
    assert any(i["user_api"] == "blas" for i in threadpool_info())  # numpy's OpenBLAS at least
    assert before and set(before.values()) == {2}
    assert set(inside.values()) == {1}
    assert after == before  # handed back when the writing ends


def test_drawing_writers_are_one_task_and_the_others_never_load_matplotlib(tmp_path):
    """matplotlib is loaded by the process running the drawing writers only: they are one
    task (one group of ``GROUPS``), and the other writers never import it."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import sys
        import pandas as pd
        from pathlib import Path
        from hotspots import pipeline
        from hotspots.pipeline import forked, outputs
        cfg = pipeline.sample_config()
        result = pipeline.analyse(cfg, week=None, now=pd.Timestamp("2026-12-01 09:00",
                                                                    tz=cfg.parameters.timezone))
        assert "matplotlib" not in sys.modules, "the analysis loaded matplotlib"
        seen = {{}}

        def run_tasks(tasks, *, processes=2):
            seen["names"] = [name for name, _ in tasks]
            return {{name: fn() for name, fn in tasks if name != "report"}}

        forked.run_tasks = run_tasks
        outputs.write_outputs(result, Path({str(tmp_path)!r}))  # the drawings left out
        drawing = next(g for g in outputs.GROUPS if g[0] == "report")
        assert {{"report", "patrol_cards", "liaison/patrol_cards.html",
                 "council_sheet"}} == set(drawing), drawing
        assert "report" in seen["names"] and not set(drawing[1:]) & set(seen["names"]), seen
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib")
        assert not loaded, loaded[:5]
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]


def test_young_collections_are_fewer_while_writing_and_thresholds_come_back(
        sample_result, tmp_path, monkeypatch):
    from hotspots.pipeline.heap import WRITING_YOUNG_THRESHOLD, fewer_young_collections

    before = gc.get_threshold()
    with fewer_young_collections(10_000):
        assert gc.get_threshold() == (10_000, *before[1:])
    assert gc.get_threshold() == before
    gc.set_threshold(90_000, *before[1:])  # a caller's higher threshold is kept
    try:
        with fewer_young_collections(10_000):
            assert gc.get_threshold()[0] == 90_000
    finally:
        gc.set_threshold(*before)

    inside = _seen_inside_a_writer(sample_result, tmp_path, monkeypatch, gc.get_threshold)
    assert inside == (WRITING_YOUNG_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before
