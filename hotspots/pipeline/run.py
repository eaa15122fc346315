"""A run, read top to bottom: the week's analysis as one function over the steps, then its folder."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hotspots import progress
from hotspots import weekly as weekly_mod
from hotspots._errors import OutputExistsError, ValidationError
from hotspots.config import RunConfig
from hotspots.geocode import UnusableIncidentsError
from hotspots.pipeline import atomic, steps
from hotspots.pipeline.heap import frozen_heap
from hotspots.pipeline.inputs import read_inputs
from hotspots.pipeline.manifest import build_manifest, write_json
from hotspots.pipeline.outputs import write_outputs
from hotspots.pipeline.overlays import overlays_step
from hotspots.pipeline.plans import patrol_step, planning_step
from hotspots.pipeline.result import WeekResult
from hotspots.pipeline.spacetime import Emerging, NearRepeat, emerging_step, near_repeat_step
from hotspots.pipeline.statistics import contiguity_gi, statistics_step

__all__ = ["Clock", "RunResult", "analyse", "run_all", "run_week"]

#: the steps of a run, for the progress bar
STEP_NAMES = ("ingest", "geocode", "window", "aggregate", "statistics", "overlays", "patrol",
              "planning", "weekly", "emerging", "near repeat", "evaluation", "write outputs")


class Clock:
    """Times each step, logs it, reports it to an optional callback and drives the progress bar."""

    def __init__(self, report: Callable[[str], None] | None = None, *, bar=None):
        self.report = report
        self.bar = bar
        self.timings: dict[str, float] = {}
        self.log = progress.get_logger("pipeline")

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.report:
            self.report(f"{name}…")
        self.log.debug("step %s: start", name)
        if self.bar is not None:
            self.bar.start(name)
        progress.pause_if_requested(name)  # test hook, see progress.PAUSE_ENV
        t0 = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t0, 3)
        if self.bar is not None:
            self.bar.done()
        self.log.debug("step %s: %.2f s", name, self.timings[name])


def analyse(config: RunConfig, *, week: str | None, now: pd.Timestamp,
            clock: Clock | None = None, budget_brl: float | None = None) -> WeekResult:
    """Every step of a run, in order: read, geocode, the week, counts, statistics, overlays,
    priorities, week-over-week and evaluation. Writes nothing.

    Parameters
    ----------
    config : RunConfig
        The run's configuration.
    week : str or None
        ``'2026-W47'`` or ``'latest'`` for a weekly run; None analyses every incident.
    now : Timestamp
        The run time (tz-aware): resolves ``latest`` and rejects future-dated incidents.
    clock : Clock, optional
        Times and reports the steps.
    budget_brl : float, optional
        The planning budget in R$ (overrides ``planning.budget_brl``).

    Returns
    -------
    WeekResult
        The results of every step (see :class:`hotspots.pipeline.WeekResult`).
    """
    # the collector kept off the long-lived tables (pipeline.heap): the inputs, once read
    with frozen_heap() as keep:
        return _analyse(config, week=week, now=now, clock=clock or Clock(),
                        budget_brl=budget_brl, keep=keep)


def _analyse(config: RunConfig, *, week: str | None, now: pd.Timestamp, clock: Clock,
             budget_brl: float | None, keep) -> WeekResult:
    par = config.parameters
    with clock("ingest"):
        inputs = read_inputs(config)
        read = steps.reject_future(inputs.incidents, now=now,
                                   tolerance_h=config.inputs.future_tolerance_h)
        keep()
    with clock("geocode"):
        geo = steps.geocode_step(read, inputs.segments, boundary=inputs.boundary_analysis,
                                 address_points=inputs.address_points, config=config)
    win, analysed, skipped = None, geo.incidents, None
    if week is not None:
        with clock("window"):
            win = steps.select_week(geo.incidents, week, config=config, now=now,
                                    data_start=steps.data_start(geo.incidents))
            analysed = win.this_week
            skipped = steps.no_previous_week(win)
    with clock("aggregate"):
        counts = steps.count_incidents(analysed, inputs.segments)
    with clock("statistics"):
        stats = statistics_step(counts.segments, analysed, boundary=inputs.boundary_analysis,
                                settings=config.statistics, seed=par.seed)
    with clock("overlays"):
        ov = overlays_step(
            inputs.segments, counts.segments, analysed, lamps=inputs.lamps,
            green_areas=inputs.green_areas, lit=inputs.lit, boundary=inputs.boundary_analysis,
            crime_kde=stats.kde, gi=stats.gi,
            gi_fallback=lambda: contiguity_gi(inputs.segments, config.statistics, par.seed),
            settings=config.overlays, timezone=par.timezone,
            lamps_source=str(config.inputs.lamps), green_source=str(config.inputs.green_areas))
    with clock("patrol"):
        so_far = counts.segments.join(stats.columns).join(ov.columns)
        patrol, patrol_summary = patrol_step(so_far, ov.incidents, weeks=ov.weeks,
                                             settings=config.overlays, language=par.language)
    with clock("planning"):
        as_of = _plan_as_of(win, geo.incidents, config, now)
        planning = planning_step(
            inputs.segments, geo.incidents, overlays=ov, boundary=inputs.boundary_analysis,
            address_points=inputs.address_points, as_of=as_of, settings=config.planning,
            lamp_reach_m=config.overlays.lamp_reach_m, language=par.language,
            budget_brl=budget_brl)
    comparison = None
    if win is not None and skipped is None:
        with clock("weekly"):
            gi_bin = stats.columns["gi_bin"] if "gi_bin" in stats.columns else None
            lengths = counts.segments["length_m"]
            comparison = steps.compare_weeks(
                win, counts.segments, gi_bin=gi_bin,
                gi_previous=(lambda c: stats.gi.bins_for_counts(c, lengths)) if stats.gi
                else None,
                hot_top_share=config.weekly.hot_top_share)
    with clock("emerging"):
        end = _emerging_end(win, geo.incidents, config, now)
        emerging = (emerging_step(geo.incidents, inputs.segments, weights=stats.weights,
                                  end=end, data_start=steps.data_start(geo.incidents),
                                  settings=config.emerging)
                    if end is not None else Emerging(None, None, {
                        "skipped": "no finished week with incidents"}))
    near = NearRepeat(None, None, None, {"skipped": "near_repeat.in_weekly is false"})
    if config.near_repeat.in_weekly:
        with clock("near repeat"):
            near = near_repeat_step(geo.incidents, inputs.segments, end=end,
                                    settings=config.near_repeat, k=config.outputs.privacy_k,
                                    permutations=config.near_repeat.weekly_permutations)
    with clock("evaluation"):
        area = (inputs.boundary_analysis.union_all()
                if inputs.boundary_analysis is not None else None)
        evaluation = steps.evaluate(counts.segments, comparison=comparison, win=win,
                                    study_area=area, buffer_m=config.weekly.evaluation_buffer_m)
    step_counts = {
        "ingest": {"read": inputs.incidents.rows_read, "segments": len(inputs.segments),
                   "rejected": len(read.rejects)},
        "geocode": {"geocoded": len(geo.incidents), "rejected": len(geo.rejects)},
        "aggregate": {"incidents": len(analysed),
                      "segments_with_incidents": int((counts.segments["count"] > 0).sum())},
    }
    return WeekResult(config=config, inputs=inputs, geocoded=geo, window=win, counts=counts,
                      statistics=stats, overlays=ov, patrol=patrol,
                      patrol_summary=patrol_summary, planning=planning, comparison=comparison,
                      evaluation=evaluation, emerging=emerging, near_repeat=near,
                      comparison_skipped=skipped,
                      step_counts=step_counts)


def _plan_as_of(win, incidents, config: RunConfig, now: pd.Timestamp) -> pd.Timestamp | None:
    """The last day of the planning evidence: the analysed week's, or the last finished week's
    with incidents (all-incidents runs)."""
    end = _emerging_end(win, incidents, config, now)
    return None if end is None else end - pd.Timedelta(days=1)


def _emerging_end(win, incidents, config: RunConfig, now: pd.Timestamp):
    """Where the emerging analysis ends: after the analysed week, or (all-incidents runs)
    after the last finished week with incidents; None when there is none."""
    if win is not None:
        return win.week.end
    try:
        return weekly_mod.resolve_week("latest", incidents["occurred_at"],
                                       timezone=config.parameters.timezone, now=now).end
    except Exception:  # no finished week: nothing to analyse over time
        return None


@dataclass(frozen=True)
class RunResult:
    """A finished run: its results (None for the single-product runs of
    :mod:`hotspots.pipeline.tasks`), the files written (final paths) and the step timings."""

    result: WeekResult | None
    files: dict[str, Path]
    summary: dict
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def tables(self) -> dict:
        """The output layers by name (``result.layers()``)."""
        return {} if self.result is None else self.result.layers()


def run_week(config: RunConfig, *, week: str = "latest", out_root: str | Path | None = None,
             overwrite: bool = False, now: pd.Timestamp | None = None,
             report: Callable[[str], None] | None = None, wait_s: float = 0.0) -> RunResult:
    """The Monday run: analyse one ISO week and write ``<out_root>/<YYYY-Www>/`` atomically.

    Parameters
    ----------
    config : RunConfig
        The city's configuration.
    week : str
        ``'2026-W47'``, or ``'latest'`` (the last finished week with incidents).
    out_root : str or Path, optional
        Folder of the week folders (default ``config.weekly.output_root``).
    overwrite : bool
        Replace a finished week's folder (otherwise :class:`OutputExistsError`).
    now : Timestamp, optional
        The run time (default: now, in the city's time zone).
    report : callable, optional
        Called with a short text as each step starts.
    wait_s : float
        Seconds to wait for another run of the same week to finish (0: fail at once with
        exit code 6).

    Returns
    -------
    RunResult
        The results, the files written and the timings.
    """
    now = _now(now, config.parameters.timezone)
    root = Path(out_root if out_root is not None else config.weekly.output_root)
    atomic.check_output_location(root / "week", min_free_bytes=_space(config))
    explicit = str(week).strip().lower() != "latest"
    with ExitStack() as stack:
        bar = stack.enter_context(contextlib.closing(progress.StageBar(len(STEP_NAMES))))
        clock = Clock(report, bar=bar)
        folder = None
        if explicit:  # the folder is known: refuse early, before any analysis
            folder = root / weekly_mod.parse_week(week, timezone=config.parameters.timezone).label
            _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        _announce_compiling(report)
        result = _analysed(config, week=week, now=now, clock=clock,
                           rejects_path=(folder or root / "latest").with_name(
                               f"{(folder or root / 'latest').name}-rejects.csv"))
        if folder is None:
            folder = root / str(result.week)
            _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        return _write(result, folder, overwrite=overwrite, clock=clock)


def run_all(config: RunConfig, out_dir: str | Path, *, overwrite: bool = False,
            now: pd.Timestamp | None = None, report: Callable[[str], None] | None = None,
            wait_s: float = 0.0) -> RunResult:
    """Analyse every incident (``hotspots demo`` / ``snap``) and write ``out_dir`` atomically.

    Parameters are those of :func:`run_week` (``out_dir`` is the folder written).
    """
    now = _now(now, config.parameters.timezone)
    folder = Path(out_dir)
    atomic.check_output_location(folder, min_free_bytes=_space(config))
    with ExitStack() as stack:
        bar = stack.enter_context(contextlib.closing(progress.StageBar(len(STEP_NAMES))))
        clock = Clock(report, bar=bar)
        _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        _announce_compiling(report)
        result = _analysed(config, week=None, now=now, clock=clock,
                           rejects_path=folder.with_name(f"{folder.name}-rejects.csv"))
        return _write(result, folder, overwrite=overwrite, clock=clock)


def _analysed(config: RunConfig, *, week, now, clock: Clock, rejects_path: Path,
              budget_brl: float | None = None) -> WeekResult:
    """:func:`analyse`; when the incidents cannot be right (most rows swapped, none used), the
    rejects are still written (beside the run folder) and the error says where."""
    try:
        return analyse(config, week=week, now=now, clock=clock, budget_brl=budget_brl)
    except UnusableIncidentsError as err:
        from hotspots import export, privacy

        lang = "pt-BR" if config.parameters.language == "pt" else "en"
        try:
            export.write_csv(privacy.drop_personal_columns(err.rejects), rejects_path)
            where = f"\nEvery record with its reason: {rejects_path}"
        except OSError as exc:
            where = f"\n(rejects.csv could not be written: {exc.strerror})"
        raise ValidationError(err.messages.get(lang, str(err)) + where) from err


def _claim(stack: ExitStack, folder: Path, *, overwrite: bool, wait_s: float,
           clock: Clock) -> None:
    """Lock the folder, recover leftovers of killed runs, refuse a finished one."""
    stack.enter_context(atomic.folder_lock(folder, wait_s=wait_s))
    for line in atomic.recover(folder):
        clock.log.info("%s", line)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise OutputExistsError(f"{folder} already holds outputs; pass --overwrite to "
                                "replace them")


def _write(result: WeekResult, folder: Path, *, overwrite: bool, clock: Clock) -> RunResult:
    config = result.config
    summary = result.summary()
    with atomic.swap_in(folder, overwrite=overwrite) as tmp:
        with clock("write outputs"):
            files = write_outputs(result, tmp)
        if config.postgis.write_schema:
            with clock("postgis write"):
                from hotspots import postgis

                summary["postgis_layers"] = postgis.write_week_layers(
                    result.layers(), week=result.week, dsn=postgis.resolve_dsn(config.postgis),
                    schema=config.postgis.write_schema)
        manifest = build_manifest(result, summary, clock.timings)
        files["manifest"] = write_json(manifest, tmp / "manifest.json")
    files = {k: folder / v.name for k, v in files.items()}
    return RunResult(result=result, files=files, summary=summary, timings=dict(clock.timings))


def _space(config: RunConfig) -> int:
    """Free space the run asks for (from the size of its input files)."""
    files = {Path(v).resolve() for k in ("incidents", "streets", "boundary", "lamps",
                                         "green_areas", "address_points")
             if (v := getattr(config.inputs, k)) and Path(v).is_file()}
    return atomic.space_needed(sum(p.stat().st_size for p in files))


def _now(now, timezone: str) -> pd.Timestamp:
    if now is None:
        return pd.Timestamp.now(tz=timezone)
    ts = pd.Timestamp(now)
    return ts.tz_localize(timezone) if ts.tzinfo is None else ts


def _announce_compiling(report: Callable[[str], None] | None) -> None:
    """Say so when the numerical kernels will be compiled in this run (first run only)."""
    from hotspots._jit import uncompiled_kernels

    missing = uncompiled_kernels()
    message = ("compiling the numerical kernels (first run only, about half a minute): "
               + ", ".join(missing))
    if missing:
        (report or progress.get_logger("pipeline").info)(message)
