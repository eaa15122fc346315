"""The weekly run composed explicitly: read → geocode → week → counts → statistics → overlays →
priorities → week-over-week → evaluation, then one folder written atomically.

- :func:`analyse` runs the steps and returns a :class:`WeekResult` (nothing written);
- :func:`run_week` is the Monday run (``hotspots weekly``): one ISO week into
  ``<output_root>/<YYYY-Www>/``; :func:`run_all` analyses every incident (``hotspots demo``,
  ``hotspots snap``) into a folder.

Only :func:`read_inputs` reads files or the database.
"""

from __future__ import annotations

from hotspots.config import sample_config
from hotspots.pipeline.inputs import Inputs, read_inputs
from hotspots.pipeline.result import WeekResult
from hotspots.pipeline.run import Clock, RunResult, analyse, run_all, run_week

__all__ = ["Clock", "Inputs", "RunResult", "WeekResult", "analyse", "read_inputs", "run_all",
           "run_week", "sample_config"]
