"""One municipality's weekly run as a task: settings in, its own folder written, an outcome back.

A :class:`CityTask` carries only settings and paths (the city's config as nested tables, the
week, the run time). :func:`run_city` runs on a dask worker (or in this process when the state
run is sequential): it checks the city's input files and week exactly as ``hotspots weekly``
does, runs :func:`hotspots.pipeline.run_week` into ``<output_root>/<IBGE code>/<YYYY-Www>/``
(atomic, under the week's lock, leftovers of a killed attempt recovered), and returns a
:class:`CityOutcome`: the state-table row read back from the folder written, or the error with
the message and exit code the command line would give. Nothing here imports dask.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspots._errors import (
    DiskFullError,
    HotspotsError,
    OutputExistsError,
    OutputLocationError,
    RunLockedError,
)

__all__ = ["CityOutcome", "CityTask", "brief", "changed_inputs", "exit_code_for", "folder_row",
           "run_city"]

#: test hook: ``HOTSPOTS_TEST_KILL_AT=<IBGE code>:<step>:<marker file>`` makes the process
#: running that city kill itself (SIGKILL) when the step starts, once (the marker file records
#: it), so tests can kill a dask worker in the middle of a city
KILL_ENV = "HOTSPOTS_TEST_KILL_AT"

#: exit codes, as ``hotspots weekly`` gives them (see hotspots/cli.py)
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_EXISTS = 0, 1, 2, 3
EXIT_NOT_WRITABLE, EXIT_DISK_FULL, EXIT_LOCKED = 4, 5, 6
#: exit code of ``hotspots state`` when one or more municipalities failed (the others finished)
EXIT_SOME_FAILED = 7

#: share of segments whose incidents the state table reports ("share on top 5 %")
TOP_SHARE = 0.05


@dataclass(frozen=True)
class CityTask:
    """What a worker needs to run one municipality's week: settings and paths, no frames."""

    code: str
    name: str
    #: the city's config as nested tables (``StateConfig.city_dict``), paths absolute
    config: dict[str, Any]
    #: where the city's config was declared, for messages
    source: str
    week: str
    #: the run time (ISO 8601 with offset), the same for every municipality
    now: str
    overwrite: bool = False


@dataclass(frozen=True)
class CityOutcome:
    """How a municipality's run ended, and its row of the state table."""

    code: str
    name: str
    #: ``done`` (written now), ``skipped`` (finished by an earlier run), ``failed``
    status: str
    exit_code: int
    message: str | None = None
    folder: str | None = None
    row: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: CPU time of the worker process during the city (all its threads): the city's cost
    #: apart from the load of the machine
    cpu_seconds: float = 0.0
    worker: str | None = None
    #: inputs of a skipped municipality that changed since its week was written
    changed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the municipality's week folder exists (done now or earlier)."""
        return self.status in ("done", "skipped")


def exit_code_for(exc: BaseException) -> int:
    """The exit code ``hotspots weekly`` gives for ``exc`` (the mapping of hotspots/cli.py)."""
    if isinstance(exc, OutputExistsError):
        return EXIT_EXISTS
    if isinstance(exc, DiskFullError):
        return EXIT_DISK_FULL
    if isinstance(exc, OutputLocationError):
        return EXIT_NOT_WRITABLE
    if isinstance(exc, RunLockedError):
        return EXIT_LOCKED
    if isinstance(exc, HotspotsError):
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EXIT_DISK_FULL
    return EXIT_FAILURE


def error_message(exc: BaseException) -> str:
    """The text after ``error:`` that ``hotspots weekly`` prints for ``exc``."""
    code = exit_code_for(exc)
    if code == EXIT_DISK_FULL and not isinstance(exc, HotspotsError):
        return (f"no space left on the device ({getattr(exc, 'filename', None) or exc}). Fix: "
                "free disk space and run again; the previous outputs are untouched.")
    if isinstance(exc, MemoryError):
        return ("ran out of memory. Fix: close other programs or run on a machine with more "
                "memory (the analysis holds every segment and incident in memory)")
    if code == EXIT_FAILURE:
        return (f"unexpected failure: {type(exc).__name__}: {exc} (a bug; rerun with -v for the "
                "traceback and report it)")
    return str(exc)


