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

__all__ = ["run_plan"]


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
