"""Sections of the weekly bulletin drawn from the run summary (plan, near repeats, emerging hot
spots, data quality, definitions) and the number and image markup every section uses."""

from __future__ import annotations

import base64
import html
import math

import pandas as pd

from hotspots import i18n
from hotspots.i18n.phrases import hot_rule_text, reason_text, skip_text

__all__ = ["definitions", "emerging_section", "fmt_num", "img_tag", "near_repeat_section",
           "p_text", "plan_section", "qa_rows", "svg_tag"]

RATCLIFFE_MIN_RATE = 0.85  #: Ratcliffe (2004): minimum reliable geocoding hit rate
PLAN_ROWS = 6  #: funded projects listed (the rest in plan.csv)
LIST_ROWS = 12  #: segments listed per emerging category


def fmt_num(value, lang: str, *, digits: int = 0, pct: bool = False, sign: bool = False) -> str:
    """Number formatted for the language (pt: 1.234,5; en: 1,234.5); '–' for missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if pct:
        return i18n.percent(value, lang, digits=digits, sign=sign).replace("−", "-")
    return i18n.number(value, lang, digits=digits, sign=sign)


def p_text(p: float, lang: str) -> str:
    if p is None or not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "< " + i18n.number(0.001, lang, digits=3)
    return i18n.number(p, lang, digits=3 if p < 0.1 else 2)


def img_tag(data: bytes, alt: str, mime: str = "image/png") -> str:
    return (f'<img alt="{html.escape(alt, quote=True)}" '
            f'src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}">')


def svg_tag(data: bytes, alt: str) -> str:
    """Inline SVG with its text alternative (role="img" and a <title>)."""
    text = data.decode("utf-8")
    i = text.index(">", text.index("<svg"))
    label = html.escape(alt, quote=True)
    return (text[:i] + f' role="img" aria-label="{label}"' + text[i:i + 1]
            + f"<title>{label}</title>" + text[i + 1:])


# --- sections from the summary ----------------------------------------------------------------


def near_repeat_section(summary: dict, result, t, lang: str) -> dict | None:
    """The near-repeat paragraph, the Knox-ratio heat table and the risk zones after the week."""
    nr = summary.get("near_repeat")
    if not nr:
        return None
    if nr.get("skipped"):
        return {"skipped": t("nr_skipped", why=skip_text(nr["skipped"], lang))}
    img = None
    if result is not None:
        from hotspots.figures.near_repeat import knox_heatmap_png

        img = img_tag(knox_heatmap_png(result.overall, language=lang), t("nr_alt"))
    text = (nr.get("text") or {}).get(lang) or (nr.get("text") or {}).get("en", "")
    return {"text": text, "img": img,
            "window": t("nr_window", n=fmt_num(nr["incidents"], lang),
                        start=i18n.date_text(nr["from"], lang),
                        end=i18n.date_text(nr["to"], lang),
                        perms=fmt_num((nr.get("parameters") or {}).get("permutations"), lang)),
            "zones": t("nr_zones", n=fmt_num(nr["risk_segments"], lang))}


def plan_section(summary: dict, t, lang: str) -> dict | None:
    """The plan in a few lines: budget, funded, next in line, evidence, example-cost warning."""
    pl = summary.get("planning")
    if not pl or pl.get("skipped"):
        return None
    tot = pl["totals"]
    light = tot.get("lighting") or {}
    ev = tot.get("evidence") or {}
    lines = []
    if light.get("budget_brl") is not None:
        lines.append(t("plan_budget",
                       budget=fmt_num(light["budget_brl"], lang),
                       spent=fmt_num(light["spent_brl"], lang), n=light["funded"],
                       repairs=light.get("repairs_funded", 0),
                       new=light.get("new_lights_funded", 0),
                       lamps=light.get("lamps_new_funded", 0),
                       metres=fmt_num(light.get("metres_funded"), lang),
                       left=fmt_num(light.get("left_brl"), lang)))
    else:
        lines.append(t("plan_nobudget", n=pl.get("projects", 0)))
    if ev:
        lines.append(t("plan_evidence", start=i18n.date_text(ev.get("covered_start"), lang),
                       end=i18n.date_text(ev.get("end"), lang),
                       weeks=fmt_num(ev.get("covered_weeks"), lang)))
    if tot.get("example_costs"):
        lines.append(t("plan_examples", which=", ".join(tot["example_costs"])))

    def rows(items):
        return [[r.get("location") or "—",
                 t(f"kind.{r['kind']}") if i18n.has(f"bulletin.kind.{r.get('kind')}")
                 else str(r.get("kind") or ""),
                 fmt_num(r.get("cost"), lang), r.get("reason") or ""] for r in items]

    funded = pl.get("funded", [])
    return {"lines": lines, "funded": rows(funded[:PLAN_ROWS]),
            "more": t("plan_more", n=len(funded) - PLAN_ROWS) if len(funded) > PLAN_ROWS
            else "", "next": rows(pl.get("next", [])[:3]),
            "columns": [t("plan_where"), t("plan_what"), t("plan_cost"), t("plan_why")],
            "files": t("plan_files")}


def emerging_section(summary: dict, segments: pd.DataFrame | None, t, lang: str
                      ) -> dict | None:
    """Counts per emerging category, what became new/intensifying, and the α table."""
    em = summary.get("emerging")
    if not em:
        return None
    if em.get("skipped"):
        return {"skipped": t("emerging_skipped", why=skip_text(em["skipped"], lang))}
    from hotspots.stats.emerging_categories import CATEGORIES

    names = {c.name: (c.name_pt if lang == "pt" else c.name) for c in CATEGORIES}
    rows = [(names[k], fmt_num(v, lang)) for k, v in em["categories"].items() if v]
    alphas = list(em.get("sensitivity", {}))
    table = [[names[k], *[fmt_num(em["sensitivity"][a].get(k, 0), lang) for a in alphas]]
             for k in em["categories"] if any(em["sensitivity"][a].get(k, 0) for a in alphas)]

    def streets(ids):
        if segments is None or not ids:
            return []
        out = []
        for i in ids[:LIST_ROWS]:
            name = segments["street_name"].get(i, "") if "street_name" in segments else ""
            out.append(f"{name or i18n.text('words.unnamed_street', lang)} ({i})")
        if len(ids) > LIST_ROWS:
            out.append(f"… +{len(ids) - LIST_ROWS}")
        return out

    return {"text": t("emerging_text", n=em["steps"], first=em["first_step"],
                      last=em["last_step"]),
            "rows": rows, "alphas": [fmt_num(float(a), lang, digits=2) for a in alphas],
            "table": table, "new": streets(em.get("became_new", [])),
            "intensifying": streets(em.get("became_intensifying", []))}


def qa_rows(summary: dict, t, lang: str) -> dict:
    rows = [(t("read"), fmt_num(summary.get("rows_read"), lang)),
            (t("used"), fmt_num(summary.get("used"), lang)),
            (t("rejected"), fmt_num(summary.get("rejected"), lang))]
    rates = []
    for key, label in (("snap_rate", "snap_rate"), ("geocode_rate", "addr_rate")):
        if summary.get(key) is not None:
            rates.append((t(label), fmt_num(summary[key], lang, digits=1, pct=True),
                          _ok(summary[key], t)))
    reasons = [(reason_text(k, lang), fmt_num(v, lang))
               for k, v in (summary.get("rejected_by_reason") or {}).items()]
    address = summary.get("geocoding_qa") or {}
    if address.get("addresses"):
        rows.append((t("addr_review"), fmt_num(address.get("review", 0), lang)))
    return {"rows": rows, "rates": rates, "reasons": reasons,
            "warnings": list(address.get("warnings") or ())}


def _ok(rate, t) -> str:
    if rate is None or not isinstance(rate, (int, float)) or not math.isfinite(rate):
        return ""
    return "" if rate >= RATCLIFFE_MIN_RATE else t("low")


def definitions(summary: dict, t, buffer_m: float, lang: str, changes, breaks) -> list[str]:
    out = []
    unit = summary.get("unit")
    if unit:
        key = "unit_block_face" if unit.get("unit") == "block_face" else "unit_piece"
        median = (unit.get("length_m") or {}).get("median")
        out.append(t(key, n=fmt_num(summary.get("segments"), lang),
                     median=fmt_num(median, lang)))
        note = (unit.get("crs_note") or {}).get(lang)
        if note:
            out.append(note)
    crs = summary.get("crs")
    if crs:
        out.append(t("m_crs", name=_crs_name(crs), code=crs))
    ready = (summary.get("statistics") or {}).get("readiness") or {}
    if ready and not ready.get("ok"):
        out.append((ready.get("messages") or {}).get("pt-BR" if lang == "pt" else "en", ""))
    rule = (summary.get("week_over_week") or {}).get("hot_rule")
    if rule:
        out.append(t("m_hot", rule=hot_rule_text(rule, lang)))
        out.append(t("m_new"))
    if changes is not None:
        out.append(t("m_poisson", n=changes.attrs.get("n_prev", 1)))
    if summary.get("evaluation"):
        out += [t("m_hit"), t("m_pai", buf=fmt_num(buffer_m, lang)), t("m_rri")]
    rate = (breaks or {}).get("rate_per_100m")
    if rate and rate.get("breaks"):
        out.append(t("m_breaks", breaks=" | ".join(fmt_num(b, lang, digits=2)
                                                   for b in rate["breaks"]),
                     source=rate["source"][lang]))
    return [x for x in out if x]


def _crs_name(code: str) -> str:
    try:
        from pyproj import CRS

        return CRS.from_user_input(code).name
    except Exception:  # an unreadable CRS string: show the code only
        return code
