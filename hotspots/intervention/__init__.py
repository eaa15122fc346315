"""Did it work? Evaluating lighting, green-area and patrol interventions on street segments.

    from hotspots.intervention import EvaluationSettings, evaluate_interventions
    from hotspots.intervention.report import write_report
    result = evaluate_interventions(geocoded, segments, interventions,
                                    settings=EvaluationSettings(buffer_m=150))
    write_report(result, "evaluation.html", language="pt")

Concept modules: :mod:`.inputs` (interventions table, weekly counts), :mod:`.areas` (treated,
buffer, matched controls, balance), :mod:`.measures` (WDQ family, WDD), :mod:`.design`
(cohorts and the stacked panel), :mod:`.fepois` (fixed-effects Poisson), :mod:`.did`
(DiD, event study, placebo), :mod:`.study` (the whole evaluation), :mod:`.report` (HTML).
"""

from hotspots.config.evaluation import EvaluationSettings
from hotspots.intervention.inputs import KINDS, LIGHTING_KINDS, prepare_interventions
from hotspots.intervention.measures import bowers_johnson, wdd
from hotspots.intervention.study import InterventionEvaluation, Note, evaluate_interventions

__all__ = [
    "KINDS",
    "LIGHTING_KINDS",
    "EvaluationSettings",
    "InterventionEvaluation",
    "Note",
    "bowers_johnson",
    "evaluate_interventions",
    "prepare_interventions",
    "wdd",
]
