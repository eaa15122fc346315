"""The state summary of a week: the table of municipalities, its totals, and the folder that holds them.

``<output_root>/state/<YYYY-Www>/`` (written atomically, replaced by each run of the week)::

    state.csv          one row per municipality (columns of :data:`COLUMNS`)
    state.json         the same rows, the totals, the split's accounting, the exit code
    map.html           offline map of the municipalities (incidents, hot segments, status)
    bulletin_pt.html   one-page state bulletin (A4), Portuguese
    bulletin_en.html   the same in English

Every number of a municipality is read back from its own week folder (manifest.json and the
segments layer), so a municipality finished by an earlier run is summarised exactly like one
finished now.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotspots.state.config import StateConfig
from hotspots.state.tasks import EXIT_SOME_FAILED, CityOutcome, brief

__all__ = ["COLUMNS", "state_table", "state_totals", "summary_lines", "write_state_summary"]

#: columns of state.csv, in order
COLUMNS = ("code", "municipality", "status", "incidents", "segments", "hot_segments",
           "share_top5", "concentration", "hit_rate", "geocoding_rate", "exit_code", "message",
           "seconds", "cpu_seconds", "worker")
#: Ratcliffe (2004): minimum reliable geocoding rate
RATCLIFFE_MIN_RATE = 0.85


def state_table(outcomes: list[CityOutcome] | tuple[CityOutcome, ...]) -> pd.DataFrame:
    """One row per municipality (see :data:`COLUMNS`), in the order of the state config.

    ``share_top5``: share of the week's incidents on the 5 % of segments with most;
    ``concentration``: share of segments holding 50 % of the week's incidents (Weisburd);
    ``hit_rate``: share of the week's incidents on last week's hot segments (missing when
    last week had none);
    ``geocoding_rate``: records placed on a segment / records read. Failed municipalities
    have no numbers, and their ``message`` is the error ``hotspots weekly`` would print.
    """
    rows = []
    for o in outcomes:
        r = o.row or {}
        rows.append({
            "code": o.code, "municipality": o.name, "status": o.status,
            "incidents": r.get("incidents"), "segments": r.get("segments"),
            "hot_segments": r.get("hot_segments"), "share_top5": r.get("share_top5"),
            "concentration": r.get("concentration"), "hit_rate": r.get("hit_rate"),
            "geocoding_rate": r.get("geocoding_rate"), "exit_code": o.exit_code,
            "message": o.message or "", "seconds": round(float(o.seconds), 3),
            "cpu_seconds": round(float(o.cpu_seconds), 3),
            "worker": o.worker or "",
        })
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("incidents", "segments", "hot_segments"):
        table[col] = table[col].astype("Int64")
    for col in ("share_top5", "concentration", "hit_rate", "geocoding_rate"):
        table[col] = table[col].astype("float64")
    return table


def state_totals(table: pd.DataFrame) -> dict:
    """Counts of municipalities by status and the state's totals (of the finished ones)."""
    ok = table["status"].isin(["done", "skipped"])
    low = ok & (table["geocoding_rate"] < RATCLIFFE_MIN_RATE)
    return {
        "municipalities": len(table),
        "done": int((table["status"] == "done").sum()),
        "skipped": int((table["status"] == "skipped").sum()),
        "failed": int((~ok).sum()),
        "incidents": int(table.loc[ok, "incidents"].fillna(0).sum()),
        "segments": int(table.loc[ok, "segments"].fillna(0).sum()),
        "hot_segments": int(table.loc[ok, "hot_segments"].fillna(0).sum()),
        "median_share_top5": _median(table.loc[ok, "share_top5"]),
        "median_hit_rate": _median(table.loc[ok, "hit_rate"]),
        "low_geocoding": table.loc[low, "code"].tolist(),
    }


