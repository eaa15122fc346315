"""Runs that write one product of the week: the council plan (``hotspots plan``), an intervention
evaluation (``hotspots evaluate``) and the near-repeat analysis (``hotspots near-repeat``)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from hotspots import export, progress
from hotspots import weekly as weekly_mod
from hotspots._errors import MissingDependencyError, ValidationError
from hotspots.config import RunConfig
from hotspots.pipeline import atomic
from hotspots.pipeline.manifest import build_manifest, write_json
from hotspots.pipeline.run import (
    STEP_NAMES,
    Clock,
    RunResult,
    _analysed,
    _announce_compiling,
    _claim,
    _now,
    _space,
)

__all__ = ["run_evaluation", "run_near_repeat", "run_plan"]


def run_plan(config: RunConfig, *, week: str = "latest", out_root: str | Path | None = None,
             budget_brl: float | None = None, overwrite: bool = False,
             now: pd.Timestamp | None = None, report: Callable[[str], None] | None = None,
             wait_s: float = 0.0, pdf: bool = True) -> RunResult:
    """The lighting and green-area plan of a week, for the city council, in
    ``<out_root>/plan-<YYYY-Www>/``: ``plan.csv``, ``council_sheet.html`` (and ``.pdf`` when
    headless Chromium is installed), ``plan.gpkg`` (funded projects, lamps to repair) and
    ``manifest.json``.

    Parameters
    ----------
    config : RunConfig
        The city's configuration (``[planning]``: costs, budget, evidence window).
    week : str
        The week whose end closes the evidence window ('2026-W47' or 'latest').
    out_root : str or Path, optional
        Folder of the run folders (default ``weekly.output_root``).
    budget_brl : float, optional
        The budget in R$ (overrides ``planning.budget_brl``).
    pdf : bool
        Also print the council sheet to PDF with headless Chromium (skipped, with a note in
        the manifest, when no browser is installed).
    """
    now = _now(now, config.parameters.timezone)
    root = Path(out_root if out_root is not None else config.weekly.output_root)
    atomic.check_output_location(root / "plan", min_free_bytes=_space(config))
    tz = config.parameters.timezone
    with ExitStack() as stack:
        bar = stack.enter_context(contextlib.closing(progress.StageBar(len(STEP_NAMES))))
        clock = Clock(report, bar=bar)
        folder = None
        if str(week).strip().lower() != "latest":
            folder = root / f"plan-{weekly_mod.parse_week(week, timezone=tz).label}"
            _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        _announce_compiling(report)
        result = _analysed(config, week=week, now=now, clock=clock, budget_brl=budget_brl,
                           rejects_path=root / "plan-rejects.csv")
        if folder is None:
            folder = root / f"plan-{result.week}"
            _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        plan = result.planning.plan
        if plan is None:
            raise ValidationError(f"nothing to plan: {result.planning.summary.get('skipped')}")
        summary = {"week": result.week, "planning": result.planning.summary}
        lang = config.parameters.language
        with atomic.swap_in(folder, overwrite=overwrite) as tmp:
            from hotspots.planning.sheet import council_sheet_pdf, write_council_sheet
            from hotspots.planning.table import write_plan_csv

            with clock("write outputs"):
                files = {"plan": write_plan_csv(plan, tmp / "plan.csv", language=lang),
                         "council_sheet": write_council_sheet(
                             plan, tmp / "council_sheet.html", language=lang,
                             title=config.title)}
                layers = {k: v for k, v in plan.layers().items() if v is not None and len(v)}
                if layers:
                    files["layers"] = export.write_geopackage(layers, tmp / "plan.gpkg",
                                                              lang=lang)
                if pdf:
                    try:
                        files["council_sheet_pdf"] = council_sheet_pdf(
                            files["council_sheet"], tmp / "council_sheet.pdf")
                    except MissingDependencyError as exc:
                        summary["council_sheet_pdf"] = f"not written: {exc}"
            manifest = build_manifest(result, summary, clock.timings)
            files["manifest"] = write_json(manifest, tmp / "manifest.json")
        files = {k: folder / v.name for k, v in files.items()}
        return RunResult(result=result, files=files, summary=summary,
                         timings=dict(clock.timings))


def chromium_available() -> bool:
    """Whether a headless Chromium is on the PATH (for the council sheet's PDF)."""
    return any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))


def _geocoded(config: RunConfig, now: pd.Timestamp, clock: Clock, rejects_path: Path):
    """Read and geocode every incident (the first steps of a run)."""
    from hotspots.geocode import UnusableIncidentsError
    from hotspots.pipeline import steps
    from hotspots.pipeline.inputs import read_inputs

    with clock("ingest"):
        inputs = read_inputs(config)
        read = steps.reject_future(inputs.incidents, now=now,
                                   tolerance_h=config.inputs.future_tolerance_h)
    with clock("geocode"):
        try:
            geo = steps.geocode_step(read, inputs.segments, boundary=inputs.boundary_analysis,
                                     address_points=inputs.address_points, config=config)
        except UnusableIncidentsError as err:
            from hotspots import privacy

            export.write_csv(privacy.drop_personal_columns(err.rejects), rejects_path)
            raise ValidationError(f"{err}\nEvery record with its reason: {rejects_path}") from err
    return inputs, geo


