"""The one-page state bulletin (A4, pt-BR or English): the week's totals, a map, the municipalities.

Self-contained HTML (inline CSS and SVG, no script, no network) that prints to one A4 page:
headline numbers, a small map of the municipalities by the week's incidents, the ten
municipalities with most incidents, the failures with their error, and the municipalities
below Ratcliffe's 85 % geocoding rate. Text from inputs (names, messages) is escaped.
"""

from __future__ import annotations

import html
from importlib import metadata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.state.statemap import INCIDENT_CLASSES, NO_DATA, _incident_index
from hotspots.state.tasks import brief

__all__ = ["TEXT", "render_state_bulletin"]

TEXT = {
    "en": {
        "bulletin": "State bulletin", "week": "Week", "municipalities": "Municipalities",
        "finished": "finished", "failed": "failed", "incidents": "Incidents",
        "hot": "Hot segments", "segments": "Segments", "median_top5":
        "Median share on a city's top 5 % of segments",
        "median_hit": "Median hit rate of last week's hot",
        "top": "Municipalities with most incidents this week", "municipality": "Municipality",
        "code": "IBGE", "top5": "Top 5 %", "conc": "50 % on", "hit": "Hit rate",
        "geo": "Geocoded", "status": "Status", "failures": "Municipalities that failed",
        "error": "Error", "exit": "Exit", "none_failed": "Every municipality finished.",
        "low_geo": "Below the 85 % minimum reliable geocoding rate (Ratcliffe 2004)",
        "none": "none", "map": "Incidents in the week", "no_data": "no result",
        "split": "State-wide incident file: {read} records read, {assigned} assigned to a "
        "municipality, {unassigned} unassigned (listed in inputs/{week}/unassigned.csv).",
        "defs": "Top 5 %: share of the week's incidents on the 5 % of the city's segments with "
        "most. 50 % on: share of segments holding half of them (Weisburd 2015: 2.1–6.0 %). Hit "
        "rate: share of this week's incidents on last week's hot segments (– when last week had none). Geocoded: records "
        "placed on a street segment out of records read.",
        "footer": "hotspots {version}. Counts per municipality; no personal data.",
        "done": "done", "skipped": "done earlier", "failed_s": "failed",
    },
    "pt": {
        "bulletin": "Boletim estadual", "week": "Semana", "municipalities": "Municípios",
        "finished": "concluídos", "failed": "com falha", "incidents": "Ocorrências",
        "hot": "Segmentos quentes", "segments": "Segmentos", "median_top5":
        "Mediana da parcela nos 5 % de segmentos do topo",
        "median_hit": "Mediana da taxa de acerto",
        "top": "Municípios com mais ocorrências na semana", "municipality": "Município",
        "code": "IBGE", "top5": "5 % do topo", "conc": "50 % em", "hit": "Acerto",
        "geo": "Geocod.", "status": "Situação", "failures": "Municípios com falha",
        "error": "Erro", "exit": "Código", "none_failed": "Todos os municípios concluíram.",
        "low_geo": "Abaixo da taxa mínima confiável de geocodificação de 85 % (Ratcliffe 2004)",
        "none": "nenhum", "map": "Ocorrências na semana", "no_data": "sem resultado",
        "split": "Arquivo estadual de ocorrências: {read} registros lidos, {assigned} "
        "atribuídos a um município, {unassigned} sem município (em inputs/{week}/"
        "unassigned.csv).",
        "defs": "5 % do topo: parcela das ocorrências da semana nos 5 % dos segmentos do "
        "município com mais ocorrências. 50 % em: parcela dos segmentos que concentram metade "
        "delas (Weisburd 2015: 2,1–6,0 %). Acerto: parcela das ocorrências da semana nos "
        "segmentos quentes da semana anterior (– quando ela não teve nenhum). Geocod.: registros colocados num segmento de "
        "rua, do total lido.",
        "footer": "hotspots {version}. Contagens por município; nenhum dado pessoal.",
        "done": "concluído", "skipped": "concluído antes", "failed_s": "falhou",
    },
}

CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 9.5pt/1.3 "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0;
       width: 186mm; }
