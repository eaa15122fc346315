"""Points along segment lines in numba (hotspots.address.interpolate) against shapely/GEOS."""

import numpy as np
import pytest
import shapely

from hotspots.address.interpolate import LineCoords, offset_points_xy
from hotspots.address.reference import offset_points


def _lines(seed: int, n: int):
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        k = int(rng.integers(2, 7))
        xy = np.cumsum(rng.normal(0, 40, size=(k, 2)), axis=0) + rng.uniform(0, 5e5, 2)
        if k > 2 and rng.random() < 0.3:
            xy[1] = xy[0]  # a repeated vertex (zero-length piece)
        lines.append(shapely.linestrings(xy))
    lines.append(shapely.linestrings([[0.0, 0.0], [3.0, 4.0]]))  # hand-computable: length 5
    return np.array(lines, dtype=object)


def test_hand_computed_offsets():
    lines = np.array([shapely.linestrings([[0.0, 0.0], [3.0, 4.0]]),
                      shapely.linestrings([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])],
                     dtype=object)
    coords = LineCoords(lines)
    xy = offset_points_xy(coords, np.array([0, 1, 1, 1]), shapely.length(lines),
                          np.array([2.5, 5.0, 15.0, 99.0]), np.array([1.0, 1.0, -1.0, 0.0]),
                          side_offset_m=2.0)
    # left of (3, 4)/5 is (-4, 3)/5; left of +x is +y; 15 m is (10, 5), whose right (going +y)
    # is +x; 99 m clips to the end
    np.testing.assert_allclose(xy, [[1.5 - 1.6, 2.0 + 1.2], [5.0, 2.0], [12.0, 5.0],
                                    [10.0, 10.0]], atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_points_as_geos(seed):
    lines = _lines(seed, 300)
    length = shapely.length(lines)
    rng = np.random.default_rng(seed + 10)
    rows = rng.integers(0, len(lines), 2000)
    pos = rng.uniform(-5, 1.1, len(rows)) * length[rows]
    pos[:20] = 0.0
    pos[20:40] = length[rows[20:40]]
    side = rng.choice([-1.0, 1.0], len(rows))
    got = offset_points_xy(LineCoords(lines), rows, length, pos, side, side_offset_m=10.0)
    want = shapely.get_coordinates(offset_points(lines[rows], pos, side, side_offset_m=10.0))
    assert np.array_equal(got, want)  # bit for bit: the same arithmetic as GEOS
    # and the points on the line are GEOS's Interpolate
    on = offset_points_xy(LineCoords(lines), rows, length, pos, np.zeros(len(rows)),
                          side_offset_m=10.0)
    geos = shapely.get_coordinates(shapely.line_interpolate_point(
        lines[rows], np.clip(pos, 0, length[rows])))
    assert np.array_equal(on, geos)
