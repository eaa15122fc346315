"""State-wide runs: every municipality's weekly run as one task on a dask.distributed cluster.

``hotspots state --config state.toml`` (see :mod:`hotspots.state.config` for the file and
:mod:`hotspots.state.runner` for the exit codes). Importing this package loads no dask: the
cluster is imported only when a run uses it, and :mod:`hotspots.state.partitioned` (snapping a
city bigger than memory in partitions) needs the ``dask`` extra.
"""

from __future__ import annotations

from hotspots.state.config import StateConfig, load_state_config, state_config_from_dict

__all__ = ["StateConfig", "load_state_config", "run_state", "state_config_from_dict"]


def run_state(*args, **kwargs):
    """See :func:`hotspots.state.runner.run_state`."""
    from hotspots.state.runner import run_state as run

    return run(*args, **kwargs)
