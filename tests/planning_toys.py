"""Hand-computable toy streets, lamps and incidents for the planning tests (in UTM 22S metres).

Rua A runs east along y = 0 from x = 0 to 300 in three 100 m blocks (segments 1, 2, 3); Rua B
(x = 0), Travessa E (x = 100, north only) and Av. C (x = 300) cross it; the cross streets are
40 m long on each side. Working lamps at (0, 0), (300, 0) and at the far ends of the cross
streets light everything except Rua A from x = 30 to 270 and Travessa E's first 10 m.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:31982"
X0, Y0 = 370_000.0, 6_480_000.0  # Pelotas, SIRGAS 2000 / UTM 22S


def segments() -> gpd.GeoDataFrame:
    lines = {
        1: ("Rua A", [(0, 0), (100, 0)]),
        2: ("Rua A", [(100, 0), (200, 0)]),
        3: ("Rua A", [(200, 0), (300, 0)]),
        4: ("Rua B", [(0, -40), (0, 0)]),
        5: ("Rua B", [(0, 0), (0, 40)]),
        6: ("Travessa E", [(100, 0), (100, 40)]),
        7: ("Av. C", [(300, -40), (300, 0)]),
        8: ("Av. C", [(300, 0), (300, 40)]),
    }
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in pts]) for _, pts in lines.values()]
    frame = gpd.GeoDataFrame({"street_name": [n for n, _ in lines.values()]}, geometry=geoms,
                             crs=CRS, index=pd.Index(list(lines), name="segment_id"))
    frame["length_m"] = frame.geometry.length
    return frame


def lamps(broken: list[tuple[float, float]] = ()) -> gpd.GeoDataFrame:
    working = [(0, 0), (300, 0), (0, -40), (0, 40), (100, 40), (300, -40), (300, 40)]
    pts = working + list(broken)
    status = ["working"] * len(working) + ["broken"] * len(broken)
    return gpd.GeoDataFrame(
        {"lamp_id": np.arange(1, len(pts) + 1), "status": status},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in pts], crs=CRS)


def incidents(rows: list[tuple[int, float, str, str]], *, tz: str = "America/Sao_Paulo"
              ) -> pd.DataFrame:
    """(segment_id, position_m, local time 'YYYY-MM-DD HH:MM', category) per incident."""
    frame = pd.DataFrame(rows, columns=["segment_id", "position_m", "when", "category"])
    frame["occurred_at"] = pd.to_datetime(frame.pop("when")).dt.tz_localize(tz)
    frame.index = pd.Index([f"I{i}" for i in range(len(frame))], name="incident_id")
    return frame
