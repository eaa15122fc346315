"""Words of the intervention report in Portuguese and English, and the plain-language conclusion."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["LANGUAGES", "TEXT", "conclusion", "fmt", "note_text"]

LANGUAGES = ("pt", "en")

TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Did it work? Evaluation of {what}",
        "kinds": {"new_lights": "new street lights", "repair": "street-light repair",
                  "green_area": "green-area adoption", "patrol": "focused patrol"},
        "outcomes": {"night": "night-time incidents", "day": "daytime incidents",
                     "all": "incidents"},
        "subtitle": "{n_iv} intervention(s) on {n_t} street segments; incidents counted per "
        "segment and week from {first} to {last}; outcome: {outcome}{cats}.",
        "conclusion": "Conclusion", "map": "The areas", "overview": "Whole city",
        "zoom": "Treated segments and buffer", "treated": "Treated", "buffer": "Buffer",
        "control": "Control", "other": "Other streets", "areas": "Areas and controls",
        "areas_text": "Buffer: segments within {buffer} of a treated segment (not treated "
        "themselves). Controls: {controls}.",
        "buffer_m": "{v} m along the streets", "buffer_hops": "{v} step(s) of the network",
        "controls_matched": "{k} per treated segment, matched on the pre-period ({cov}) without "
        "replacement, from the segments outside treated and buffer",
        "controls_all": "every segment outside treated and buffer",
        "controls_given": "the {n} segments given by the user",
        "cov": {"level": "level", "trend": "trend", "length": "length",
                "night_share": "night share", "lamp_density": "lamps per 100 m"},
        "balance": "Balance of treated and control segments before the start",
        "balance_note": "Standardised mean difference (SMD): |SMD| < 0.1 is the usual mark of "
        "good balance. Level and trend are the outcome per segment per week.",
        "covariate": "Covariate", "mean_t": "Treated", "mean_pool": "All candidates",
        "mean_c": "Controls", "smd_b": "SMD before matching", "smd_a": "SMD after",
        "counts": "Before and after", "cohort": "Start", "area": "Area",
        "segments": "Segments", "weeks_b": "Weeks before", "weeks_a": "Weeks after",
        "before": "Before", "after": "After", "rate_b": "Per segment-week before",
        "rate_a": "After", "change": "Change", "all_cohorts": "all",
        "classic": "Classic measures", "classic_note": "Bowers & Johnson (2003) with R = "
        "treated, D = buffer, C = controls, b/a = before/after (equal periods); Wheeler & "
        "Ratcliffe (2018) WDD with Poisson variance, controls scaled to the size of each area "
        "({weight}) and the before counts to the length of the after period.",
        "weight": {"segments": "number of segments", "length": "street length",
                   "none": "no scaling"},
        "gross": "Gross effect R_b − R_a", "net": "Net effect R_b/C_b − R_a/C_a",
        "sm": "Success measure SM", "bdm": "Buffer displacement BDM", "wdq": "WDQ = BDM/SM",
        "tne": "Total net effect TNE", "wdd": "WDD (incidents)", "wdd_ci": "WDD 95 % interval",
        "wdd_p": "WDD p", "measure": "Measure",
        "wdq_reason": {"control_before_zero": "undefined: no control incidents before",
                       "control_after_zero": "undefined: no control incidents after",
                       "no_success": "undefined: SM ≥ 0, the treated area did not improve "
                       "relative to control, so there is nothing to displace"},
        "wdq_meaning": {"diffusion_greater": "diffusion of benefits larger than the direct "
                        "effect", "diffusion": "diffusion of benefits",
                        "no_displacement": "neither displacement nor diffusion",
                        "displacement_smaller": "displacement, smaller than the direct effect "
                        "(net benefit)", "displacement_equal": "displacement cancels the "
                        "direct effect", "displacement_greater": "displacement larger than "
                        "the direct effect"},
        "tne_meaning": {"reduction": "incidents prevented", "increase": "net increase",
                        "no_change": "no net change", "": "undefined"},
        "model": "Model-based estimate", "term": "Estimate", "pct": "Change",
        "ci": "95 % interval", "p": "p",
        "terms": {"treated": "Treated segments", "buffer": "Buffer (spillover)",
                  "night_treated": "Treated, night", "day_treated": "Treated, day "
                  "(placebo)", "ddd_treated": "Treated, night − day (triple difference)",
                  "night_buffer": "Buffer, night", "day_buffer": "Buffer, day (placebo)",
                  "ddd_buffer": "Buffer, night − day"},
        "model_note": "Poisson regression of the weekly count of each segment with segment and "
        "week fixed effects, standard errors clustered by segment ({n_seg} segments, {n_obs} "
        "segment-weeks). Staggered starts: stacked difference-in-differences, one "
        "sub-experiment per start week with its treated and buffer segments and clean controls "
        "only (matched controls and segments not yet treated), so that no already-treated "
        "segment serves as a control.",
        "per_cohort": "By start week", "per_category": "By category", "category": "Category",
        "event": "Event study", "event_note": "Change of the treated segments relative to the "
        "controls in bins of {b} weeks from the start (the bin before the start is the "
        "reference). Pre-trend test (every bin before the start equal to zero): {test}.",
        "test": "F = {f} on {q} and {g} df, p = {p}", "untestable": "not testable",
        "weeks_from": "weeks from the start", "pct_axis": "change vs controls (%)",
        "trajectory": "Incidents per segment and week", "traj_axis": "mean per segment-week",
        "caveats": "Caveats", "methods": "Methods and references",
        "c_rtm": "Regression to the mean: segments chosen because they were hot tend to cool "
        "down anyway. The controls were matched on the pre-period level, which guards against "
        "part of this, and the event study shows whether treated and controls moved together "
        "before the start.",
        "c_poisson": "The WDD's standard error assumes Poisson counts; with overdispersed "
        "counts it is too small. The model's cluster-robust errors do not need that "
        "assumption.",
        "c_general": "Changes in reporting, geocoding or police activity at the same places "
        "and times would be read as effects. The night is from local sunset to sunrise.",
        "footer": "Generated by hotspots {version}. Only counts per area are shown; no "
        "personal data.", "yes": "yes", "no": "no",
        "refs": "Bowers & Johnson (2003), J. Quant. Criminol. 19:275–301; Guerette (2009), POP "
        "Center tool guide 10; Wheeler & Ratcliffe (2018), Crime Science 7:11; Correia, "
        "Guimarães & Zylkin (2020), Stata Journal 20:95–115; Cengiz, Dube, Lindner & Zipperer "
        "(2019), QJE 134:1405–1454; Goodman-Bacon (2021), J. Econometrics 225:254–277; "
        "Pustejovsky & Tipton (2018), JBES 36:672–683; Austin (2009), Stat. Med. 28:3083–3107.",
        # conclusion
        "fell": "fell by {pct}", "rose": "rose by {pct}", "changed": "changed by {pct}",
        "main": "{outcome_cap} on the {n} treated segments {verb} ({ci}) relative to {ref}",
        "ref_matched": "matched controls", "ref_controls": "the control segments",
        "ci_text": "95 % interval {lo} to {hi}",
        "inconclusive": "the interval includes no change, so the data cannot tell an effect "
        "from chance",
        "buf_none": "no clear sign of displacement to the {n} adjacent segments ({pct}, {ci})",
        "buf_disp": "signs of displacement: incidents on the {n} adjacent segments rose by "
        "{pct} ({ci})",
        "buf_diff": "a diffusion of benefits: incidents on the {n} adjacent segments fell by "
        "{pct} ({ci})",
        "pre_ok": "Before the start, treated and control segments moved together (pre-trend "
        "test p = {p}).",
        "pre_bad": "Warning: treated and control segments already moved apart before the start "
        "(pre-trend test p = {p}); the estimate may be biased.",
        "plac_ok": "Daytime incidents, which lighting should not change, changed by {pct} "
        "({ci}), as expected of a placebo.",
        "plac_bad": "Warning: daytime incidents, which lighting should not change, also "
        "changed by {pct} ({ci}): something besides the lighting may have changed.",
        "ddd_text": "The triple difference night − day, which removes what changed by day "
        "as well, gives {pct} ({ci}).",
        "wdd_text": "The weighted displacement difference test agrees in direction: WDD = {wdd} "
        "incidents ({ci}).", "wdd_other": "The weighted displacement difference test gives "
        "WDD = {wdd} incidents ({ci}).",
        "notes": {
            "overlaps": "{n} segment(s) were in more than one intervention; the earliest start "
            "was used.", "night_computed": "Night was computed from local sunset and sunrise.",
            "outside_period": "{n} incidents fall outside the study weeks and are not counted.",
            "cohort_skipped": "Interventions starting {start} were not evaluated: {reason}.",
            "no_pre": "fewer than 2 weeks of data before the start",
            "no_post": "no data after the start",
            "treated_pre_spill": "{n} treated segment(s) were next to an earlier intervention; "
            "their weeks after it are left out of their own before period.",
            "fewer_controls": "Not enough candidates: {k} controls per treated segment instead "
            "of {wanted}.", "controls_given": "{n} control segments were given by the user.",
            "imbalance": "Imbalance after matching (|SMD| > 0.1): {covariates}.",
            "dropped_obs": "{n} segment-weeks of segments without any incident in their window "
            "carry no information for the model and were left out.",
            "separated": "Not estimable (no incidents at all in the rows concerned): {terms}.",
            "not_converged": "The model did not converge in {iterations} iterations.",
            "few_treated": "Only {n} treated segments: cluster-robust intervals may be too "
            "narrow with so few.",
            "overdispersion": "The counts vary {phi} times more than Poisson counts would: read "
            "the WDD's interval with care.",
            "pretrend": "Pre-trend test rejects (p = {p}).",
            "placebo_day": "Daytime placebo changed by {pct} ({lo} to {hi}).",
            "rtm": "The treated segments had {ratio} times the incidents of the average segment "
            "before the start: they were likely chosen because they were hot (regression to "
            "the mean)."},
    },
    "pt": {
        "title": "Funcionou? Avaliação de {what}",
        "kinds": {"new_lights": "novas luminárias", "repair": "reparo da iluminação",
                  "green_area": "adoção de área verde", "patrol": "patrulhamento focado"},
        "outcomes": {"night": "incidentes noturnos", "day": "incidentes diurnos",
                     "all": "incidentes"},
        "subtitle": "{n_iv} intervenção(ões) em {n_t} segmentos de rua; incidentes contados por "
        "segmento e semana de {first} a {last}; desfecho: {outcome}{cats}.",
        "conclusion": "Conclusão", "map": "As áreas", "overview": "Cidade inteira",
        "zoom": "Segmentos tratados e entorno", "treated": "Tratados", "buffer": "Entorno",
        "control": "Controle", "other": "Demais ruas", "areas": "Áreas e controles",
        "areas_text": "Entorno: segmentos a até {buffer} de um segmento tratado (sem serem "
        "tratados). Controles: {controls}.",
        "buffer_m": "{v} m pelas ruas", "buffer_hops": "{v} passo(s) na rede",
        "controls_matched": "{k} por segmento tratado, pareados no período anterior ({cov}) sem "
        "reposição, entre os segmentos fora dos tratados e do entorno",
        "controls_all": "todos os segmentos fora dos tratados e do entorno",
        "controls_given": "os {n} segmentos indicados pelo usuário",
        "cov": {"level": "nível", "trend": "tendência", "length": "comprimento",
                "night_share": "proporção noturna", "lamp_density": "luminárias por 100 m"},
        "balance": "Equilíbrio entre segmentos tratados e de controle antes do início",
        "balance_note": "Diferença média padronizada (DMP): |DMP| < 0,1 é a marca usual de bom "
        "equilíbrio. Nível e tendência são o desfecho por segmento por semana.",
        "covariate": "Covariável", "mean_t": "Tratados", "mean_pool": "Todos os candidatos",
        "mean_c": "Controles", "smd_b": "DMP antes do pareamento", "smd_a": "DMP depois",
        "counts": "Antes e depois", "cohort": "Início", "area": "Área",
        "segments": "Segmentos", "weeks_b": "Semanas antes", "weeks_a": "Semanas depois",
        "before": "Antes", "after": "Depois", "rate_b": "Por segmento-semana antes",
        "rate_a": "Depois", "change": "Variação", "all_cohorts": "todos",
        "classic": "Medidas clássicas", "classic_note": "Bowers & Johnson (2003) com R = "
        "tratados, D = entorno, C = controles, b/a = antes/depois (períodos iguais); WDD de "
        "Wheeler & Ratcliffe (2018) com variância de Poisson, controles ajustados ao tamanho "
        "de cada área ({weight}) e as contagens de antes à duração do período depois.",
        "weight": {"segments": "número de segmentos", "length": "extensão de ruas",
                   "none": "sem ajuste"},
        "gross": "Efeito bruto R_b − R_a", "net": "Efeito líquido R_b/C_b − R_a/C_a",
        "sm": "Medida de sucesso SM", "bdm": "Deslocamento no entorno BDM",
        "wdq": "WDQ = BDM/SM", "tne": "Efeito líquido total TNE", "wdd": "WDD (incidentes)",
        "wdd_ci": "Intervalo de 95 % do WDD", "wdd_p": "p do WDD", "measure": "Medida",
        "wdq_reason": {"control_before_zero": "indefinido: nenhum incidente nos controles "
                       "antes", "control_after_zero": "indefinido: nenhum incidente nos "
                       "controles depois", "no_success": "indefinido: SM ≥ 0, a área tratada "
                       "não melhorou em relação aos controles, não há o que deslocar"},
        "wdq_meaning": {"diffusion_greater": "difusão de benefícios maior que o efeito direto",
                        "diffusion": "difusão de benefícios",
                        "no_displacement": "nem deslocamento nem difusão",
                        "displacement_smaller": "deslocamento menor que o efeito direto "
                        "(benefício líquido)", "displacement_equal": "deslocamento anula o "
                        "efeito direto", "displacement_greater": "deslocamento maior que o "
                        "efeito direto"},
        "tne_meaning": {"reduction": "incidentes evitados", "increase": "aumento líquido",
                        "no_change": "sem variação líquida", "": "indefinido"},
        "model": "Estimativa por modelo", "term": "Estimativa", "pct": "Variação",
        "ci": "Intervalo de 95 %", "p": "p",
        "terms": {"treated": "Segmentos tratados", "buffer": "Entorno (transbordamento)",
                  "night_treated": "Tratados, noite", "day_treated": "Tratados, dia "
                  "(placebo)", "ddd_treated": "Tratados, noite − dia (tripla diferença)",
                  "night_buffer": "Entorno, noite", "day_buffer": "Entorno, dia (placebo)",
                  "ddd_buffer": "Entorno, noite − dia"},
        "model_note": "Regressão de Poisson da contagem semanal de cada segmento com efeitos "
        "fixos de segmento e de semana, erros-padrão agrupados por segmento ({n_seg} "
        "segmentos, {n_obs} segmentos-semana). Inícios escalonados: diferenças em diferenças "
        "empilhadas, um subexperimento por semana de início com seus segmentos tratados e de "
        "entorno e apenas controles limpos (controles pareados e segmentos ainda não "
        "tratados), de modo que nenhum segmento já tratado sirva de controle.",
        "per_cohort": "Por semana de início", "per_category": "Por categoria",
        "category": "Categoria", "event": "Estudo de evento",
        "event_note": "Variação dos segmentos tratados em relação aos controles em faixas de "
        "{b} semanas a partir do início (a faixa anterior ao início é a referência). Teste de "
        "tendência prévia (todas as faixas antes do início iguais a zero): {test}.",
        "test": "F = {f} com {q} e {g} gl, p = {p}", "untestable": "não testável",
        "weeks_from": "semanas desde o início", "pct_axis": "variação vs controles (%)",
        "trajectory": "Incidentes por segmento e semana", "traj_axis":
        "média por segmento-semana",
        "caveats": "Ressalvas", "methods": "Métodos e referências",
        "c_rtm": "Regressão à média: segmentos escolhidos por estarem quentes tendem a esfriar "
        "de qualquer forma. Os controles foram pareados pelo nível do período anterior, o que "
        "protege em parte contra isso, e o estudo de evento mostra se tratados e controles "
        "andavam juntos antes do início.",
        "c_poisson": "O erro-padrão do WDD supõe contagens de Poisson; com contagens "
        "superdispersas ele é pequeno demais. Os erros robustos por agrupamento do modelo não "
        "dependem dessa suposição.",
        "c_general": "Mudanças no registro, na geocodificação ou na atividade policial nos "
        "mesmos lugares e períodos seriam lidas como efeito. A noite vai do pôr ao nascer do "
        "sol locais.",
        "footer": "Gerado por hotspots {version}. Apenas contagens por área são mostradas; "
        "nenhum dado pessoal.", "yes": "sim", "no": "não",
        "refs": "Bowers & Johnson (2003), J. Quant. Criminol. 19:275–301; Guerette (2009), POP "
        "Center tool guide 10; Wheeler & Ratcliffe (2018), Crime Science 7:11; Correia, "
        "Guimarães & Zylkin (2020), Stata Journal 20:95–115; Cengiz, Dube, Lindner & Zipperer "
        "(2019), QJE 134:1405–1454; Goodman-Bacon (2021), J. Econometrics 225:254–277; "
        "Pustejovsky & Tipton (2018), JBES 36:672–683; Austin (2009), Stat. Med. 28:3083–3107.",
        "fell": "caíram {pct}", "rose": "subiram {pct}", "changed": "variaram {pct}",
        "main": "Os {outcome} nos {n} segmentos tratados {verb} ({ci}) em relação aos {ref}",
        "ref_matched": "controles pareados", "ref_controls": "segmentos de controle",
        "ci_text": "intervalo de 95 % de {lo} a {hi}",
        "inconclusive": "o intervalo inclui a ausência de variação, então os dados não "
        "distinguem um efeito do acaso",
        "buf_none": "nenhum sinal claro de deslocamento para os {n} segmentos vizinhos ({pct}, "
        "{ci})",
        "buf_disp": "sinais de deslocamento: os incidentes nos {n} segmentos vizinhos subiram "
        "{pct} ({ci})",
        "buf_diff": "difusão de benefícios: os incidentes nos {n} segmentos vizinhos caíram "
        "{pct} ({ci})",
        "pre_ok": "Antes do início, segmentos tratados e de controle andavam juntos (teste de "
        "tendência prévia p = {p}).",
        "pre_bad": "Atenção: segmentos tratados e de controle já se afastavam antes do início "
        "(teste de tendência prévia p = {p}); a estimativa pode estar enviesada.",
        "plac_ok": "Os incidentes diurnos, que a iluminação não deveria mudar, variaram {pct} "
        "({ci}), como se espera de um placebo.",
        "plac_bad": "Atenção: os incidentes diurnos, que a iluminação não deveria mudar, "
        "também variaram {pct} ({ci}): algo além da iluminação pode ter mudado.",
        "ddd_text": "A tripla diferença noite − dia, que remove o que mudou também de dia, "
        "dá {pct} ({ci}).",
        "wdd_text": "O teste da diferença de deslocamento ponderada concorda na direção: WDD = "
        "{wdd} incidentes ({ci}).", "wdd_other": "O teste da diferença de deslocamento "
        "ponderada dá WDD = {wdd} incidentes ({ci}).",
        "notes": {
            "overlaps": "{n} segmento(s) estavam em mais de uma intervenção; usou-se o início "
            "mais antigo.", "night_computed": "A noite foi calculada pelo pôr e nascer do sol "
            "locais.", "outside_period": "{n} incidentes ficam fora das semanas do estudo e não "
            "são contados.",
            "cohort_skipped": "As intervenções iniciadas em {start} não foram avaliadas: "
            "{reason}.", "no_pre": "menos de 2 semanas de dados antes do início",
            "no_post": "nenhum dado depois do início",
            "treated_pre_spill": "{n} segmento(s) tratado(s) ficavam ao lado de uma intervenção "
            "anterior; as semanas depois dela ficam fora do seu período anterior.",
            "fewer_controls": "Candidatos insuficientes: {k} controles por segmento tratado em "
            "vez de {wanted}.", "controls_given": "{n} segmentos de controle foram indicados "
            "pelo usuário.", "imbalance": "Desequilíbrio após o pareamento (|DMP| > 0,1): "
            "{covariates}.",
            "dropped_obs": "{n} segmentos-semana de segmentos sem nenhum incidente na sua "
            "janela não informam o modelo e ficaram de fora.",
            "separated": "Não estimável (nenhum incidente nas linhas envolvidas): {terms}.",
            "not_converged": "O modelo não convergiu em {iterations} iterações.",
            "few_treated": "Apenas {n} segmentos tratados: os intervalos robustos por "
            "agrupamento podem ser estreitos demais com tão poucos.",
            "overdispersion": "As contagens variam {phi} vezes mais do que contagens de Poisson "
            "variariam: leia o intervalo do WDD com cuidado.",
            "pretrend": "O teste de tendência prévia rejeita (p = {p}).",
            "placebo_day": "O placebo diurno variou {pct} ({lo} a {hi}).",
            "rtm": "Os segmentos tratados tinham {ratio} vezes os incidentes do segmento médio "
            "antes do início: provavelmente foram escolhidos por estarem quentes (regressão à "
            "média)."},
    },
}


def fmt(value, lang: str, *, digits: int = 0, pct: bool = False, sign: bool = False) -> str:
    """A number as the language writes it (decimal comma in pt); "–" for NaN."""
    if value is None or (isinstance(value, float | np.floating) and not math.isfinite(value)):
        return "–"
    text = f"{value:+,.{digits}f}" if sign else f"{value:,.{digits}f}"
    text = text.replace("-", "−")
    if lang == "pt":
        text = text.replace(",", "\u2009").replace(".", ",")
    return text + (" %" if pct else "")


def note_text(note, lang: str) -> str:
    """A :class:`~hotspots.intervention.study.Note` in words."""
    t = TEXT[lang]["notes"]
    values = dict(note.values)
    for key in ("p", "pct", "lo", "hi", "ratio", "phi"):
        if key in values and isinstance(values[key], float | int | np.floating):
            digits = 3 if key == "p" else (1 if key in ("ratio", "phi") else 0)
            values[key] = fmt(float(values[key]), lang, digits=digits,
                              pct=key in ("pct", "lo", "hi"), sign=key in ("pct", "lo", "hi"))
    if "reason" in values:
        values["reason"] = t.get(values["reason"], values["reason"])
    for key in ("covariates", "terms"):
        if key in values:
            values[key] = ", ".join(TEXT[lang]["cov"].get(v, v) for v in values[key])
    return t[note.code].format(**values)


def _ci(row, lang):
    t = TEXT[lang]
    return t["ci_text"].format(lo=fmt(row["ci_low_pct"], lang, pct=True, sign=True),
                               hi=fmt(row["ci_high_pct"], lang, pct=True, sign=True))


def conclusion(result, lang: str) -> list[str]:
    """The plain-language conclusion: sentences stating the effect and its uncertainty."""
    t = TEXT[lang]
    fx = result.effects
    out = []
    n_t = int((result.areas["role"] == "treated").sum())
    n_b = int((result.areas["role"] == "buffer").sum())
    outcome = t["outcomes"][result.outcome]
    row = fx.loc["treated"]
    ref = t["ref_matched"] if result.balance["matched_on"].any() else t["ref_controls"]
    if not math.isfinite(row["estimate"]):
        out.append(t["notes"]["separated"].format(terms=t["terms"]["treated"]))
    else:
        lo, hi = row["ci_low_pct"], row["ci_high_pct"]
        size = fmt(abs(row["pct_change"]), lang, pct=True)
        if hi < 0:
            verb = t["fell"].format(pct=size)
        elif lo > 0:
            verb = t["rose"].format(pct=size)
        else:
            verb = t["changed"].format(pct=fmt(row["pct_change"], lang, pct=True, sign=True))
        first = t["main"].format(outcome_cap=outcome[:1].upper() + outcome[1:], outcome=outcome,
                                 n=n_t, verb=verb, ci=_ci(row, lang), ref=ref)
        if lo <= 0 <= hi:
            first += "; " + t["inconclusive"]
        if "buffer" in fx.index and math.isfinite(fx.loc["buffer", "estimate"]) and n_b:
            b = fx.loc["buffer"]
            if b["ci_low_pct"] > 0:
                first += "; " + t["buf_disp"].format(
                    n=n_b, pct=fmt(b["pct_change"], lang, pct=True), ci=_ci(b, lang))
            elif b["ci_high_pct"] < 0:
                first += "; " + t["buf_diff"].format(
                    n=n_b, pct=fmt(abs(b["pct_change"]), lang, pct=True), ci=_ci(b, lang))
            else:
                first += "; " + t["buf_none"].format(
                    n=n_b, pct=fmt(b["pct_change"], lang, pct=True, sign=True), ci=_ci(b, lang))
        out.append(first + ".")
    p = result.event_study.pretrend_p
    if math.isfinite(p):
        key = "pre_bad" if p < result.settings.alpha else "pre_ok"
        out.append(t[key].format(p=fmt(p, lang, digits=3)))
    if "day_treated" in fx.index and math.isfinite(fx.loc["day_treated", "estimate"]):
        d = fx.loc["day_treated"]
        key = "plac_bad" if d["p"] < result.settings.alpha else "plac_ok"
        out.append(t[key].format(pct=fmt(d["pct_change"], lang, pct=True, sign=True),
                                 ci=_ci(d, lang)))
        if key == "plac_bad" and "ddd_treated" in fx.index:
            dd = fx.loc["ddd_treated"]
            out.append(t["ddd_text"].format(pct=fmt(dd["pct_change"], lang, pct=True, sign=True),
                                            ci=_ci(dd, lang)))
    pooled = result.classic.table.iloc[-1]
    ci = t["ci_text"].format(lo=fmt(pooled["wdd_ci_low"], lang, sign=True),
                             hi=fmt(pooled["wdd_ci_high"], lang, sign=True))
    same = math.isfinite(row["estimate"]) and np.sign(pooled["wdd"]) == np.sign(row["estimate"])
    out.append(t["wdd_text" if same else "wdd_other"].format(
        wdd=fmt(pooled["wdd"], lang, sign=True), ci=ci))
    return out
