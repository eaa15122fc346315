"""The one-page council sheet: map of funded projects, table, totals, budget left, caveats (pt/en)."""

from __future__ import annotations

import base64
import functools
import math
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import pandas as pd

from hotspots._errors import MissingDependencyError, ValidationError
from hotspots.export.files import write_text_atomic
from hotspots.planning import wording
from hotspots.planning.figure import plan_map_png
from hotspots.planning.planner import Plan

__all__ = ["SHEET_TEXTS", "council_sheet_html", "council_sheet_pdf", "write_council_sheet"]

SHEET_TEXTS = {
    "en": {
        "title": "Street lighting and green areas: plan for the council",
        "subtitle": "The projects that, within the budget, cover the most night-time "
                    "incidents on unlit streets (exact optimum)", "budget": "Lighting budget", "funded": "Funded",
        "left": "Budget left", "evidence_word": "Evidence", "evidence_box": "Night incidents a year on funded stretches",
        "map_alt": "map of the funded projects",
        "map_caption": "Numbers are ranks (value per R$); G = green area. Orange: new lights; "
                       "blue: lamp repairs (white dots: the lamps); green: areas to adopt.",
        "funded_title": "Funded lighting projects, by value per R$",
        "col_project": "Project", "col_where": "Where", "col_bairro": "Bairro",
        "col_cost": "R$", "col_year": "Night incidents/year (95 %)",
        "col_effect": "Fewer a year (estimate)", "col_why": "Why not funded",
        "col_area": "Green area", "col_green_year": "Incidents/year in walk (95 %)",
        "col_status": "Decision",
        "none_funded": "No project is funded (no budget was given, or nothing fits).",
        "next_title": "Next in line (not funded) and why",
        "green_title": "Green areas to adopt or improve (separate budget)",
        "caveats_title": "How to read this sheet",
        "more": "… and {n} more funded projects in plan.csv.",
        "more one": "… and 1 more funded project in plan.csv.",
        "budget_none": "none given: ranking only", "of_budget": "{pct} % of the budget",
        "funded_note": "{n} projects: {rep} repairs ({lamps_r} lamps), {new} new-lighting "
                       "projects ({lamps_n} lamps, {m} m)",
        "left_note": "nothing else fits in what is left",
        "left_note_all": "every project with evidence is funded",
        "left_note_fit": "the cheapest unfunded project costs R$ {cheapest}",
        "effect_note": "estimate, not a guarantee: {lo}–{hi} fewer a year (21–36 %)",
        "effect_none": "no project funded",
        "must": "* on the must-fund list",
        "green_note": "Green budget R$ {budget}; funded R$ {spent}; left R$ {left}. Incidents "
                      "of all hours within a {radius} m walk along the streets; areas smaller "
                      "than {min_area} m² and kinds other than squares, parks, gardens and "
                      "playgrounds are left out ({out} areas).",
        "green_note_none": "No green budget given: areas ranked only. Incidents of all hours "
                           "within a {radius} m walk along the streets; areas smaller than "
                           "{min_area} m² and verges are left out ({out} areas).",
        "cav_window": "Evidence: {window}. Counts are recorded incidents (police reports); "
                      "crimes not reported are not in them.",
        "cav_short": "The data cover only {covered} of the {weeks} weeks asked: yearly rates "
                     "are extrapolated from them and will be less certain.",
        "cav_dark": "Unlit = farther than {reach} m from any working lamp of the inventory; "
                    "new lamps every {spacing} m over the whole project; a broken lamp is "
                    "repaired rather than replaced.",
        "cav_effect": "Expected effects are estimates from the research (Welsh & Farrington's "
                      "review of street lighting, about 21 % less crime; Chalfin et al. 2022, "
                      "New York, at least 36 % fewer night-time outdoor crimes), not promises; "
                      "nothing here is 'prevented'. Intervals are exact Poisson 95 % intervals "
                      "of the yearly rate.",
        "cav_exact": "Selection: {solver}. Ranks follow value per R$; a project with a better "
                     "rank is left out only when it does not fit in the budget left (or a "
                     "bairro limit is reached). The plan covers {best} night incidents "
                     "recorded in the window; choosing greedily by value per R$ would cover "
                     "{greedy}.",
        "cav_weights": "Harm weights: {weights}.",
        "cav_unweighted": "Every incident counts 1 (no harm weights).",
        "cav_costs": "Costs marked as examples ({names}) are placeholder values, not the "
                     "city's prices: replace them before presenting this sheet.",
        "footer": "hotspots · planning window ends {end} · every project, reason and cost is "
                  "in plan.csv",
    },
    "pt": {
        "title": "Iluminação pública e áreas verdes: plano para a Câmara",
        "subtitle": "Os projetos que, dentro do orçamento, cobrem o maior número de "
                    "ocorrências noturnas em ruas sem iluminação (ótimo exato)",
        "budget": "Orçamento de iluminação", "funded": "Financiado", "left": "Restante", "evidence_word": "Evidência",
        "evidence_box": "Ocorrências noturnas por ano nos trechos financiados",
        "map_alt": "mapa dos projetos financiados",
        "map_caption": "Os números são as posições (valor por R$); G = área verde. Laranja: "
                       "novas luminárias; azul: consertos (pontos brancos: as lâmpadas); "
                       "verde: áreas a adotar.",
        "funded_title": "Projetos de iluminação financiados, por valor por R$",
        "col_project": "Projeto", "col_where": "Onde", "col_bairro": "Bairro",
        "col_cost": "R$", "col_year": "Ocorr. noturnas/ano (95 %)",
        "col_effect": "A menos por ano (estimativa)", "col_why": "Por que não foi financiado",
        "col_area": "Área verde", "col_green_year": "Ocorr./ano na caminhada (95 %)",
        "col_status": "Decisão",
        "none_funded": "Nenhum projeto financiado (sem orçamento informado, ou nada cabe).",
        "next_title": "Próximos da lista (não financiados) e por quê",
        "green_title": "Áreas verdes para adotar ou melhorar (orçamento separado)",
        "caveats_title": "Como ler esta folha",
        "more": "… e mais {n} projetos financiados em plan.csv.",
        "more one": "… e mais 1 projeto financiado em plan.csv.",
        "budget_none": "não informado: só a classificação",
        "of_budget": "{pct} % do orçamento",
        "funded_note": "{n} projetos: {rep} consertos ({lamps_r} lâmpadas), {new} projetos de "
                       "iluminação nova ({lamps_n} luminárias, {m} m)",
        "left_note": "nenhum outro projeto cabe no que resta",
        "left_note_all": "todos os projetos com evidência foram financiados",
        "left_note_fit": "o projeto não financiado mais barato custa R$ {cheapest}",
        "effect_note": "estimativa, não garantia: {lo}–{hi} a menos por ano (21–36 %)",
        "effect_none": "nenhum projeto financiado",
        "must": "* na lista obrigatória",
        "green_note": "Orçamento verde R$ {budget}; financiado R$ {spent}; restante R$ {left}. "
                      "Ocorrências de qualquer hora a até {radius} m de caminhada pelas ruas; "
                      "áreas menores que {min_area} m² e tipos que não sejam praças, parques, "
                      "jardins e parquinhos ficam de fora ({out} áreas).",
        "green_note_none": "Sem orçamento verde: áreas apenas classificadas. Ocorrências de "
                           "qualquer hora a até {radius} m de caminhada pelas ruas; áreas "
                           "menores que {min_area} m² e canteiros ficam de fora ({out} áreas).",
        "cav_window": "Evidência: {window}. As contagens são de ocorrências registradas "
                      "(boletins); crimes não registrados não aparecem.",
        "cav_short": "Os dados cobrem só {covered} das {weeks} semanas pedidas: as taxas "
                     "anuais são extrapoladas e menos certas.",
        "cav_dark": "Sem iluminação = a mais de {reach} m de qualquer lâmpada funcionando do "
                    "cadastro; luminárias novas a cada {spacing} m ao longo de todo o projeto; "
                    "lâmpada apagada é consertada, não substituída.",
        "cav_effect": "Os efeitos esperados são estimativas da pesquisa (revisão de Welsh & "
                      "Farrington sobre iluminação, cerca de 21 % menos crimes; Chalfin et al. "
                      "2022, Nova York, ao menos 36 % menos crimes noturnos ao ar livre), não "
                      "promessas; nada aqui foi 'evitado'. Os intervalos são intervalos de "
                      "Poisson exatos de 95 % da taxa anual.",
        "cav_exact": "Seleção: {solver}. As posições seguem o valor por R$; um projeto mais "
                     "bem posicionado fica de fora só quando não cabe no orçamento restante "
                     "(ou o limite do bairro foi atingido). O plano cobre {best} ocorrências "
                     "noturnas registradas no período; escolher de forma gulosa por valor por "
                     "R$ cobriria {greedy}.",
        "cav_weights": "Pesos de gravidade: {weights}.",
        "cav_unweighted": "Cada ocorrência conta 1 (sem pesos de gravidade).",
        "cav_costs": "Os custos marcados como exemplo ({names}) são valores provisórios, não "
                     "os preços do município: substitua-os antes de apresentar esta folha.",
        "footer": "hotspots · período de planejamento termina em {end} · todos os projetos, "
                  "motivos e custos estão em plan.csv",
    },
}
_SOLVER = {
    "en": {"exact": "exact optimum (HiGHS mixed-integer programme, proven optimal)",
           "none": "none: no budget given, projects ranked only"},
    "pt": {"exact": "ótimo exato (programação inteira mista HiGHS, ótimo comprovado)",
           "none": "nenhuma: sem orçamento, projetos só classificados"},
}


