"""The state run: one task per municipality on a dask.distributed cluster, then the state summary.

:func:`run_state` plans the run (the week, once for every city; one :class:`CityTask` each),
runs the prepare step (boundaries and incident files cut from state-wide sources) and the
cities — on a ``distributed.Client`` (a LocalCluster sized to this machine, or the scheduler
given) or one after another in this process (``sequential=True``, no dask imported) — and
writes the state summary. A city's failure stays in its outcome; a worker that dies mid-city
(killed, out of memory) has the city rerun elsewhere up to ``cluster.retries`` times, and the
rerun recovers the leftovers under the week's lock, so the outputs are those of a clean run.

Exit codes of ``hotspots state`` (:data:`EXIT_SOME_FAILED` and the usual ones):

====  ====================================================================================
0     every municipality's week is written (now, or by an earlier run)
7     one or more municipalities failed; the others finished; state.csv says which and why
      (rerun the same command: only the missing or failed ones run again)
2     bad state config, unreadable state-wide source, dask missing or scheduler unreachable
3-6   the state summary folder cannot be written (as for ``hotspots weekly``)
====  ====================================================================================
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hotspots import progress
from hotspots._errors import HotspotsError, MissingDependencyError, ValidationError
from hotspots.state.config import StateConfig
from hotspots.state.sources import PrepareSpec, prepare
from hotspots.state.tasks import (
    EXIT_FAILURE,
    EXIT_SOME_FAILED,
    CityOutcome,
    CityTask,
    brief,
    run_city,
)

__all__ = ["EXIT_SOME_FAILED", "StateResult", "largest_first", "plan_state", "resolve_week",
           "run_state"]



@dataclass(frozen=True)
class StateResult:
    """A finished state run: every municipality's outcome and the summary files."""

    week: str
    outcomes: tuple[CityOutcome, ...]
    folder: Path
    files: dict[str, Path]
    #: accounting of the state-wide incident file (None without one)
    split: dict | None = None
    dashboard: str | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 when every municipality's week exists, :data:`EXIT_SOME_FAILED` otherwise."""
        return 0 if all(o.ok for o in self.outcomes) else EXIT_SOME_FAILED

    @property
    def failed(self) -> tuple[CityOutcome, ...]:
        """The municipalities that failed."""
        return tuple(o for o in self.outcomes if not o.ok)


def resolve_week(week: str, config: StateConfig, now) -> str:
    """The ISO week of the run: ``latest`` is the last finished week at ``now`` in the state's
    time zone, the same for every municipality (each city's own ``latest`` could differ)."""
    from hotspots import weekly

    tz = config.state.timezone
    if str(week).strip().lower() == "latest":
        return weekly.week_of(now, timezone=tz).shift(-1).label
    return weekly.parse_week(week, timezone=tz).label


def plan_state(config: StateConfig, *, week: str, now, overwrite: bool = False
               ) -> tuple[PrepareSpec, list[CityTask]]:
    """The prepare step and one task per municipality (settings and paths only)."""
    root = Path(config.state.output_root)
    src = config.incidents
    cols = config.defaults.get("columns", {})
    inp = config.defaults.get("inputs", {})
    boundary_codes = tuple(m.code for m in config.municipalities
                           if m.settings.boundary is None and config.state.boundaries)
    spec = PrepareSpec(
        folder=str(root / "inputs" / week), codes=tuple(m.code for m in config.municipalities),
        boundary_codes=boundary_codes, boundaries=config.state.boundaries,
        boundaries_layer=config.state.boundaries_layer,
        boundaries_code_column=config.state.boundaries_code_column, source=src.source,
        path=src.path, filter=src.filter, code_column=src.code_column,
        chunk_rows=src.chunk_rows, encoding=inp.get("encoding"),
        delimiter=inp.get("delimiter"), lat=cols.get("lat"), lon=cols.get("lon"),
        x=cols.get("x"), y=cols.get("y"), coords_crs=inp.get("coords_crs"), table=src.table,
        geometry_column=src.geometry_column,
        names={m.code: m.name for m in config.municipalities})
    stamp = now.isoformat()
    tasks = [CityTask(code=m.code, name=m.name, config=config.city_dict(m), source=m.source,
                      week=week, now=stamp, overwrite=overwrite)
             for m in config.municipalities]
    return spec, tasks