def brief(message: str | None, *, lines: int = 3) -> str:
    """A failure's message on one line: its first ``lines`` lines before "How to fix" (a
    configuration error's first line only says how many problems it has)."""
    kept: list[str] = []
    for line in (message or "").splitlines():
        if line.startswith(("How to fix", "Como corrigir")) or len(kept) == lines:
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept)


def week_folder(task: CityTask) -> Path:
    """``<output_root>/<code>/<week>/`` of the task."""
    return Path(task.config["weekly"]["output_root"]) / task.week


def run_city(task: CityTask, prepared: dict[str, dict] | None = None) -> CityOutcome:
    """Run one municipality's week (on a worker); never raises for the city's own problems.

    Parameters
    ----------
    task : CityTask
        The municipality, its config tables, the week and the run time.
    prepared : dict, optional
        The prepare step's result (code → files or error) when incidents or boundaries come
        from a state-wide source; a dask future of it makes this task wait for the split.

    Returns
    -------
    CityOutcome
        ``done`` with its state-table row, ``skipped`` when the week folder already exists
        (a rerun; unless ``overwrite``), or ``failed`` with the CLI's message and exit code.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    worker = _worker_name()
    folder = week_folder(task)
    base: dict[str, Any] = {"code": task.code, "name": task.name, "worker": worker}
    try:
        if not task.overwrite and (folder / "manifest.json").is_file():
            changed = changed_inputs(task, (prepared or {}).get(task.code), folder)
            note = (f"kept the week written earlier, but its {', '.join(changed)} changed since "
                    f"(a new export?). Fix: hotspots state … --overwrite --only {task.code} "
                    "redoes it" if changed else None)
            return CityOutcome(**base, status="skipped", exit_code=EXIT_OK, folder=str(folder),
                               row=folder_row(folder), message=note, changed=tuple(changed),
                               seconds=time.perf_counter() - t0,
                               cpu_seconds=time.process_time() - c0)
        config = _config(task, (prepared or {}).get(task.code))
        from hotspots import pipeline  # the analysis libraries load only on the worker

        pipeline.run_week(
            config, week=task.week, out_root=config.weekly.output_root,
            overwrite=task.overwrite, now=_timestamp(task.now, config.parameters.timezone),
            report=_kill_hook(task.code))
        return CityOutcome(**base, status="done", exit_code=EXIT_OK, folder=str(folder),
                           row=folder_row(folder), seconds=time.perf_counter() - t0,
                           cpu_seconds=time.process_time() - c0)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a city's failure stays in its outcome
        return CityOutcome(**base, status="failed", exit_code=exit_code_for(exc),
                           message=error_message(exc), seconds=time.perf_counter() - t0,
                           cpu_seconds=time.process_time() - c0)


def changed_inputs(task: CityTask, prepared: dict | None, folder: Path) -> list[str]:
    """The input files (incidents, streets, boundary) that differ from those the week folder
    was made from (another path, or other bytes: SHA-256 against the manifest)."""
    import hashlib

    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    recorded = man.get("inputs") or {}
    inputs = task.config.get("inputs", {})
    prepared = prepared or {}
    current = {"incidents": prepared.get("incidents") or inputs.get("incidents"),
               "streets": inputs.get("streets"),
               "boundary": prepared.get("boundary") or inputs.get("boundary")}
    changed = []
    for key, path in current.items():
        rec = recorded.get(key) or {}
        if not path or not rec.get("sha256"):
            continue  # not a file input (PostGIS), or not recorded
        p = Path(path)
        if not p.is_file() or p.resolve() != Path(str(rec.get("path"))).resolve():
            changed.append(key)
            continue
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        if h.hexdigest() != rec["sha256"]:
            changed.append(key)
    return changed


def _config(task: CityTask, prepared: dict | None):
    """The city's RunConfig with the prepared files, checked as ``hotspots weekly`` checks it."""
    from hotspots.config import ConfigError, check_input_files, config_from_dict
    from hotspots.weekly import parse_week

    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in task.config.items()}
    if prepared:
        if prepared.get("error"):
            raise _prepared_error(prepared)
        inputs = data.setdefault("inputs", {})
        if prepared.get("incidents"):
            inputs["incidents"] = prepared["incidents"]
        if prepared.get("boundary"):
            inputs["boundary"] = prepared["boundary"]
            inputs.pop("boundary_layer", None)
        if prepared.get("incidents_query"):
            data.setdefault("postgis", {})["incidents_query"] = prepared["incidents_query"]
    config = config_from_dict(data, source=task.source)
    problems = check_input_files(config)
    if problems:
        raise ConfigError(config.source or "config", problems)
    parse_week(task.week, timezone=config.parameters.timezone)
    return config