def _worth_min(plan: Plan) -> dict:
    """Per budget group: the lowest value per R$ 10k among the projects funded on their
    merit (not on the must-fund list); NaN when there are none."""
    p = plan.projects
    free = p[p["funded"] & ~p["must_fund"]]
    lowest = free.groupby("budget_group", sort=False)["value_per_10k"].min()
    return {g: float(lowest.get(g, float("nan"))) for g in p["budget_group"].unique()}


def _row(r, text, lang: str, plan: Plan, worth_min: dict) -> dict:
    lo, hi = wording.rate(r["per_year_low"], lang), wording.rate(r["per_year_high"], lang)
    group = plan.totals.get(r["budget_group"], {})
    left = group.get("left_brl")
    short = wording.short_reason(r["status"], lang, worth=r["value_per_10k"],
                                 worth_min=worth_min[r["budget_group"]],
                                 left_brl=float("nan") if left is None else left,
                                 cap=plan.settings.max_per_bairro or 0)
    effect = ("–" if r["kind"] == "green" else
              f"{wording.rate(r['effect_low'], lang)}–{wording.rate(r['effect_high'], lang)}")
    return {"rank": int(r["rank"]), "kind": r["kind"], "what": text["what"],
            "location": text["location"], "bairro": r["bairro"],
            "cost": wording.money(r["cost"], lang),
            "year": f"{wording.rate(r['per_year'], lang)} ({lo}–{hi})", "effect": effect,
            "why": short, "must": bool(r["must_fund"])}


