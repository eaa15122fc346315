"""Benchmark: addresses geocoded per second on a synthetic Pelotas-style grid (≥ 100,000 addresses).

Run: python benchmarks/bench_geocode.py [n_addresses]
"""

from __future__ import annotations

import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.address.geocoder import AddressGeocoder
from hotspots.segments import build_segments

STREETS = ["Rua Quinze de Novembro", "Rua Andrade Neves", "Rua Gonçalves Chaves",
           "Rua Félix Xavier da Cunha", "Rua General Osório", "Rua Marechal Deodoro",
           "Rua Padre Anchieta", "Rua Doutor Cassiano", "Rua Tiradentes", "Rua Almirante Barroso",
           "Rua Benjamin Constant", "Rua Professor Doutor Araújo", "Avenida Bento Gonçalves",
           "Rua Sete de Setembro", "Rua Marechal Floriano", "Rua Santa Cruz", "Rua Dom Pedro II",
           "Rua Lobo da Costa", "Rua Voluntários da Pátria", "Rua Barão de Santa Tecla",
           "Rua Princesa Isabel", "Rua Conde de Porto Alegre", "Avenida Saldanha Marinho",
           "Rua Senador Mendonça"]


def network(n_side: int = 40, block_m: float = 100.0):
    """An n×n grid; street i is named after STREETS with a district suffix to make ~2n names."""
    rows = []
    for axis in (0, 1):
        for i in range(n_side):
            name = f"{STREETS[i % len(STREETS)]} {['', 'Norte', 'Sul', 'Leste'][i // len(STREETS) % 4]}"
            for k in range(n_side - 1):
                a, b = (i * block_m, k * block_m), (i * block_m, (k + 1) * block_m)
                if axis:
                    a, b = a[::-1], b[::-1]
                rows.append({"name": name.strip() + ("" if axis == 0 else " Oeste"),
                             "geometry": shapely.LineString([a, b]),
                             "from_left": 100 * k + 1, "to_left": 100 * k + 99,
                             "from_right": 100 * k, "to_right": 100 * k + 98})
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:31982")
    return build_segments(lines, name_column="name")


def addresses(segments, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = segments["street_name"].unique()
    pick = names[rng.integers(len(names), size=n)]
    number = rng.integers(1, 3800, size=n)
    style = rng.integers(4, size=n)
    text = np.where(style == 0, pd.Series(pick).str.replace("Rua ", "R. ", regex=False),
                    np.where(style == 1, pd.Series(pick).str.lower(), pick))
    sep = np.where(style == 3, ", nº ", ", ")
    address = pd.Series(text).astype(str) + sep + number.astype(str)
    return pd.DataFrame({"incident_id": np.arange(n), "source_row": np.arange(n),
                         "address": address})


def main(n: int = 120_000) -> None:
    segments = network()
    frame = addresses(segments, n)
    geocoder = AddressGeocoder()
    t0 = time.perf_counter()
    geocoder.prepare(segments)
    t1 = time.perf_counter()
    out, rej = geocoder(frame, segments)
    t2 = time.perf_counter()
    print(f"segments: {len(segments):,}  street names: {segments['street_name'].nunique():,}")
    print(f"index build: {t1 - t0:.2f} s")
    print(f"geocoded {len(out):,} + rejected {len(rej):,} of {n:,} addresses in {t2 - t1:.2f} s "
          f"-> {n / (t2 - t1):,.0f} addresses/s (match rate {geocoder.last_qa['match_rate']:.1%})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120_000)