def _prepared_error(prepared: dict) -> HotspotsError:
    from hotspots._errors import ValidationError

    return ValidationError(prepared["error"])


def folder_row(folder: Path) -> dict[str, Any]:
    """The state-table numbers of a finished week folder (manifest + the segments layer).

    incidents (of the week), segments, hot_segments (the run's own hot rule), share_top5
    (share of the week's incidents on the 5 % of segments with most), concentration (share
    of segments holding 50 % of the week's incidents, Weisburd), hit_rate (share of this
    week's incidents on last week's hot segments; None when last week had none), geocoding_rate (records placed on a segment / read).
    """
    import numpy as np
    import pyogrio

    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    c = man["counts"]
    layers = {name for name, _ in pyogrio.list_layers(folder / "layers.gpkg")}
    seg = None
    if "segments" in layers:
        cols = [f for f in pyogrio.read_info(folder / "layers.gpkg", layer="segments")["fields"]
                if f in ("count", "hot", "gi_bin")]
        seg = pyogrio.read_dataframe(folder / "layers.gpkg", layer="segments", columns=cols,
                                     read_geometry=False)
    counts = np.sort(seg["count"].to_numpy(dtype=np.int64))[::-1] if seg is not None else \
        np.zeros(0, dtype=np.int64)
    total = int(counts.sum())
    k = int(np.ceil(TOP_SHARE * len(counts))) if len(counts) else 0
    if seg is not None and "hot" in seg.columns:
        hot = int(seg["hot"].fillna(False).astype(bool).sum())
    elif seg is not None and "gi_bin" in seg.columns:
        hot = int((seg["gi_bin"].fillna(0) >= 2).sum())
    else:
        hot = 0
    ev = c.get("evaluation") or {}
    conc = c.get("concentration_weisburd") or {}
    read = c.get("rows_read") or 0
    return {
        "week": man.get("week"),
        "incidents": int(c.get("incidents_week", total)),
        "segments": int(c.get("segments", len(counts))),
        "hot_segments": hot,
        "share_top5": (float(counts[:k].sum()) / total) if total else None,
        "concentration": conc.get("share_for_50pct"),
        # no hot segment last week: nothing was predicted, so no hit rate (not 0 %)
        "hit_rate": ev.get("hit_rate") if ev.get("flagged_segments", 1) else None,
        "geocoding_rate": (c.get("used", 0) / read) if read else None,
        "rows_read": int(read),
        "rejected": int(c.get("rejected", 0)),
    }


def _timestamp(text: str, timezone: str):
    import pandas as pd

    ts = pd.Timestamp(text)
    return ts.tz_localize(timezone) if ts.tzinfo is None else ts


def _worker_name() -> str:
    """The dask worker's address, or host:pid when not on a worker (never imports dask)."""
    if "distributed" in sys.modules:
        try:
            return str(sys.modules["distributed"].get_worker().address)
        except ValueError:
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def _kill_hook(code: str):
    """The test hook of :data:`KILL_ENV` as a step callback (None when unset)."""
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return None
    target, step, marker = spec.split(":", 2)
    if target != code:
        return None

    def report(text: str) -> None:
        if text.rstrip("…") == step and not os.path.exists(marker):
            Path(marker).write_text(f"killed pid {os.getpid()} at {step}\n", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)

    return report