def _fit(rows: list[dict], *, max_lines: float, widths: dict[str, int], max_rows: int
         ) -> list[dict]:
    """The first rows whose printed height (lines, from the text lengths) fits ``max_lines``.

    Long street names wrap; counting their lines keeps the sheet within two A4 pages.
    """
    out: list = []
    used = 0.0
    for row in rows[:max_rows]:
        lines = max(math.ceil(len(str(row.get(k, ""))) / w) for k, w in widths.items()) + 0.4
        if out and used + lines > max_lines:
            break
        out.append(row)
        used += lines
    return out


def council_sheet_html(plan: Plan, *, language: str, title: str | None = None,
                       max_rows: int = 12, next_rows: int = 4, green_rows: int = 4) -> str:
    """The council sheet as one self-contained HTML page (map embedded as a PNG data URL).

    Tables show at most ``max_rows`` funded lighting projects, ``next_rows`` next in line and
    ``green_rows`` green areas, fewer when long names would wrap past two pages; the rest is
    in plan.csv (the sheet says how many).
    """
    lang = wording.language_code(language)
    t = SHEET_TEXTS[lang]
    texts = plan.texts[lang]
    p = plan.projects
    light = p[p["budget_group"] == "lighting"]
    green = p[p["budget_group"] == "green"]
    tot = plan.totals.get("lighting", {})
    window_text = wording.window_phrase(plan.window, lang)
    funded = light[light["funded"]].sort_values("rank")
    worth = _worth_min(plan)
    rows = _fit([_row(r, texts.loc[pid], lang, plan, worth) for pid, r in
                 funded.head(max_rows).iterrows()], max_lines=30, max_rows=max_rows,
                widths={"location": 58, "what": 70})
    unfunded = light[~light["funded"]].sort_values("rank")
    nxt = _fit([_row(r, texts.loc[pid], lang, plan, worth) for pid, r in
                unfunded.head(next_rows).iterrows()], max_lines=11, max_rows=next_rows,
               widths={"location": 52, "why": 40})
    budget = tot.get("budget_brl")
    spent = tot.get("spent_brl", 0.0)
    left = tot.get("left_brl")
    cheapest = float(unfunded["cost"].min()) if len(unfunded) else float("nan")
    money = wording.money
    ctx: dict = {
        "html_lang": "pt-BR" if lang == "pt" else "en", "t": t,
        "title": title or t["title"], "window_text": window_text,
        "budget": f"R$ {money(budget, lang)}" if budget is not None else "–",
        "budget_note": (t["of_budget"].format(pct=wording.number(
            100 * spent / budget if budget else 0, lang)) if budget is not None
            else t["budget_none"]),
        "spent": f"R$ {money(spent, lang)}",
        "funded_note": t["funded_note"].format(
            n=len(funded), rep=tot.get("repairs_funded", 0),
            lamps_r=tot.get("lamps_repair_funded", 0), new=tot.get("new_lights_funded", 0),
            lamps_n=tot.get("lamps_new_funded", 0),
            m=wording.number(tot.get("metres_funded", 0.0), lang)),
        "left": f"R$ {money(left, lang)}" if left is not None else "–",
        "left_note": (t["left_note_all"] if not len(unfunded) else
                      t["left_note_fit"].format(cheapest=money(cheapest, lang))
                      if left is not None else t["left_note"]),
        "per_year": wording.rate(float(funded["per_year"].sum()), lang) if len(funded) else "0",
        "effect_note": (t["effect_note"].format(
            lo=wording.rate(tot.get("effect_low_funded", 0.0), lang),
            hi=wording.rate(tot.get("effect_high_funded", 0.0), lang)) if len(funded)
            else t["effect_none"]),
        "funded": rows, "next_in_line": nxt,
        "funded_more": ("" if len(funded) <= len(rows) else t["more one"]
                        if len(funded) == len(rows) + 1 else
                        t["more"].format(n=len(funded) - len(rows))),
        "green_rows": _green_rows(green, plan.texts[lang], lang, green_rows, plan, worth),
        "green_note": _green_note(plan, t, lang),
        "caveats": _caveats(plan, t, lang, window_text),
        "footer": t["footer"].format(end=plan.window.end.isoformat()),
        "map_png": base64.b64encode(plan_map_png(
            plan, language=lang, caption=f"{t['evidence_word']}: {window_text}")
        ).decode("ascii"),
    }
    if any(r["must"] for r in rows):
        ctx["funded_more"] = (ctx["funded_more"] + " " + t["must"]).strip()
    return _template().render(**ctx)