def _records(table: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON values (missing numbers → null)."""
    plain = table.astype(object).where(table.notna(), None)
    return plain.to_dict(orient="records")


def _median(values: pd.Series) -> float | None:
    v = values.dropna()
    return None if v.empty else float(v.median())


def write_state_summary(config: StateConfig, outcomes, *, week: str, folder: Path,
                        split: dict | None, now) -> dict[str, Path]:
    """Write the state summary folder atomically (replacing an earlier one of the week)."""
    from hotspots.pipeline import atomic
    from hotspots.pipeline.manifest import write_json
    from hotspots.state import bulletin, statemap

    table = state_table(outcomes)
    totals = state_totals(table)
    exit_code = 0 if totals["failed"] == 0 else EXIT_SOME_FAILED
    polygons = statemap.municipality_polygons(config, table)
    files: dict[str, Path] = {}
    folder.parent.mkdir(parents=True, exist_ok=True)
    with atomic.folder_lock(folder):
        atomic.recover(folder)
        with atomic.swap_in(folder, overwrite=True) as tmp:
            table.to_csv(tmp / "state.csv", index=False)
            files["table"] = tmp / "state.csv"
            write_json({"week": week, "title": config.title, "run_time": now.isoformat(),
                        "exit_code": exit_code, "totals": totals, "split": split,
                        "municipalities": _records(table)},
                       tmp / "state.json")
            files["json"] = tmp / "state.json"
            page = statemap.state_map_html(polygons, table, title=config.title, week=week,
                                           language=config.state.language)
            (tmp / "map.html").write_text(page, encoding="utf-8")
            files["map"] = tmp / "map.html"
            for lang in ("pt", "en"):
                path = tmp / f"bulletin_{lang}.html"
                path.write_text(bulletin.render_state_bulletin(
                    table, totals, polygons=polygons, title=config.title, week=week,
                    timezone=config.state.timezone, split=split, language=lang),
                    encoding="utf-8")
                files[f"bulletin_{lang}"] = path
    return {k: folder / v.name for k, v in files.items()}


LINES = {
    "en": {"week": "week", "done": "done", "skipped": "done earlier (skipped)",
           "failed": "failed", "incidents": "incidents", "hot": "hot segments",
           "of": "of", "changed": "{code} {name}: kept the week written earlier, but these "
           "inputs changed since: {inputs} (--overwrite --only {code} redoes it)",
           "streets": "streets", "boundary": "boundary",
           "wrote": "state summary", "rerun": "rerun the same command to redo only the failed "
           "municipalities", "split": "state-wide file: {read} records, {assigned} assigned, "
           "{lost} unassigned"},
    "pt": {"week": "semana", "done": "concluídos", "skipped": "concluídos antes (pulados)",
           "failed": "com falha", "incidents": "ocorrências", "hot": "segmentos quentes",
           "of": "de", "changed": "{code} {name}: mantida a semana já escrita, mas estas "
           "entradas mudaram desde então: {inputs} (--overwrite --only {code} refaz)",
           "streets": "ruas", "boundary": "limite",
           "wrote": "resumo estadual", "rerun": "rode o mesmo comando de novo para refazer só "
           "os municípios com falha", "split": "arquivo estadual: {read} registros, "
           "{assigned} atribuídos, {lost} sem município"},
}


def summary_lines(result, *, language: str = "pt") -> list[str]:
    """The lines ``hotspots state`` prints: counts by status, totals, failures, the files."""
    from hotspots.i18n import number

    lang = "pt" if language == "pt" else "en"
    t = LINES[lang]
    table = state_table(result.outcomes)
    tot = state_totals(table)
    lines = [f"{t['week']}: {result.week}",
             f"{t['done']}: {tot['done']}   {t['skipped']}: {tot['skipped']}   "
             f"{t['failed']}: {tot['failed']}   ({t['of']} {tot['municipalities']})",
             f"{t['incidents']}: {number(tot['incidents'], lang)}   "
             f"{t['hot']}: {number(tot['hot_segments'], lang)}"]
    if result.split:
        lines.append(t["split"].format(read=number(result.split["rows_read"], lang),
                                       assigned=number(result.split["assigned"], lang),
                                       lost=number(sum(result.split["unassigned"].values()),
                                                   lang)))
    for o in result.failed:
        lines.append(f"  {o.code} {o.name}: exit {o.exit_code}: {brief(o.message)}")
    for o in result.outcomes:
        if o.status == "skipped" and o.changed:  # kept, but its inputs changed since
            lines.append("  " + t["changed"].format(code=o.code, name=o.name,
                                                   inputs=", ".join(t[k] for k in o.changed)))
    if result.failed:
        lines.append(t["rerun"])
    lines.append(f"{t['wrote']}: {result.folder}")
    lines += [f"    {p}" for p in result.files.values()]
    return lines