def run_near_repeat(config: RunConfig, *, week: str = "latest",
                    out_root: str | Path | None = None, overwrite: bool = False,
                    now: pd.Timestamp | None = None,
                    report: Callable[[str], None] | None = None,
                    wait_s: float = 0.0) -> RunResult:
    """The near-repeat analysis of the weeks up to ``week`` in
    ``<out_root>/near-repeat-<YYYY-Www>/``: ``knox_table.csv`` (every cell: observed, expected,
    Knox ratio, p), ``knox_ratio.png`` (the heat table), ``zones.gpkg`` (risk zones after the
    week, and the liaison release), ``summary.txt`` (the paragraph, pt and en) and
    ``manifest.json``."""
    from hotspots.pipeline.spacetime import near_repeat_step

    now = _now(now, config.parameters.timezone)
    root = Path(out_root if out_root is not None else config.weekly.output_root)
    atomic.check_output_location(root / "near-repeat", min_free_bytes=_space(config))
    tz = config.parameters.timezone
    with ExitStack() as stack:
        clock = Clock(report)
        inputs, geo = _geocoded(config, now, clock, root / "near-repeat-rejects.csv")
        wk = weekly_mod.resolve_week(week, geo.incidents["occurred_at"], timezone=tz, now=now)
        folder = root / f"near-repeat-{wk.label}"
        _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        with clock("near repeat"):
            near = near_repeat_step(geo.incidents, inputs.segments, end=wk.end,
                                    settings=config.near_repeat, k=config.outputs.privacy_k)
        if near.result is None:
            raise ValidationError(f"near repeats not computed: {near.summary.get('skipped')}")
        from hotspots.figures.near_repeat import knox_heatmap_png

        lang = config.parameters.language
        with atomic.swap_in(folder, overwrite=overwrite) as tmp:
            files = {"knox_table": export.write_csv(near.result.table, tmp / "knox_table.csv")}
            png = tmp / "knox_ratio.png"
            png.write_bytes(knox_heatmap_png(near.result.overall, language=lang))
            files["knox_ratio"] = png
            layers = {"near_repeat_zones": near.zones.segments}  # type: ignore[union-attr]
            if len(near.released):  # type: ignore[arg-type]
                layers["near_repeat_zones_liaison"] = near.released
            files["zones"] = export.write_geopackage(layers, tmp / "zones.gpkg", lang=lang)
            text = "\n\n".join(f"[{code}] {t}" for code, t in near.result.summary.items())
            (tmp / "summary.txt").write_text(text + "\n", encoding="utf-8")
            files["summary"] = tmp / "summary.txt"
            summary = {"week": wk.label, "near_repeat": near.summary, **geo.summary()}
            manifest = {"tool": "hotspots", "week": wk.label, "inputs": inputs.sources,
                        "config": config.to_dict(), "counts": summary,
                        "timings_s": clock.timings}
            files["manifest"] = write_json(manifest, tmp / "manifest.json")
        files = {k: folder / v.name for k, v in files.items()}
        return RunResult(result=None, files=files, summary=summary,
                         timings=dict(clock.timings))


def run_evaluation(config: RunConfig, *, interventions: str | Path,
                   interventions_layer: str | None = None, out_dir: str | Path | None = None,
                   overwrite: bool = False, now: pd.Timestamp | None = None,
                   report: Callable[[str], None] | None = None,
                   wait_s: float = 0.0) -> RunResult:
    """Did the interventions work? ``evaluation.html`` (the report, pt or en),
    ``intervention_areas.gpkg`` (treated, buffer and control segments), ``effects.csv`` and
    ``manifest.json`` in ``out_dir`` (default ``<output_root>/evaluation-<file name>``)."""
    from hotspots.intervention import evaluate_interventions
    from hotspots.overlays.lighting import prepare_lamps
    from hotspots.overlays.night import study_lonlat
    from hotspots.pipeline.inputs import read_interventions

    now = _now(now, config.parameters.timezone)
    interventions = Path(interventions)
    folder = Path(out_dir) if out_dir is not None else (
        Path(config.weekly.output_root) / f"evaluation-{interventions.stem}")
    atomic.check_output_location(folder, min_free_bytes=_space(config))
    with ExitStack() as stack:
        clock = Clock(report)
        _claim(stack, folder, overwrite=overwrite, wait_s=wait_s, clock=clock)
        table = read_interventions(interventions, layer=interventions_layer)
        inputs, geo = _geocoded(config, now, clock, folder.with_name(f"{folder.name}-rejects.csv"))
        lamps = (prepare_lamps(inputs.lamps, inputs.segments.crs, source=str(config.inputs.lamps))
                 if inputs.lamps is not None else None)
        lon, lat = study_lonlat(inputs.segments)
        with clock("evaluation"):
            result = evaluate_interventions(geo.incidents, inputs.segments, table,
                                            settings=config.evaluation, lamps=lamps,
                                            latitude=lat, longitude=lon)
        from hotspots.intervention.report import write_report

        lang = config.parameters.language
        with atomic.swap_in(folder, overwrite=overwrite) as tmp:
            with clock("write outputs"):
                files = {"report": write_report(result, tmp / "evaluation.html", language=lang,
                                                title=config.title),
                         "effects": export.write_csv(result.effects, tmp / "effects.csv"),
                         "layers": export.write_geopackage(result.layers(),
                                                           tmp / "intervention_areas.gpkg",
                                                           lang=lang)}
            summary = {"evaluation": result.summary(), **geo.summary()}
            manifest = {"tool": "hotspots", "interventions": str(interventions),
                        "inputs": inputs.sources, "config": config.to_dict(),
                        "counts": summary, "timings_s": clock.timings}
            files["manifest"] = write_json(manifest, tmp / "manifest.json")
        files = {k: folder / v.name for k, v in files.items()}
        return RunResult(result=None, files=files, summary=summary,
                         timings=dict(clock.timings))