@functools.cache
def _template():
    """The council sheet's Jinja template, compiled once per process."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)
    return env.from_string((resources.files("hotspots.planning") / "templates"
                            / "council_sheet.html.j2").read_text(encoding="utf-8"))


def _green_rows(green, texts, lang: str, limit: int, plan: Plan, worth: dict) -> list[dict]:
    if not len(green):
        return []
    fundable = green[~green["adopted"]]
    show = fundable[fundable["funded"]].sort_values("rank")
    rest = fundable[~fundable["funded"]].sort_values("rank")
    show = pd.concat([show, rest.head(max(limit - len(show), 0))]) if len(rest) else show
    rows = [_row(r, texts.loc[pid], lang, plan, worth)
            for pid, r in show.head(max(limit, 1)).iterrows()]
    return _fit(rows, max_lines=11, max_rows=limit, widths={"location": 40, "why": 34})


def _green_note(plan: Plan, t: dict, lang: str) -> str:
    g = plan.totals.get("green")
    counts = plan.totals.get("green_areas", {})
    if g is None:
        return ""
    s = plan.settings
    out = counts.get("left_out_kind", 0) + counts.get("left_out_small", 0)
    common = {"radius": wording.number(s.walk_radius_m, lang),
              "min_area": wording.number(s.green_min_area_m2, lang), "out": out}
    if g.get("budget_brl") is None:
        return t["green_note_none"].format(**common)
    return t["green_note"].format(budget=wording.money(g["budget_brl"], lang),
                                  spent=wording.money(g["spent_brl"], lang),
                                  left=wording.money(g["left_brl"], lang), **common)


def _caveats(plan: Plan, t: dict, lang: str, window_text: str) -> list[dict]:
    s = plan.settings
    w = plan.window
    tot = plan.totals.get("lighting", {})
    out = [{"text": t["cav_window"].format(window=window_text), "example": False}]
    if w.short:
        out.append({"text": t["cav_short"].format(covered=wording.number(w.covered_weeks, lang),
                                                  weeks=w.weeks), "example": False})
    out.append({"text": t["cav_dark"].format(reach=wording.number(s.reach_m, lang),
                                             spacing=wording.number(s.lamp_spacing_m, lang)),
                "example": False})
    out.append({"text": t["cav_effect"], "example": False})
    solver = tot.get("solver", "")
    if tot.get("objective") is None:
        solver_text = _SOLVER[lang]["none"]
    elif solver.startswith("exact"):
        solver_text = _SOLVER[lang]["exact"]
    else:
        solver_text = solver
    best = tot.get("objective")
    out.append({"text": t["cav_exact"].format(
        solver=solver_text, greedy=wording.rate(tot.get("greedy_objective") or 0, lang),
        best=wording.rate(best or 0, lang)), "example": False})
    if s.harm_weights or s.harm_default_weight != 1.0:
        pairs = ", ".join(f"{k} {wording.number(v, lang, 1)}" for k, v in s.harm_weights.items())
        out.append({"text": t["cav_weights"].format(weights=pairs), "example": False})
    else:
        out.append({"text": t["cav_unweighted"], "example": False})
    examples = plan.totals.get("example_costs", [])
    if examples:
        out.append({"text": t["cav_costs"].format(names=", ".join(examples)), "example": True})
    return out


def write_council_sheet(plan: Plan, path: str | Path, *, language: str,
                        title: str | None = None) -> Path:
    """Write the council sheet (self-contained HTML that prints to at most two A4 pages).

    Parameters
    ----------
    plan : Plan
    path : path
        The HTML file (written to a temporary file beside it, then moved into place).
    language : {"en", "pt", "pt-BR"}
    title : str, optional
        Heading (default: "Street lighting and green areas: plan for the council").

    Returns
    -------
    Path
        The HTML; :func:`council_sheet_pdf` prints it to PDF in headless Chromium.
    """
    return write_text_atomic(path, council_sheet_html(plan, language=language, title=title))


def council_sheet_pdf(html_path: str | Path, pdf_path: str | Path, *,
                      chromium: str | None = None, timeout_s: float = 120.0) -> Path:
    """Print the council sheet to PDF (A4) with headless Chromium, offline.

    ``chromium`` is the browser's path (default: ``chromium`` or ``chromium-browser`` on the
    PATH, or the ``HOTSPOTS_CHROMIUM`` environment variable). Raises MissingDependencyError
    when no browser is found and ValidationError when printing fails.
    """
    exe = chromium or os.environ.get("HOTSPOTS_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        raise MissingDependencyError("printing the council sheet to PDF needs Chromium: install "
                                     "it (apt-get install chromium) or set HOTSPOTS_CHROMIUM")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    if not html_path.exists():
        raise ValidationError(f"{html_path}: no such council sheet; write it first with "
                              "write_council_sheet")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hotspots-chromium-") as profile:
        out = Path(profile) / "sheet.pdf"
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-extensions",
               f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", html_path.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise ValidationError(f"Chromium did not print {html_path} within {timeout_s:g} s"
                                  ) from exc
        if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            raise ValidationError(f"Chromium could not print {html_path} (exit "
                                  f"{proc.returncode}): {proc.stderr.strip()[-400:]}")
        shutil.move(str(out), pdf_path)
    return pdf_path