def run_state(config: StateConfig, *, week: str = "latest", scheduler: str | None = None,
              sequential: bool = False, workers: int | None = None, overwrite: bool = False,
              now=None, report: Callable[[str], None] | None = None, client=None,
              only: tuple[str, ...] | None = None) -> StateResult:
    """Run every municipality's week and write the state summary.

    Parameters
    ----------
    config : StateConfig
        The state's configuration.
    week : str
        ``'2026-W47'`` or ``'latest'`` (the last finished ISO week, state time zone).
    scheduler : str, optional
        A dask scheduler address (``tcp://host:8786``); default ``cluster.scheduler``, else a
        LocalCluster sized to this machine.
    sequential : bool
        Run the municipalities one after another in this process (no dask), with a progress
        bar.
    workers : int, optional
        LocalCluster workers (default ``cluster.workers``, else one per core).
    overwrite : bool
        Rerun municipalities whose week is already written (default: skip them).
    now : Timestamp, optional
        The run time (default: now in the state's time zone), the same for every city.
    report : callable, optional
        Called with short progress texts (the dashboard link, each failure).
    client : distributed.Client, optional
        Use this client (tests, notebooks) instead of making one.
    only : tuple of str, optional
        Run only these IBGE codes (the others are left out of the summary).

    Returns
    -------
    StateResult
        Every outcome, the summary files, the split's accounting and the exit code.
    """
    import pandas as pd

    from hotspots.state import summary

    t0 = time.perf_counter()
    say = report or (lambda text: None)
    tz = config.state.timezone
    now = pd.Timestamp.now(tz=tz) if now is None else pd.Timestamp(now)
    now = now.tz_localize(tz) if now.tzinfo is None else now
    label = resolve_week(week, config, now)
    spec, tasks = plan_state(config, week=label, now=now, overwrite=overwrite)
    if only:
        unknown = sorted(set(only) - {t.code for t in tasks})
        if unknown:
            raise ValidationError(f"--only: {', '.join(unknown)} not in {config.source}")
        tasks = [t for t in tasks if t.code in set(only)]
    out = Path(config.state.output_root) / "state" / label
    from hotspots.pipeline import atomic

    atomic.check_output_location(out)
    timings: dict[str, float] = {}
    dashboard = None
    if sequential:
        prepared, outcomes = _run_sequential(spec, tasks, timings)
    else:
        prepared, outcomes, dashboard = _run_dask(
            spec, tasks, config=config, scheduler=scheduler or config.cluster.scheduler,
            workers=workers, client=client, say=say, timings=timings)
    for o in outcomes:
        if not o.ok:
            say(f"{o.code} {o.name}: failed (exit {o.exit_code}): {brief(o.message)}")
    order = {t.code: i for i, t in enumerate(tasks)}
    outcomes = sorted(outcomes, key=lambda o: order[o.code])
    split = (prepared or {}).get("_summary")
    t1 = time.perf_counter()
    files = summary.write_state_summary(config, outcomes, week=label, folder=out, split=split,
                                        now=now)
    timings["summary"] = round(time.perf_counter() - t1, 3)
    return StateResult(week=label, outcomes=tuple(outcomes), folder=out, files=files,
                       split=split, dashboard=dashboard,
                       seconds=round(time.perf_counter() - t0, 3), timings=timings)


