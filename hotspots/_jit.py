"""Which numba kernels still need compiling in this environment (their on-disk cache is empty)."""

from __future__ import annotations

import os

__all__ = ["uncompiled_kernels"]


def _kernels() -> dict[str, object]:
    from hotspots import _snapkernel, blockfaces
    from hotspots.stats import _inference

    return {"snapping": _snapkernel.nearest, "snapping grid": _snapkernel.build_grid,
            "permutation test": _inference._count_extremes, "block faces": blockfaces._walk}


def _cached(dispatcher) -> bool:
    """True when numba's cache index of ``dispatcher`` exists (a compiled version is stored)."""
    try:
        cache = dispatcher._cache  # numba FunctionCache (``cache=True``)
        index = cache._cache_file._index_path
    except AttributeError:  # pragma: no cover - another numba layout: assume compiled
        return True
    return os.path.exists(index)


def uncompiled_kernels() -> list[str]:
    """Names of the kernels that the next run will compile (empty once they are cached)."""
    return [name for name, fn in _kernels().items() if not _cached(fn)]
