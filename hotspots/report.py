"""The weekly bulletin: a self-contained report.html (pt-BR or English) saying what changed and why.

On top a plain-language summary built from the facts below it; then a map of this week's hot
segments (new, persistent, cooling) drawn from the data, every hot segment (or "15 of 32, full
list in hot_segments.csv") with the new and cooling lists, incidents by category against last
week and the mean of the weeks before with an exact Poisson test, a day-of-week × hour table,
the week-by-week small multiples with a legend, the KDE over the streets in the map's ramp, the
plan, near repeats and emerging hot spots when they exist, geocoding quality and definitions.
Every word comes from the message catalogue (``hotspots.i18n``); numbers and dates are in the
language's format; every image has alt text. Printed (A4) it fits three pages, each with the
week, the run date and its number.
"""

from __future__ import annotations

import functools
import math
from importlib import resources

import numpy as np
import pandas as pd

from hotspots import i18n
from hotspots._errors import ValidationError
from hotspots.bulletin_sections import (
    LIST_ROWS,
    definitions,
    emerging_section,
    fmt_num,
    img_tag,
    near_repeat_section,
    p_text,
    plan_section,
    qa_rows,
    svg_tag,
)

__all__ = ["fmt_num", "hot_segment_rows", "moran_points", "render_report"]

LANGUAGES = ("pt", "en")
HOT_ROWS = 15  #: hot segments listed in the bulletin (the rest in hot_segments.csv)


