"""The liaison folder written in a forked process: value and errors brought back, no process
left behind, the caller's clean-up run once, the same files as in one process."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from hotspots.pipeline import forked

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="needs os.fork and 2 cores")


def _no_child_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_the_value_comes_from_another_process():
    job = forked.Child(lambda: {"pid": os.getpid(), "path": Path("x") / "y"})
    assert job.pid is not None and job.pid != os.getpid()
    value = job.wait()
    assert value["pid"] != os.getpid() and value["path"] == Path("x/y")
    _no_child_left()


def test_an_oserror_comes_back_with_its_errno_and_the_child_traceback():
    def full():
        raise OSError(errno.ENOSPC, "No space left on device", "/out/liaison/layers.gpkg")

    job = forked.Child(full)
    with pytest.raises(OSError) as info:
        job.wait()
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == "/out/liaison/layers.gpkg"
    notes = "".join(getattr(info.value, "__notes__", []))
    assert "in the process writing the outputs in parallel" in notes and "def full" not in notes
    assert "in full" in notes  # the child's traceback names the failing function
    _no_child_left()


def test_a_killed_child_is_an_error_naming_the_signal():
    job = forked.Child(lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(forked.ChildFailedError, match="killed by SIGKILL"):
        job.wait()
    _no_child_left()


def test_an_unpicklable_value_is_an_error_not_a_hang():
    job = forked.Child(lambda: threading.Lock())
    with pytest.raises(forked.ChildFailedError, match="unpicklable result"):
        job.wait()


def test_cancel_stops_a_running_child_and_reaps_it():
    job = forked.Child(lambda: time.sleep(60))
    pid = job.pid
    t0 = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    _no_child_left()


def test_the_child_never_runs_the_callers_clean_up(tmp_path):
    marker = tmp_path / "cleanup.txt"

    def fails():
        raise KeyError("boom")

    try:
        job = forked.Child(fails)
        with pytest.raises(KeyError):
            job.wait()
    finally:
        with marker.open("a") as f:
            f.write(f"{os.getpid()}\n")
    assert marker.read_text().split() == [str(os.getpid())]


def test_one_process_when_asked_or_off_the_main_thread():
    both = [("a", os.getpid), ("b", os.getpid)]
    assert not forked.can_fork(1)
    assert forked.run_tasks(both, processes=1) == {"a": os.getpid(), "b": os.getpid()}
    seen = {}

    def in_thread():
        seen["forked"], seen["done"] = forked.can_fork(), forked.run_tasks(both)

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert seen == {"forked": False, "done": {"a": os.getpid(), "b": os.getpid()}}


def _slow_pid(seconds=0.2):
    time.sleep(seconds)
    return os.getpid()


def test_tasks_are_shared_by_two_processes_and_come_back_in_order():
    tasks = [(f"t{i}", _slow_pid) for i in range(8)]
    t0 = time.perf_counter()
    done = forked.run_tasks(tasks)
    assert list(done) == [f"t{i}" for i in range(8)]
    assert len(set(done.values())) == 2 and os.getpid() in done.values()
    assert time.perf_counter() - t0 < 8 * 0.2  # side by side, not one after the other
    _no_child_left()


def test_one_task_or_one_process_runs_them_here_in_order():
    seen = []
    tasks = [(name, lambda name=name: seen.append(name) or os.getpid()) for name in "abc"]
    assert forked.run_tasks(tasks, processes=1) == dict.fromkeys("abc", os.getpid())
    assert seen == ["a", "b", "c"]
    assert forked.run_tasks(tasks[:1]) == {"a": os.getpid()}
    with pytest.raises(ValueError, match="at most 255"):
        forked.run_tasks([("x", os.getpid)] * 256)


def test_a_task_failing_in_either_process_raises_and_leaves_no_process():
    def full():
        time.sleep(0.1)
        raise OSError(errno.ENOSPC, "No space left on device")

    # the failing task is taken by one of the two processes: the error comes back either way
    for first in (full, _slow_pid):
        tasks = [("a", first), ("b", _slow_pid), ("c", full), ("d", _slow_pid)]
        with pytest.raises(OSError) as info:
            forked.run_tasks(tasks)
        assert info.value.errno == errno.ENOSPC
        _no_child_left()


def _hashes(folder: Path) -> dict[str, str]:
    """Bytes of every file (GeoPackages: their tables, without the style timestamps)."""
    import pyogrio

    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_dir():
            continue
        rel = str(p.relative_to(folder))
        if p.suffix == ".gpkg":
            for layer, _ in pyogrio.list_layers(p):
                df = pyogrio.read_dataframe(p, layer=layer).drop(columns=["update_time"],
                                                                errors="ignore")
                out[f"{rel}:{layer}"] = hashlib.sha256(df.to_csv().encode()).hexdigest()
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_two_processes_write_the_same_files_as_one(sample_result, tmp_path):
    from hotspots.pipeline.outputs import write_outputs

    folders = {}
    for n in (1, 2):
        cfg = sample_result.config
        result = dataclasses.replace(
            sample_result, config=dataclasses.replace(
                cfg, outputs=dataclasses.replace(cfg.outputs, writer_processes=n)))
        folders[n] = tmp_path / f"p{n}"
        folders[n].mkdir()
        files = write_outputs(result, folders[n])
        assert files["liaison"] == folders[n] / "liaison"
    one, two = _hashes(folders[1]), _hashes(folders[2])
    assert any(k.startswith("liaison/") for k in one) and one == two


def test_writers_sharing_reprojections_are_one_task_in_order():
    from hotspots.pipeline.outputs import _grouped, _ungrouped

    names = ["layers", "council_sheet", "map", "patrol_cards", "liaison/layers.gpkg", "liaison/segments.geojson",
             "liaison/lamps.geojson", "liaison/layers.kml", "liaison/kde.tif",
             "liaison/map.html", "liaison/patrol_cards.html", "report"]
    ran: list[str] = []

    def writer(name):
        def write():
            ran.append(name)
            return f"<{name}>"
        return write

    grouped = _grouped([(n, writer(n)) for n in names])
    # the drawing writers (matplotlib) are one group named by its first member, at the
    # place of the first member met
    assert [n for n, _ in grouped] == ["layers", "report", "map", "liaison/layers.gpkg",
                                       "liaison/layers.kml", "liaison/kde.tif"]
    done = {name: fn() for name, fn in grouped}
    # a group writes its members one after the other, in the tasks' order
    assert ran == ["layers", "council_sheet", "patrol_cards", "liaison/patrol_cards.html",
                   "report", "map", "liaison/map.html", "liaison/layers.gpkg",
                   "liaison/segments.geojson", "liaison/lamps.geojson", "liaison/layers.kml",
                   "liaison/kde.tif"]
    assert _ungrouped(done) == {n: f"<{n}>" for n in names}

