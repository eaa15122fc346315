"""The liaison release of a run: the disclosure model applied once (``WeekResult.liaison``).

:func:`release_for` runs :func:`hotspots.disclosure.release.release_for_liaisons` over a run's
layers with the statistics settings of :func:`release_statistics` (to recompute the classes
and the density raster on the protected counts); :mod:`hotspots.pipeline.liaison` writes it.
Kept apart from the writer so the run result can compute it without importing the outputs.
"""

from __future__ import annotations

from hotspots.disclosure.release import LiaisonRelease, release_for_liaisons
from hotspots.disclosure.statistics import DensityInputs, EmergingInputs, ReleaseStatistics

__all__ = ["release_for", "release_statistics"]


def release_statistics(result) -> ReleaseStatistics:
    """The run's statistics settings, to recompute the liaison classes and density raster on
    the protected counts (the same weights, variable, bins, FDR, seed, cube and grid)."""
    config = result.config
    stats = result.statistics
    seg_cols = result.segments.columns
    gi = stats.gi
    night_gi = None
    if "night_gi_bin" in seg_cols:
        night_gi = gi
        if night_gi is None:
            from hotspots.pipeline.statistics import contiguity_gi

            night_gi = contiguity_gi(result.inputs.segments, config.statistics,
                                     config.parameters.seed)
    emerging = None
    em = result.emerging.result if result.emerging is not None else None
    if em is not None and stats.weights is not None:
        emerging = EmergingInputs(cube=em.cube, segments=result.inputs.segments,
                                  weights=stats.weights, settings=em.settings)
    density = None
    if stats.kde is not None:
        radius = (stats.summary.get("kde") or {}).get("radius_m")
        if radius:
            density = DensityInputs(segments=result.inputs.segments, grid=stats.kde,
                                    radius_m=float(radius), kernel=config.statistics.kde_kernel,
                                    boundary=result.inputs.boundary_analysis)
    lisa = (max(config.statistics.permutations, 99)
            if gi is not None and "lisa_class" in seg_cols else None)
    return ReleaseStatistics(gi=gi, lisa_permutations=lisa, night_gi=night_gi,
                             emerging=emerging, density=density)


def release_for(result) -> LiaisonRelease:
    """The liaison release of a run (every layer, the week slider, the rasters, the report
    with what ingest dropped and masked)."""
    config = result.config
    out = config.outputs
    settings = config.disclosure
    tables = result.layers()
    release = release_for_liaisons(
        tables, k=out.privacy_k, settings=settings, protected=result.liaison_overrides(),
        statistics=release_statistics(result), weekly=tables.get("weekly_counts"),
        rasters=result.rasters(), include_incident_points=out.include_incident_points,
        language=config.parameters.language)
    ingest = getattr(result.inputs.incidents, "privacy", None)
    if ingest is not None:
        release.report["ingest"] = ingest
    return release