@functools.cache
def _template():
    """The bulletin's Jinja template, compiled once per process."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)
    return env.from_string((resources.files("hotspots") / "templates" / "report.html.j2")
                           .read_text(encoding="utf-8"))


def render_report(
    *,
    summary: dict,
    segments: pd.DataFrame | None,
    weekly_counts: pd.DataFrame | None = None,
    kde=None,
    weights=None,
    title: str = "hotspots",
    language: str = "en",
    top_n: int = HOT_ROWS,
    buffer_m: float = 15.0,
    near_repeat=None,
    category_changes: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    timezone: str | None = None,
    run_date=None,
    breaks: dict | None = None,
) -> str:
    """The bulletin as one HTML string: no external file, script or font is referenced.

    Parameters
    ----------
    summary : dict
        The run summary (``WeekResult.summary()``).
    segments : GeoDataFrame or None
        Every segment with the run's columns (analysis CRS).
    weekly_counts : DataFrame, optional
        The incidents of the window with a ``week`` column (small multiples).
    kde : Raster, optional
        The incident density (drawn over the streets in the map's classes).
    weights : optional
        Spatial weights of the Moran scatter plot.
    title, language : str
        The city's title; 'pt' (or 'pt-BR') or 'en'.
    top_n : int
        Hot segments listed (the rest are in hot_segments.csv; the bulletin says so).
    category_changes : DataFrame, optional
        :func:`hotspots.stats.rate_change.category_changes` of the week.
    incidents : DataFrame, optional
        The incidents behind the day-of-week × hour table (``occurred_at``).
    timezone : str, optional
        The city's time zone (the day and hour of the table are local).
    run_date : date, optional
        The date of the run (page footers); default: today.
    breaks : dict, optional
        The summary's ``class_breaks`` (the map's classes: small multiples and definitions).
    """
    lang = _language(language)
    t = i18n.translator(lang, "bulletin")
    from hotspots import __version__

    template = _template()
    run_date = run_date or pd.Timestamp.now(tz=timezone or "UTC").date()
    date_shown = i18n.date_text(run_date, lang)
    base = None
    if segments is not None and len(segments) and hasattr(segments, "geometry"):
        from hotspots.figures.bulletin import lines_path

        base = lines_path(segments.geometry.values)
    hot = _hot_section(segments, summary, t, lang, top_n)
    cats = _category_rows(category_changes, t, lang)
    return template.render(
        t=t, lang=lang, title=title, summary=summary, week=summary.get("week"),
        week_dates=_week_dates(summary, lang), run_date=date_shown,
        period=_period(summary, incidents, lang, t),
        lead=_lead(summary, hot, category_changes, _dates(incidents, lang), t, lang),
        headline=_headline(summary, t, lang),
        hot_map=_hot_map(segments, summary, base, t, lang),
        hot=hot, categories=cats,
        when=_when(incidents, summary, timezone, t, lang),
        figures=_figures(summary, segments, weekly_counts, kde, weights, base, breaks, t, lang),
        plan=plan_section(summary, t, lang),
        qa=qa_rows(summary, t, lang),
        emerging=emerging_section(summary, segments, t, lang),
        near_repeat=near_repeat_section(summary, near_repeat, t, lang),
        definitions=definitions(summary, t, buffer_m, lang, category_changes, breaks),
        footer=t("footer", version=__version__, date=date_shown),
    )


# --- formats ----------------------------------------------------------------------------------


def _language(language: str) -> str:
    code = str(language).lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValidationError(f"report language {language!r} is not supported; use 'pt' "
                              "(português) or 'en' (English) in [parameters] language")
    return code




def _week_dates(summary: dict, lang: str) -> str:
    """The analysed week's first and last day, inclusive, in the language's date format."""
    dates = summary.get("week_dates")
    if not dates:
        return ""
    return f"{i18n.date_text(dates['first'], lang)} – {i18n.date_text(dates['last'], lang)}"


def _period(summary: dict, incidents, lang: str, t) -> str:
    if summary.get("week"):
        return f"{t('week')} {summary['week']} ({_week_dates(summary, lang)})"
    if incidents is not None and len(incidents) and "occurred_at" in incidents:
        times = incidents["occurred_at"].dropna()
        if len(times):
            return t("all_dates", first=i18n.date_text(times.min(), lang),
                     last=i18n.date_text(times.max(), lang))
    return t("all_weeks")


# --- the summary at the top -------------------------------------------------------------------


def _dates(incidents, lang: str) -> tuple[str, str]:
    """First and last day of the incidents shown (all-incidents runs)."""
    if incidents is None or not len(incidents) or "occurred_at" not in incidents:
        return "–", "–"
    times = incidents["occurred_at"].dropna()
    if not len(times):
        return "–", "–"
    return i18n.date_text(times.min(), lang), i18n.date_text(times.max(), lang)


def _lead(summary: dict, hot: dict, changes, dates: tuple[str, str], t, lang: str
          ) -> list[str]:
    """A few sentences in plain language, each built from a fact shown below."""
    out = []
    wow = summary.get("week_over_week")
    num = lambda v, d=0: i18n.number(v, lang, digits=d)  # noqa: E731
    if wow:
        n, prev, mean = wow["incidents_week"], wow["incidents_prev"], wow["incidents_hist_mean"]
        k = len(wow["weekly_totals"]) - 1
        out.append(t("s_week", n=num(n), prev=num(prev), mean=num(mean, 1), k=k,
                     vs_prev=_rel(n, prev, lang), vs_mean=_rel(n, mean, lang)))
        if changes is not None and len(changes):
            total = changes.iloc[-1]
            key = "s_noise_out" if total["p_mean"] < 0.05 else "s_noise_in"
            out.append(t(key, p=p_text(total["p_mean"], lang)))
        out.append(t("s_hot", hot=num(wow["hot_new"] + wow["hot_persistent"]),
                     new=num(wow["hot_new"]), persistent=num(wow["hot_persistent"]),
                     cooling=num(wow["hot_cooling"])))
    elif summary.get("week"):
        out.append(t("s_first", n=num(summary.get("incidents_week"))))
    else:
        out.append(t("s_all", n=num(summary.get("used")), segs=num(summary.get("segments")),
                     first=dates[0], last=dates[1]))
        if hot.get("n_hot") is not None:
            out.append(t("s_gi", hot=num(hot["n_hot"])))
    if changes is not None and len(changes) > 1:
        cats = changes.iloc[:-1]
        sig = cats[cats["significant_mean"]]
        up = [t("s_cat_item", category=str(c), n=num(r["this_week"]), mean=num(r["mean_prev"], 1))
              for c, r in sig.iterrows() if r["this_week"] > r["mean_prev"]]
        down = [t("s_cat_item", category=str(c), n=num(r["this_week"]),
                  mean=num(r["mean_prev"], 1))
                for c, r in sig.iterrows() if r["this_week"] < r["mean_prev"]]
        if up:
            out.append(t("s_up", what="; ".join(up)))
        if down:
            out.append(t("s_down", what="; ".join(down)))
        if not up and not down:
            out.append(t("s_cats_none"))
    conc = summary.get("concentration_weisburd") or {}
    if conc.get("segments") and conc.get("share_for_50pct") is not None:
        out.append(t("s_conc", s50=i18n.percent(conc["share_for_50pct"], lang)))
    return out


def _rel(n, base, lang: str) -> str:
    if not base:
        return "–"
    return i18n.percent((n - base) / base, lang, digits=0, sign=True)


def _headline(summary: dict, t, lang: str) -> list[tuple[str, str, str]]:
    """(label, big number, small print) cards."""
    cards = []
    wow = summary.get("week_over_week")
    if wow:
        n, prev, mean = wow["incidents_week"], wow["incidents_prev"], wow["incidents_hist_mean"]
        n_hist = len(wow["weekly_totals"]) - 1
        cards.append((t("incidents_week"), fmt_num(n, lang),
                      f"{_rel(n, prev, lang)} {t('vs_prev')} ({fmt_num(prev, lang)}); "
                      f"{_rel(n, mean, lang)} {t('vs_mean', n=n_hist)}"))
        hot = wow["hot_new"] + wow["hot_persistent"]
        cards.append((t("hot_now"), fmt_num(hot, lang),
                      t("hot_small", new=wow["hot_new"], persistent=wow["hot_persistent"],
                        cooling=wow["hot_cooling"])))
    elif summary.get("week"):
        cards.append((t("incidents_week"), fmt_num(summary.get("incidents_week"), lang),
                      t("no_previous")))
    else:
        cards.append((t("incidents_all"), fmt_num(summary.get("used"), lang), t("all_weeks")))
    ev = summary.get("evaluation")
    if ev:
        cards.append((t("hit_rate"), fmt_num(ev["hit_rate"], lang, digits=1, pct=True),
                      t("hit_small", n=fmt_num(ev["n"], lang), N=fmt_num(ev["N"], lang),
                        flagged=fmt_num(ev["flagged_segments"], lang))))
        cards.append((t("pai_length"), fmt_num(ev["pai_length"], lang, digits=2),
                      t("pai_small", area=fmt_num(ev["pai_area"], lang, digits=2),
                        rri=fmt_num(ev["rri"], lang, digits=2))))
    conc = summary.get("concentration_weisburd") or {}
    if conc.get("segments"):
        s50, s25 = conc["share_for_50pct"], conc["share_for_25pct"]
        cards.append((t("conc"), fmt_num(s50, lang, digits=1, pct=True),
                      t("conc_text", s50=fmt_num(s50, lang, digits=1, pct=True),
                        s25=fmt_num(s25, lang, digits=1, pct=True),
                        gini=fmt_num(conc["gini"], lang, digits=2))
                      + " " + (t("weisburd_in") if conc.get("within_weisburd_50")
                               else t("weisburd_out"))))
    return cards


# --- hot segments -----------------------------------------------------------------------------


def hot_segment_rows(segments: pd.DataFrame) -> pd.DataFrame:
    """The hot segments in the bulletin's order: this week's hot ones (weekly runs: the
    ``hot`` flag; else Gi* class ≥ 95 %, else the segments with incidents), by Gi* class, Gi*
    z-score, then incidents."""
    seg = segments
    if "hot" in seg.columns:
        chosen = seg[seg["hot"].fillna(False).astype(bool)]
    elif "gi_bin" in seg.columns and seg["gi_bin"].notna().any():
        chosen = seg[pd.to_numeric(seg["gi_bin"], errors="coerce").fillna(0) >= 2]
    else:
        chosen = seg[seg["count"] > 0]
    keys = [c for c in ("gi_bin", "gi_z", "count") if c in chosen.columns]
    return chosen.sort_values(keys, ascending=False, kind="stable")


def _gi_label(v, lang: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return i18n.text(f"bulletin.gi_short.{int(v)}", lang)


def _hot_section(segments, summary: dict, t, lang: str, top_n: int) -> dict:
    if segments is None or len(segments) == 0 or "count" not in segments.columns:
        return {"columns": [], "rows": [], "note": "", "new": [], "cooling": []}
    weekly = "hot_status" in segments.columns
    hot = hot_segment_rows(segments)
    fallback = False
    if not len(hot) and not weekly:
        hot = segments[segments["count"] > 0].sort_values("count", ascending=False)
        fallback = True
    shown = hot.head(top_n)
    spec = [("street", lambda r: r.get("street_name") or i18n.text("words.unnamed_street",
                                                                     lang)),
            ("segment", lambda r: str(r.name)),
            ("count", lambda r: fmt_num(r["count"], lang)),
            ("rate", lambda r: fmt_num(r.get("rate_per_100m"), lang, digits=1))]
    if "count_prev" in segments.columns:
        spec += [("prev", lambda r: fmt_num(r["count_prev"], lang)),
                 ("change", lambda r: i18n.signed(r["change_prev"], lang))]
    if "gi_bin" in segments.columns:
        spec.append(("gi", lambda r: _gi_label(r["gi_bin"], lang)))
    if weekly:
        spec.append(("status", lambda r: i18n.text(f"words.status.{r['hot_status']}", lang)))
    rows = [[str(f(r)) for _, f in spec] for _, r in shown.iterrows()]
    numeric = [k in ("count", "rate", "prev", "change") for k, _ in spec]
    if fallback:
        note = t("top_cut", shown=len(shown))
    elif len(hot) > len(shown):
        note = t("hot_cut", shown=len(shown), n=len(hot))
    else:
        note = t("hot_all", n=len(hot))

    def names(frame):
        out = []
        for _, r in frame.head(LIST_ROWS).iterrows():
            street = r.get("street_name") or i18n.text("words.unnamed_street", lang)
            out.append(f"{street} ({fmt_num(r['count'], lang)})")
        if len(frame) > LIST_ROWS:
            out.append(f"… +{len(frame) - LIST_ROWS}")
        return out

    new = cooling = []
    if weekly:
        st = segments["hot_status"]
        new = names(segments[st == "new"].sort_values("count", ascending=False))
        cooling = names(segments[st == "cooling"].sort_values("count", ascending=False))
    n_hot = None if weekly or fallback else len(hot)
    return {"columns": [t(k) for k, _ in spec], "numeric": numeric, "rows": rows,
            "note": note, "new": new, "cooling": cooling, "weekly": weekly, "n_hot": n_hot,
            "heading": t("top") if not fallback else t("top_all")}


def _hot_map(segments, summary: dict, base, t, lang: str) -> str | None:
    if segments is None or len(segments) == 0 or not hasattr(segments, "geometry"):
        return None
    if "hot_status" not in segments.columns and "gi_bin" not in segments.columns:
        return None
    from hotspots.figures.bulletin import hot_map_png

    weekly = "hot_status" in segments.columns
    return img_tag(hot_map_png(segments, lang=lang, base=base),
                t("map_alt") if weekly else t("map_alt_all"))


# --- categories and time of day ---------------------------------------------------------------


def _category_rows(changes: pd.DataFrame | None, t, lang: str) -> dict | None:
    if changes is None or not len(changes):
        return None
    n_prev = changes.attrs.get("n_prev", 0)
    rows = []
    last = len(changes) - 1
    for i, (cat, r) in enumerate(changes.iterrows()):
        total = i == last
        mark_l = " ●" if r["significant_last"] else ""
        mark_m = " ●" if r["significant_mean"] else ""
        rows.append({"name": t("cat_total") if total else str(cat), "total": total,
                     "cells": [fmt_num(r["this_week"], lang), fmt_num(r["last_week"], lang),
                               i18n.signed(r["change"], lang) + mark_l,
                               fmt_num(r["mean_prev"], lang, digits=1),
                               _rel(r["this_week"], r["mean_prev"], lang) + mark_m]})
    return {"columns": [t("category"), t("cat_this"), t("cat_last"), t("change"),
                        t("cat_mean", n=n_prev), t("cat_vs_mean")],
            "rows": rows, "note": t("cat_note")}


def _when(incidents, summary: dict, timezone, t, lang: str) -> dict | None:
    """Day-of-week × hour counts with cell shades (a table, readable in print)."""
    if incidents is None or not len(incidents) or "occurred_at" not in incidents.columns:
        return None
    times = pd.Series(incidents["occurred_at"]).dropna()
    if timezone and len(times) and times.dt.tz is not None:
        times = times.dt.tz_convert(timezone)
    if not len(times):
        return None
    table = np.zeros((7, 24), dtype=np.int64)
    np.add.at(table, (times.dt.day_of_week.to_numpy(), times.dt.hour.to_numpy()), 1)
    top = max(int(table.max()), 1)
    rows = []
    for d in range(7):
        cells = []
        for h in range(24):
            v = int(table[d, h])
            shade = 0.0 if v == 0 else 0.15 + 0.85 * v / top
            cells.append((v, f"rgba(189,0,38,{shade:.2f})", shade > 0.55))
        rows.append((i18n.text(f"words.day.{d}", lang), cells))
    weeks = summary.get("weeks_window") or []
    caption = (t("when_caption", n=len(weeks), first=weeks[0], last=weeks[-1]) if weeks
               else t("when_caption_all"))
    return {"rows": rows, "hours": list(range(24)), "caption": caption}


# --- figures ----------------------------------------------------------------------------------


def _figures(summary, segments, window, kde, weights, base, breaks, t, lang: str) -> dict:
    """The bulletin's figures by name: (caption, markup) of multiples, trend, kde, curve and
    moran (those that can be drawn)."""
    from hotspots.figures import bulletin as fig

    out: dict = {}
    if window is not None and segments is not None and "week" in window.columns and len(window):
        weeks = sorted(window["week"].unique())[-9:]
        counts = _count_matrix(window, segments.index, weeks)
        bounds = None if not breaks else tuple(breaks["weekly_counts"]["lower_bounds"])
        png = fig.small_multiples_png(segments, counts, lang=lang, lower_bounds=bounds,
                                      base=base)
        alt = t("multiples_alt", n=len(weeks), first=weeks[0], last=weeks[-1])
        out["multiples"] = (t("multiples"), img_tag(png, alt))
    wow = summary.get("week_over_week")
    if wow:
        weeks = list(wow["weekly_totals"])
        alt = t("trend_alt", first=weeks[0], last=weeks[-1])
        out["trend"] = (t("trend"), svg_tag(fig.trend_svg(wow["weekly_totals"], lang=lang), alt))
    if kde is not None:
        png = fig.kde_png(kde, segments=segments, lang=lang, base=base)
        out["kde"] = (t("kde"), img_tag(png, t("kde_alt")))
    if segments is not None and "count" in segments.columns:
        curve = fig.concentration_svg(segments["count"], lang=lang)
        out["curve"] = (t("curve"), svg_tag(curve, t("curve_alt")))
        mor = _moran(segments, weights, summary, lang)
        if mor:
            out["moran"] = (t("moran"), img_tag(mor, t("moran_alt")))
    return out


def _count_matrix(window: pd.DataFrame, index: pd.Index, weeks: list) -> pd.DataFrame:
    """Incidents per segment (rows, ``index``) and week (columns ``weeks``), zeros filled."""
    rows = index.get_indexer(window["segment_id"].to_numpy())
    cols = pd.Index(weeks).get_indexer(window["week"].to_numpy())
    ok = (rows >= 0) & (cols >= 0)
    flat = np.bincount(rows[ok] * len(weeks) + cols[ok], minlength=len(index) * len(weeks))
    return pd.DataFrame(flat.reshape(len(index), len(weeks)), index=index, columns=weeks)


def _moran(segments, weights, summary: dict, lang: str) -> bytes | None:
    """The Moran scatter plot when local Moran ran (its variable and weights)."""
    variable = (summary.get("gi_parameters") or {}).get("variable", "count")
    if "lisa_class" not in segments.columns or weights is None or variable not in segments:
        return None
    from hotspots.figures.bulletin import moran_png
    from hotspots.weights import to_sparse

    y = segments[variable].to_numpy(dtype=float)
    if y.std() == 0:
        return None
    z, lag, slope = moran_points(y, to_sparse(weights, segments.index))
    label = i18n.text(f"fields.{variable}", lang) if i18n.has(f"fields.{variable}") else variable
    return moran_png(z, lag, slope, segments["lisa_class"].astype(str).to_numpy(),
                     variable_label=label, lang=lang)


def moran_points(values: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray, float]:
    """Points of the Moran scatter plot: z-scores, their row-standardised lag (self excluded),
    and the slope of lag on z, which is global Moran's I with row-standardised weights."""
    import scipy.sparse as sp

    y = np.asarray(values, dtype=float)
    z = (y - y.mean()) / y.std()
    mat = sp.csr_array(weights, dtype=float)
    mat = mat - sp.diags_array(mat.diagonal())
    mat.eliminate_zeros()
    rows = np.asarray(mat.sum(axis=1)).ravel()
    rows[rows == 0] = 1.0
    lag = (mat @ z) / rows
    return z, lag, float((z @ lag) / (z @ z))


# --- sections from the summary ----------------------------------------------------------------