h1 { font-size: 15pt; margin: 0 0 1mm; } h2 { font-size: 10.5pt; margin: 3mm 0 1mm; }
.sub { color: #555; margin-bottom: 2mm; }
.kpis { display: flex; gap: 2mm; margin: 2mm 0; }
.kpi { flex: 1; border: 1px solid #ccc; border-radius: 2mm; padding: 1.5mm 2mm; }
.kpi b { display: block; font-size: 13pt; } .kpi span { color: #555; font-size: 7.5pt;
  line-height: 1.2; display: block; }
.row { display: flex; gap: 4mm; align-items: flex-start; }
.map { flex: 0 0 70mm; } .map svg { width: 70mm; height: auto; border: 1px solid #ddd; }
.legend span { display: inline-block; width: 3mm; height: 3mm; margin: 0 1mm 0 2mm;
               vertical-align: middle; border: 1px solid #777; }
.legend { font-size: 7.5pt; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.6mm 1mm; text-align: right;
         white-space: nowrap; }
td.l { white-space: normal; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
.small { font-size: 7.5pt; color: #555; } .bad { color: #b2182b; }
.fail td { vertical-align: top; } .fail td.msg { text-align: left; font-size: 7.5pt; }
"""


def _pct(v, digits: int = 0, language: str = "en") -> str:
    if v is None or pd.isna(v):
        return "–"
    text = f"{100 * float(v):.{digits}f}\u00a0%"
    return text.replace(".", ",") if language == "pt" else text


def _int(v, language: str) -> str:
    if v is None or pd.isna(v):
        return "–"
    text = f"{int(v):,}"
    return text.replace(",", ".") if language == "pt" else text


def _svg_map(polygons: gpd.GeoDataFrame, table: pd.DataFrame, width: float = 700.0) -> str:
    """A plain SVG of the municipalities (equirectangular at the mean latitude)."""
    if polygons is None or len(polygons) == 0:
        return ""
    frame = polygons.merge(table[["code", "incidents"]], on="code", how="left")
    minx, miny, maxx, maxy = frame.total_bounds
    k = np.cos(np.radians((miny + maxy) / 2))
    scale = width / max((maxx - minx) * k, 1e-9)
    height = (maxy - miny) * scale
    tol = 0.6 / scale  # below a pixel
    colors = [c for _, c in INCIDENT_CLASSES] + [NO_DATA]
    idx = _incident_index(frame["incidents"])
    paths = []
    for geom, i in zip(frame.geometry, idx):
        g = shapely.simplify(geom, tol)
        d = []
        for poly in getattr(g, "geoms", [g]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                px = (xy[:, 0] - minx) * k * scale
                py = (maxy - xy[:, 1]) * scale
                d.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py)) + "Z")
        paths.append(f'<path d="{"".join(d)}" fill="{colors[int(i)]}"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}">'
            f'<g stroke="#666" stroke-width="0.4" fill-rule="evenodd">{"".join(paths)}</g></svg>')


def render_state_bulletin(table: pd.DataFrame, totals: dict, *, polygons: gpd.GeoDataFrame,
                          title: str, week: str, timezone: str, split: dict | None = None,
                          language: str = "pt") -> str:
    """The bulletin as one HTML page (A4).

    Parameters
    ----------
    table : DataFrame
        :func:`hotspots.state.summary.state_table`.
    totals : dict
        :func:`hotspots.state.summary.state_totals`.
    polygons : GeoDataFrame
        Municipalities (``code``, geometry in EPSG:4326) for the map.
    title, week, timezone : str
        Bulletin title, ISO week and the state's time zone (for the dates).
    split : dict, optional
        The accounting of the state-wide incident file.
    language : str
        ``'pt'`` or ``'en'``.
    """
    from hotspots import weekly

    lang = "pt" if language == "pt" else "en"
    t = TEXT[lang]
    esc = html.escape
    dates = weekly.date_range_text(weekly.parse_week(week, timezone=timezone), lang)
    ok = table["status"].isin(["done", "skipped"])
    kpis = [
        (f"{totals['done'] + totals['skipped']} / {totals['municipalities']}",
         f"{t['municipalities']} {t['finished']}"),
        (str(totals["failed"]), f"{t['municipalities']} {t['failed']}"),
        (_int(totals["incidents"], lang), t["incidents"]),
        (_int(totals["hot_segments"], lang), t["hot"]),
        (_pct(totals["median_share_top5"], 0, lang), t["median_top5"]),
        (_pct(totals["median_hit_rate"], 0, lang), t["median_hit"]),
    ]
    kpi_html = "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>'
                       for v, k in kpis)
    top = table[ok].sort_values(["incidents", "code"], ascending=[False, True]).head(10)
    rows = "".join(
        f"<tr><td class='l'>{esc(str(r.municipality))}</td><td>{esc(r.code)}</td>"
        f"<td>{_int(r.incidents, lang)}</td><td>{_int(r.hot_segments, lang)}</td>"
        f"<td>{_pct(r.share_top5, 0, lang)}</td><td>{_pct(r.concentration, 1, lang)}</td>"
        f"<td>{_pct(r.hit_rate, 0, lang)}</td>"
        f"<td class='{'bad' if pd.notna(r.geocoding_rate) and r.geocoding_rate < 0.85 else ''}'>"
        f"{_pct(r.geocoding_rate, 0, lang)}</td></tr>" for r in top.itertuples())
    head = (f"<tr><th class='l'>{t['municipality']}</th><th>{t['code']}</th>"
            f"<th>{t['incidents']}</th><th>{t['hot']}</th><th>{t['top5']}</th>"
            f"<th>{t['conc']}</th><th>{t['hit']}</th><th>{t['geo']}</th></tr>")
    failed = table[~ok]
    if len(failed):
        shown = failed.head(8)
        fail_rows = "".join(
            f"<tr><td class='l'>{esc(str(r.municipality))} ({esc(r.code)})</td>"
            f"<td>{int(r.exit_code)}</td><td class='msg'>"
            f"{esc(brief(r.message)[:220])}</td></tr>"
            for r in shown.itertuples())
        more = (f"<p class='small'>+ {len(failed) - len(shown)} …</p>"
                if len(failed) > len(shown) else "")
        fail_html = (f"<table class='fail'><tr><th class='l'>{t['municipality']}</th>"
                     f"<th>{t['exit']}</th><th class='l'>{t['error']}</th></tr>{fail_rows}"
                     f"</table>{more}")
    else:
        fail_html = f"<p>{t['none_failed']}</p>"
    low = table[table["code"].isin(totals["low_geocoding"])]
    low_text = ", ".join(f"{r.municipality} ({_pct(r.geocoding_rate, 0, lang)})"
                         for r in low.head(15).itertuples()) or t["none"]
    if len(low) > 15:
        low_text += f" + {len(low) - 15}"
    legend = "".join(
        f"<span style='background:{c}'></span>{lo}{'+' if i == len(INCIDENT_CLASSES) - 1 else '–' + str(INCIDENT_CLASSES[i + 1][0] - 1)}"
        for i, (lo, c) in enumerate(INCIDENT_CLASSES))
    legend += f"<span style='background:{NO_DATA}'></span>{t['no_data']}"
    split_html = ""
    if split:
        lost = sum(split.get("unassigned", {}).values())
        split_html = "<p class='small'>" + esc(t["split"].format(
            read=_int(split["rows_read"], lang), assigned=_int(split["assigned"], lang),
            unassigned=_int(lost, lang), week=week)) + "</p>"
    try:
        version = metadata.version("hotspots")
    except metadata.PackageNotFoundError:  # pragma: no cover
        version = "?"
    return f"""<!DOCTYPE html>
<html lang="{'pt-BR' if lang == 'pt' else 'en'}"><head><meta charset="utf-8">
<title>{esc(title)} — {esc(week)}</title><style>{CSS}</style></head><body>
<h1>{esc(title)}</h1>
<div class="sub">{t['bulletin']} · {t['week']} {esc(week)} ({esc(dates)})</div>
<div class="kpis">{kpi_html}</div>
<div class="row"><div class="map"><h2>{t['map']}</h2>{_svg_map(polygons, table)}
<div class="legend">{legend}</div></div>
<div style="flex:1"><h2>{t['top']}</h2><table>{head}{rows}</table></div></div>
<h2>{t['failures']}</h2>{fail_html}
<h2>{t['low_geo']}</h2><p>{esc(low_text)}</p>
{split_html}<p class="small">{esc(t['defs'])}</p>
<p class="small">{esc(t['footer'].format(version=version))}</p>
</body></html>
"""