def _run_sequential(spec: PrepareSpec, tasks: list[CityTask], timings: dict
                    ) -> tuple[dict | None, list[CityOutcome]]:
    t = time.perf_counter()
    prepared = prepare(spec) if spec.needed else None
    timings["prepare"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    outcomes = [run_city(task, _entry(prepared, task.code))
                for task in progress.bar(tasks, desc="municipalities", total=len(tasks))]
    timings["cities"] = round(time.perf_counter() - t, 3)
    return prepared, outcomes


def _entry(prepared: dict | None, code: str) -> dict | None:
    return None if prepared is None else {code: prepared.get(code, {})}


def _run_dask(spec: PrepareSpec, tasks: list[CityTask], *, config: StateConfig,
              scheduler: str | None, workers: int | None, client, say, timings: dict):
    try:
        import dask
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "the state run on a cluster needs dask.distributed: pip install 'hotspots[dask]' "
            "(or run with --sequential)") from exc
    own = []
    cl = config.cluster
    if client is None:
        if scheduler:
            try:
                client = distributed.Client(scheduler, timeout=f"{cl.connect_timeout_s}s")
            except (OSError, TimeoutError) as exc:
                raise HotspotsError(
                    f"cannot reach the dask scheduler at {scheduler} (tried for "
                    f"{cl.connect_timeout_s:g} s): {exc}. Fix: start it "
                    "(dask scheduler) and its workers, or check the address") from exc
        else:
            n = workers or cl.workers or _cores()
            threads = cl.threads_per_worker
            if not cl.processes:
                # the weekly run is not thread-safe (warnings.catch_warnings is process-wide
                # state, used by the statistics and raster steps): one city at a time
                if n * threads > 1:
                    say("cluster.processes = false: one thread (the analysis is not "
                        "thread-safe); use processes for parallel cities")
                n, threads = 1, 1
            with dask.config.set({"distributed.scheduler.allowed-failures": cl.retries}):
                extra = ({"env": {"NUMBA_NUM_THREADS": str(threads),
                                  "OMP_NUM_THREADS": str(threads)}} if cl.processes else {})
                cluster = distributed.LocalCluster(
                    n_workers=n, threads_per_worker=threads, processes=cl.processes,
                    memory_limit=cl.memory_limit, dashboard_address=cl.dashboard_address,
                    **extra)
            own.append(cluster)
            client = distributed.Client(cluster)
        own.insert(0, client)
    dashboard = client.dashboard_link if (scheduler or cl.dashboard_address) else None
    if dashboard:
        say(f"dask dashboard: {dashboard}")
    token = uuid.uuid4().hex[:8]
    try:
        t = time.perf_counter()
        prepared = None
        if spec.needed:
            prepared = client.submit(prepare, spec, key=f"hotspots-prepare-{token}",
                                     pure=False).result()
        timings["prepare"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        # largest first: dask runs independent tasks in submission order, and a big city
        # started last would hold the whole run (a longest-first schedule)
        keys = {f"hotspots-city-{task.code}-{task.week}-{token}": task
                for task in largest_first(tasks, prepared)}
        pending = distributed.as_completed(
            [client.submit(run_city, task, _entry(prepared, task.code), key=key, pure=False)
             for key, task in keys.items()])
        outcomes = []
        for fut in progress.bar(pending, desc="municipalities", total=len(keys)):
            task = keys[fut.key]
            try:
                outcomes.append(fut.result())
                fut.release()  # a finished city is not recomputed if its worker dies later
            except distributed.KilledWorker as exc:
                outcomes.append(_lost(task, f"the worker running it died {cl.retries + 1} times "
                                      f"(killed, or out of memory: {exc}). Fix: give workers "
                                      "more memory (cluster.memory_limit) or check the logs"))
            except Exception as exc:
                outcomes.append(_lost(task, f"unexpected failure: {type(exc).__name__}: {exc}"))
        timings["cities"] = round(time.perf_counter() - t, 3)
    finally:
        _close(own)
    return prepared, outcomes, dashboard


def _close(own: list) -> None:
    """Close the client and the LocalCluster this run made. Every result is in by then, so the
    nanny's "worker still alive after 4 s, killing" (a worker slow to exit on a loaded
    machine) is not news for the user and is not shown (errors still are)."""
    import logging

    nanny = logging.getLogger("distributed.nanny")
    level = nanny.level
    nanny.setLevel(logging.ERROR)
    try:
        for obj in own:
            obj.close()
    finally:
        nanny.setLevel(level)


def largest_first(tasks: list[CityTask], prepared: dict | None = None) -> list[CityTask]:
    """The tasks by the bytes of their street and incident files, largest first (the order
    of the state config among equals): a cheap measure of a city's cost."""
    def size(task: CityTask) -> int:
        inputs = task.config.get("inputs", {})
        files = [inputs.get("streets"), ((prepared or {}).get(task.code) or {}).get("incidents")
                 or inputs.get("incidents")]
        return sum(os.path.getsize(f) for f in files if f and os.path.isfile(f))

    sizes = [size(t) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: (-sizes[i], i))
    return [tasks[i] for i in order]


def _lost(task: CityTask, message: str) -> CityOutcome:
    return CityOutcome(code=task.code, name=task.name, status="failed", exit_code=EXIT_FAILURE,
                       message=message)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
