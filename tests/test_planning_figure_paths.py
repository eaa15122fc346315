"""The council map's line paths against the LineCollections they replace."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

pytest.importorskip("matplotlib")


def _old_lines(geoms) -> list[np.ndarray]:
    """The council map's former LineCollection segments (reference)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[np.isin(shapely.get_type_id(parts), [1, 2])]
    coords, owner = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return []
    return np.split(coords, np.flatnonzero(np.diff(owner)) + 1)


@pytest.mark.parametrize("geoms", [
    [],
    [None, shapely.LineString()],
    [shapely.LineString([(0, 0), (1, 1)])],
    [shapely.MultiLineString([[(0, 0), (1, 0)], [(1, 0), (1, 1), (2, 2)]]), None,
     shapely.box(0, 0, 1, 1), shapely.Point(3, 3),
     shapely.LinearRing([(0, 0), (1, 0), (1, 1)]),
     shapely.GeometryCollection([shapely.LineString([(5, 5), (6, 6)]), shapely.Point(0, 1)]),
     shapely.LineString([(0, 0), (1, 0)])],
])
def test_plan_map_line_path_has_the_old_collections_lines(geoms):
    from matplotlib.path import Path

    from hotspots.figures.paths import lines_path
    from hotspots.planning.figure import _line_parts

    path = lines_path(_line_parts(np.asarray(geoms, dtype=object)))
    old = _old_lines(geoms)
    if not old:
        assert len(path.vertices) == 0
        return
    starts = np.flatnonzero(path.codes == Path.MOVETO)
    pieces = np.split(path.vertices, starts[1:])
    assert len(pieces) == len(old)
    for a, b in zip(pieces, old, strict=True):
        np.testing.assert_array_equal(a, b)

