"""The printable HTML report of an intervention evaluation (A4, pt-BR or English, self-contained)."""

from __future__ import annotations

import math
from pathlib import Path

import jinja2
import numpy as np

from hotspots._errors import ValidationError
from hotspots.intervention import figures
from hotspots.intervention.texts import LANGUAGES, TEXT, conclusion, fmt, note_text

__all__ = ["render_report", "write_report"]

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ 'pt-BR' if lang == 'pt' else 'en' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 190mm;
         margin: 0 auto; padding: 8mm; font-size: 10.5pt; line-height: 1.4; }
  h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm;
  border-bottom: 1px solid #bbb; } h3 { font-size: 11pt; margin: 4mm 0 1mm; }
  .sub { color: #555; margin: 0 0 4mm; }
  .conclusion { background: #f3f6fa; border-left: 4px solid #2471a3; padding: 3mm 4mm; }
  .conclusion p { margin: 1mm 0; } .conclusion p:first-child { font-weight: bold; }
  table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-size: 9pt; }
  th, td { border-bottom: 1px solid #ddd; padding: 1mm 1.5mm; text-align: right; }
  th:first-child, td:first-child { text-align: left; white-space: nowrap; }
  th { background: #f0f0f0; } td.txt { text-align: left; }
  .note { color: #555; font-size: 8.5pt; } figure { margin: 2mm 0; text-align: center; }
  figure img, figure svg { max-width: 100%; height: auto; }
  ul { margin: 1mm 0; padding-left: 5mm; } footer { margin-top: 8mm; color: #777;
  font-size: 8pt; }
  .warn { color: #a04000; }
  @page { size: A4; margin: 14mm 12mm; }
  @media print { body { padding: 0; max-width: none; font-size: 9.5pt; }
    h2 { break-after: avoid; } table, figure, .conclusion { break-inside: avoid; } }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="sub">{{ subtitle }}</p>
<section class="conclusion" id="conclusion"><h2 style="border:0;margin-top:0">{{ t.conclusion }}</h2>
{% for s in sentences %}<p>{{ s }}</p>{% endfor %}</section>

<h2>{{ t.map }}</h2>
<figure id="map"><img alt="{{ t.map }}" src="{{ map_png }}"></figure>
<p>{{ areas_text }}</p>

<h2>{{ t.counts }}</h2>
<table id="counts"><tr><th>{{ t.cohort }}</th><th>{{ t.area }}</th><th>{{ t.segments }}</th>
<th>{{ t.weeks_b }}</th><th>{{ t.weeks_a }}</th><th>{{ t.before }}</th><th>{{ t.after }}</th>
<th>{{ t.rate_b }}</th><th>{{ t.rate_a }}</th><th>{{ t.change }}</th></tr>
{% for r in counts %}<tr>{% for c in r %}<td{% if loop.index == 2 %} class="txt"{% endif %}>{{ c }}</td>{% endfor %}</tr>{% endfor %}
</table>

<h2>{{ t.classic }}</h2>
<table id="classic"><tr><th>{{ t.measure }}</th>{% for c in classic_cols %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in classic %}<tr>{% for c in r %}<td{% if loop.index > 1 and c is string and c|length > 14 %} class="txt"{% endif %}>{{ c }}</td>{% endfor %}</tr>{% endfor %}
</table>
<p class="note">{{ classic_note }}</p>

<h2>{{ t.model }}</h2>
<table id="effects"><tr><th>{{ t.term }}</th><th>{{ t.pct }}</th><th>{{ t.ci }}</th><th>{{ t.p }}</th></tr>
{% for r in effects %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}
</table>
<p class="note">{{ model_note }}</p>
{% if per_cohort %}<h3>{{ t.per_cohort }}</h3>
<table id="cohorts"><tr><th>{{ t.cohort }}</th><th>{{ t.term }}</th><th>{{ t.pct }}</th><th>{{ t.ci }}</th><th>{{ t.p }}</th></tr>
{% for r in per_cohort %}<tr>{% for c in r %}<td{% if loop.index == 2 %} class="txt"{% endif %}>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
{% if per_category %}<h3>{{ t.per_category }}</h3>
<table id="categories"><tr><th>{{ t.category }}</th><th>{{ t.term }}</th><th>{{ t.pct }}</th><th>{{ t.ci }}</th><th>{{ t.p }}</th></tr>
{% for r in per_category %}<tr>{% for c in r %}<td{% if loop.index == 2 %} class="txt"{% endif %}>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}

<h2>{{ t.event }}</h2>
<figure id="event-study">{{ event_svg | safe }}</figure>
<p class="note">{{ event_note }}</p>
<h3>{{ t.trajectory }}</h3>
<figure id="trajectory">{{ trajectory_svg | safe }}</figure>

<h2>{{ t.areas }}</h2>
<h3>{{ t.balance }}</h3>
<table id="balance"><tr><th>{{ t.covariate }}</th><th>{{ t.mean_t }}</th><th>{{ t.mean_pool }}</th>
<th>{{ t.mean_c }}</th><th>{{ t.smd_b }}</th><th>{{ t.smd_a }}</th></tr>
{% for r in balance %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>
<p class="note">{{ t.balance_note }}</p>

<h2>{{ t.caveats }}</h2>
<ul id="caveats">{% for c in caveats %}<li{% if c[1] %} class="warn"{% endif %}>{{ c[0] }}</li>{% endfor %}</ul>

<h2>{{ t.methods }}</h2>
<p class="note">{{ t.refs }}</p>
<footer>{{ footer }}</footer>
</body>
</html>
"""


def _lang(language: str) -> str:
    if language not in LANGUAGES:
        raise ValidationError(f"language={language!r}: choose one of {', '.join(LANGUAGES)}")
    return language


def render_report(result, *, language: str = "pt", title: str | None = None) -> str:
    """The report of ``result`` as one self-contained HTML text (figures inline, no network).

    Parameters
    ----------
    result : an :class:`~hotspots.intervention.study.InterventionEvaluation`.
    language : "pt" (Brazilian Portuguese) or "en".
    title : replaces the generated title.
    """
    lang = _lang(language)
    t = TEXT[lang]
    s = result.settings
    kinds = sorted(set(result.interventions.treated["kind"]))
    what = ", ".join(t["kinds"][k] for k in kinds)
    n_t = int((result.areas["role"] == "treated").sum())
    last = result.weeks[-1]
    cats = f" ({', '.join(s.categories)})" if s.categories else ""
    subtitle = t["subtitle"].format(
        n_iv=len(result.interventions.table), n_t=n_t, first=_date(result.weeks[0], lang),
        last=_date(last + np.timedelta64(6, "D"), lang), outcome=t["outcomes"][result.outcome],
        cats=cats)
    buffer = (t["buffer_m"].format(v=fmt(s.buffer_m, lang)) if s.buffer == "distance"
              else t["buffer_hops"].format(v=s.buffer_hops))
    given = next((n for n in result.notes if n.code == "controls_given"), None)
    if given is not None:
        ctrl = t["controls_given"].format(n=given.values["n"])
    elif s.controls == "all":
        ctrl = t["controls_all"]
    else:
        cov = [t["cov"][c] for c in result.balance.index[result.balance["matched_on"]]]
        ctrl = t["controls_matched"].format(k=s.controls_per_treated, cov=", ".join(cov))
    pretrend = result.event_study
    if math.isfinite(pretrend.pretrend_p):
        test = t["test"].format(f=fmt(pretrend.pretrend_f, lang, digits=2),
                                q=pretrend.pretrend_df, g=pretrend.pretrend_df2,
                                p=fmt(pretrend.pretrend_p, lang, digits=3))
    else:
        test = t["untestable"]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(TEMPLATE).render(
        lang=lang, t=t, title=title or t["title"].format(what=what), subtitle=subtitle,
        sentences=conclusion(result, lang), map_png=figures.map_png(result, t),
        areas_text=t["areas_text"].format(buffer=buffer, controls=ctrl),
        counts=_count_rows(result, t, lang), classic_cols=_classic_cols(result, t),
        classic=_classic_rows(result, t, lang),
        classic_note=t["classic_note"].format(weight=t["weight"][s.wdd_area_weight]),
        effects=_effect_rows(result.effects, t, lang),
        model_note=t["model_note"].format(n_seg=fmt(result.model["n_segments"], lang),
                                          n_obs=fmt(result.model["n_obs"], lang)),
        per_cohort=_grouped_rows(result.cohort_effects, t, lang),
        per_category=_grouped_rows(result.category_effects, t, lang),
        event_svg=figures.event_study_svg(result, t),
        event_note=t["event_note"].format(b=s.event_bin_weeks, test=test),
        trajectory_svg=figures.trajectory_svg(result, t),
        balance=_balance_rows(result, t, lang), caveats=_caveats(result, t, lang),
        footer=t["footer"].format(version=_version()))
    return html


def write_report(result, path, *, language: str = "pt", title: str | None = None) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    text = render_report(result, language=language, title=title)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _version() -> str:
    from hotspots import __version__

    return __version__


def _date(ts, lang: str) -> str:
    ts = np.datetime64(ts, "D").astype(object)
    return ts.strftime("%d/%m/%Y") if lang == "pt" else ts.strftime("%Y-%m-%d")


def _cohort_label(label: str, t: dict, lang: str) -> str:
    if label == "all":
        return t["all_cohorts"]
    return _date(np.datetime64(label), lang)


def _count_rows(result, t, lang):
    rows = []
    for r in result.counts.itertuples():
        rows.append([_cohort_label(r.cohort, t, lang), t[r.area], fmt(r.segments, lang),
                     fmt(r.weeks_before, lang), fmt(r.weeks_after, lang), fmt(r.before, lang),
                     fmt(r.after, lang), fmt(r.rate_before, lang, digits=3),
                     fmt(r.rate_after, lang, digits=3),
                     fmt(r.change_pct, lang, pct=True, sign=True)])
    return rows


def _classic_cols(result, t):
    return [t["all_cohorts"] if c == "all" else c for c in result.classic.table.index]


def _classic_rows(result, t, lang):
    tab = result.classic.table
    rows = []

    def line(label, values):
        rows.append([label, *values])

    line(t["gross"], [fmt(v, lang) for v in tab["gross_effect"]])
    line(t["net"], [fmt(v, lang, digits=4) for v in tab["net_effect"]])
    line(t["sm"], [fmt(v, lang, digits=4) for v in tab["success_measure"]])
    line(t["bdm"], [fmt(v, lang, digits=4) for v in tab["buffer_displacement"]])
    line(t["wdq"], [fmt(v, lang, digits=2) if np.isfinite(v) else t["wdq_reason"][why]
                    for v, why in zip(tab["wdq"], tab["wdq_reason"])])
    line("", [t["wdq_meaning"].get(m, "") for m in tab["wdq_interpretation"]])
    line(t["tne"], [f"{fmt(v, lang, digits=1)} ({t['tne_meaning'][m]})"
                    for v, m in zip(tab["total_net_effect"], tab["tne_interpretation"])])
    line(t["wdd"], [fmt(v, lang, digits=1, sign=True) for v in tab["wdd"]])
    line(t["wdd_ci"], [f"{fmt(a, lang, digits=1, sign=True)} … {fmt(b, lang, digits=1, sign=True)}"
                       for a, b in zip(tab["wdd_ci_low"], tab["wdd_ci_high"])])
    line(t["wdd_p"], [fmt(v, lang, digits=3) for v in tab["wdd_p"]])
    return rows


def _effect_cells(r, lang):
    return [fmt(r["pct_change"], lang, digits=1, pct=True, sign=True),
            f"{fmt(r['ci_low_pct'], lang, digits=1, pct=True, sign=True)} … "
            f"{fmt(r['ci_high_pct'], lang, digits=1, pct=True, sign=True)}",
            fmt(r["p"], lang, digits=3)]


def _effect_rows(effects, t, lang):
    return [[t["terms"].get(term, term), *_effect_cells(r, lang)]
            for term, r in effects.iterrows()]


def _grouped_rows(frame, t, lang):
    if frame is None or len(frame) == 0:
        return []
    rows = []
    for (group, term), r in frame.iterrows():
        label = _cohort_label(group, t, lang) if group[:4].isdigit() else group
        rows.append([label, t["terms"].get(term, term), *_effect_cells(r, lang)])
    return rows


def _balance_rows(result, t, lang):
    rows = []
    for cov, r in result.balance.iterrows():
        digits = 0 if cov == "length" else 3 if cov != "trend" else 5
        rows.append([t["cov"].get(cov, cov), fmt(r["mean_treated"], lang, digits=digits),
                     fmt(r["mean_pool"], lang, digits=digits),
                     fmt(r["mean_controls"], lang, digits=digits),
                     fmt(r["smd_before"], lang, digits=2, sign=True),
                     fmt(r["smd_after"], lang, digits=2, sign=True)])
    return rows


def _caveats(result, t, lang):
    warn_codes = {"pretrend", "placebo_day", "imbalance", "few_treated", "overdispersion",
                  "rtm", "not_converged", "separated"}
    items = [(note_text(n, lang), n.code in warn_codes) for n in result.notes]
    items += [(t["c_rtm"], False), (t["c_poisson"], False), (t["c_general"], False)]
    return items
