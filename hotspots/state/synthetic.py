"""A synthetic state for tests and benchmarks: street grids inside real municipal boundaries, seeded incidents.

Each municipality gets a square grid of streets (blocks of ``block_m``) centred on a point
inside its IBGE boundary, sized by a rank–size (Zipf) rule so that the largest cities hold most
segments, and incidents drawn on its segments (a share concentrated on a few hot segments, as
crime is) over the weeks before the analysed one. Everything is generated with array
operations per city (no per-row Python) from one ``seed``: the same arguments give the same
files, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

__all__ = ["SyntheticState", "city_sizes", "grid_streets", "synthetic_incidents",
           "synthetic_state"]

#: analysis CRS of the synthetic cities (SIRGAS 2000 / UTM 22S)
CRS = "EPSG:31982"
#: the largest municipalities of Rio Grande do Sul by population, largest first
LARGEST_RS = ("4314902", "4305108", "4304606", "4314407", "4316907", "4309209", "4323002",
              "4313409", "4318705", "4315602", "4316808", "4303103", "4307708", "4318002")
CATEGORIES = np.array(["roubo", "furto", "furto de veículo", "lesão corporal", "ameaça"],
                      dtype=object)


@dataclass(frozen=True)
class SyntheticState:
    """What :func:`synthetic_state` wrote."""

    config: Path  #: the state config (TOML)
    incidents: Path | None  #: the state-wide incident CSV (None with per-city files)
    sizes: pd.DataFrame  #: per municipality: code, name, segments, incidents


def city_sizes(codes: list[str], *, segments_total: int, min_segments: int = 40,
               seed: int = 0, largest: tuple[str, ...] = LARGEST_RS) -> pd.Series:
    """Segments per municipality by a Zipf rank–size rule (the ``largest`` codes first, the
    others in a seeded random order), scaled to about ``segments_total``."""
    rng = np.random.default_rng(seed)
    top = [c for c in largest if c in codes]
    rest = [c for c in codes if c not in top]
    order = top + [rest[i] for i in rng.permutation(len(rest))]
    ranks = np.arange(1, len(order) + 1, dtype=float)
    share = (1.0 / ranks) / np.sum(1.0 / ranks)
    sizes = np.maximum(np.rint(share * segments_total).astype(np.int64), min_segments)
    return pd.Series(sizes, index=pd.Index(order, name="code")).reindex(codes)


def _grid_side(segments: int) -> int:
    """Blocks per side of a square grid with about ``segments`` segments (2k(k+1))."""
    return max(2, round((-1 + np.sqrt(1 + 2 * segments)) / 2))


def grid_streets(center_xy: tuple[float, float], segments: int, *, block_m: float = 100.0
                 ) -> gpd.GeoDataFrame:
    """Streets of a square grid (one line per street, a vertex at every crossing)."""
    k = _grid_side(segments)
    x0 = center_xy[0] - k * block_m / 2
    y0 = center_xy[1] - k * block_m / 2
    t = np.arange(k + 1) * block_m
    xx, yy = np.meshgrid(x0 + t, y0 + t)  # [row j, column i]
    rows = np.stack([xx, yy], axis=-1)  # horizontal streets: row j, vertices along i
    cols = rows.transpose(1, 0, 2)  # vertical streets
    lines = shapely.linestrings(np.concatenate([rows, cols]))
    names = np.concatenate([np.char.add("Rua ", (np.arange(k + 1) + 1).astype(str)),
                            np.char.add("Avenida ", (np.arange(k + 1) + 1).astype(str))])
    return gpd.GeoDataFrame({"nome": names}, geometry=lines, crs=CRS)


def synthetic_incidents(center_xy: tuple[float, float], segments: int, n: int, *,
                        weeks: list[str], timezone: str, seed: int, block_m: float = 100.0,
                        hot_share: float = 0.35, hot_segments: float = 0.02,
                        jitter_m: float = 6.0, at_nodes: float = 0.0,
                        inside=None) -> pd.DataFrame:
    """``n`` incidents on the grid of :func:`grid_streets`: a ``hot_share`` of them on a
    ``hot_segments`` share of the segments, the others anywhere, times uniform over ``weeks``
    (ISO labels, local time); ``at_nodes`` puts that share exactly on intersections (ties).
    ``inside`` (a polygon in :data:`CRS`, e.g. the municipality) keeps the incidents on the
    segments whose midpoint lies in it. Columns: data_hora (dd/mm/YYYY HH:MM), natureza,
    latitude, longitude, and x, y in :data:`CRS` (exact: points on nodes lie exactly on the
    grid's vertices)."""
    rng = np.random.default_rng(seed)
    k = _grid_side(segments)
    nseg = 2 * k * (k + 1)
    x0 = center_xy[0] - k * block_m / 2
    y0 = center_xy[1] - k * block_m / 2
    pool = np.arange(nseg)
    if inside is not None:
        h = pool < k * (k + 1)
        sp = np.where(h, pool, pool - k * (k + 1))
        a, b = (sp % k + 0.5) * block_m, (sp // k) * block_m
        mx, my = x0 + np.where(h, a, b), y0 + np.where(h, b, a)
        kept = pool[shapely.contains_xy(inside, mx, my)]
        pool = kept if len(kept) else pool
    hot = rng.choice(pool, size=max(1, int(hot_segments * len(pool))), replace=False)
    on_hot = rng.random(n) < hot_share
    seg = np.where(on_hot, hot[rng.integers(0, len(hot), n)], pool[rng.integers(0, len(pool), n)])
    horizontal = seg < k * (k + 1)
    s = np.where(horizontal, seg, seg - k * (k + 1))
    line, piece = s // k, s % k  # street number and block along it
    along = (piece + rng.random(n)) * block_m
    across = line * block_m + rng.normal(0.0, jitter_m / 2, n).clip(-jitter_m, jitter_m)
    node = rng.random(n) < at_nodes
    along = np.where(node, np.rint(along / block_m) * block_m, along)
    across = np.where(node, line * block_m, across)
    x = x0 + np.where(horizontal, along, across)
    y = y0 + np.where(horizontal, across, along)
    lon, lat = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x, y)
    starts = np.array([pd.Timestamp.fromisocalendar(int(w[:4]), int(w[6:]), 1).value
                       for w in weeks], dtype=np.int64)
    week = rng.integers(0, len(weeks), n)
    minute = rng.integers(0, 7 * 24 * 60, n)
    local = pd.to_datetime(starts[week] + minute * 60_000_000_000)
    order = np.argsort(local.values, kind="stable")
    frame = pd.DataFrame({
        "data_hora": local.strftime("%d/%m/%Y %H:%M"),
        "natureza": CATEGORIES[rng.integers(0, len(CATEGORIES), n)],
        "latitude": np.round(lat, 7), "longitude": np.round(lon, 7), "x": x, "y": y,
    }).iloc[order].reset_index(drop=True)
    return frame


def synthetic_state(folder: str | Path, *, boundaries: str | Path, codes: list[str] | None = None,
                    segments_total: int = 1_000_000, incidents_per_year: int = 3_000_000,
                    weeks: int = 9, last_week: str = "2026-W47", seed: int = 20260,
                    min_segments: int = 40, source: str = "file",
                    defaults: dict | None = None, title: str = "Estado sintético (RS)",
                    streets_format: str = "gpkg", rate_spread: float = 0.0) -> SyntheticState:
    """Write a synthetic state into ``folder``: streets per municipality, incidents (one
    state-wide CSV with an IBGE-code column, or one file per city), and ``state.toml``.

    Parameters
    ----------
    folder : path
        Where to write (``streets/<code>.gpkg``, ``ocorrencias.csv`` or
        ``incidents/<code>.csv``, ``state.toml``).
    boundaries : path
        The municipal layer (``cd_mun``, ``nm_mun``), e.g.
        ``data/boundaries/rs_municipios_ibge.geojson``.
    codes : list of str, optional
        The municipalities to include (default: every one of the layer).
    segments_total, incidents_per_year : int
        Size of the state: segments in all, incidents a year in all (each city's share is
        proportional to its segments).
    weeks : int
        Weeks of incidents, ending with ``last_week`` (the analysed one).
    seed : int
        Seed of every random draw.
    source : str
        ``"file"`` (one state-wide CSV) or ``"per_city"``.
    defaults : dict, optional
        ``[defaults.<section>]`` tables written into the config.
    streets_format : str
        ``"gpkg"`` or ``"parquet"`` (GeoParquet) street files.
    rate_spread : float
        Standard deviation of the log of each city's incidents per segment (lognormal, mean
        1, rescaled so the state keeps ``incidents_per_year``); 0 gives every city the same
        rate. A spread makes a city's incidents vary apart from its size, as they do between
        real municipalities (and lets a cost model tell segments and incidents apart).

    Returns
    -------
    SyntheticState
        The config, the state-wide incident file and the size of each municipality.
    """
    from hotspots._settings import toml_value
    from hotspots.weekly import parse_week

    folder = Path(folder)
    (folder / "streets").mkdir(parents=True, exist_ok=True)
    layer = gpd.read_file(boundaries, engine="pyogrio")
    layer["cd_mun"] = layer["cd_mun"].astype(str)
    if codes is not None:
        layer = layer[layer["cd_mun"].isin(codes)]
    layer = layer.sort_values("cd_mun").reset_index(drop=True)
    codes = layer["cd_mun"].tolist()
    sizes = city_sizes(codes, segments_total=segments_total, min_segments=min_segments,
                       seed=seed)
    polygons = layer.to_crs(CRS).geometry
    centers = polygons.representative_point()
    week_labels = [parse_week(last_week, timezone="UTC").shift(-i).label
                   for i in range(weeks - 1, -1, -1)]
    side = np.array([_grid_side(int(sizes[c])) for c in codes], dtype=float)
    real_segments = 2 * side * (side + 1)
    rate = np.ones(len(codes))
    if rate_spread > 0:
        rng = np.random.default_rng(seed + 7_919)
        rate = rng.lognormal(-rate_spread ** 2 / 2, rate_spread, len(codes))
        rate *= real_segments.sum() / float(np.sum(rate * real_segments))  # keep the total
    rows = []
    parts = []
    if source == "per_city":
        (folder / "incidents").mkdir(exist_ok=True)
    for i, code in enumerate(codes):
        nseg = int(sizes[code])
        k = _grid_side(nseg)
        real = 2 * k * (k + 1)
        n = max(5, round(incidents_per_year * rate[i] * real / segments_total * weeks / 52))
        c = (float(centers.iloc[i].x), float(centers.iloc[i].y))
        streets = grid_streets(c, nseg)
        ext = {"gpkg": ".gpkg", "parquet": ".parquet"}[streets_format]
        path = folder / "streets" / f"{code}{ext}"
        if streets_format == "gpkg":
            streets.to_file(path, engine="pyogrio", layer="ruas")
        else:
            streets.to_parquet(path)
        inc = synthetic_incidents(c, nseg, n, weeks=week_labels, timezone="America/Sao_Paulo",
                                  seed=seed + i + 1, inside=polygons.iloc[i]
                                  ).drop(columns=["x", "y"])
        inc.insert(0, "id", np.char.add(f"{code}-", np.arange(1, n + 1).astype(str)))
        if source == "per_city":
            inc.to_csv(folder / "incidents" / f"{code}.csv", index=False)
        else:
            inc["cod_ibge"] = code
            parts.append(inc)
        rows.append({"code": code, "name": layer["nm_mun"].iloc[i], "segments": real,
                     "incidents": n})
    incidents = None
    if parts:
        incidents = folder / "ocorrencias.csv"
        pd.concat(parts, ignore_index=True).to_csv(incidents, index=False)
    lines = [f"title = {toml_value(title)}", "", "[state]", 'output_root = "runs"',
             f"boundaries = {toml_value(str(Path(boundaries).resolve()))}", "",
             "[incidents]", f"source = {toml_value(source)}"]
    if incidents is not None:
        lines += ['path = "ocorrencias.csv"', 'filter = "code_column"',
                  'code_column = "cod_ibge"']
    defaults = {"parameters": {"crs": CRS},
                "columns": {"id": "id", "time": "data_hora", "category": "natureza",
                            "lat": "latitude", "lon": "longitude"},
                "inputs": {"time_format": "%d/%m/%Y %H:%M", "streets_name_column": "nome"},
                **(defaults or {})}
    for section, table in defaults.items():
        lines += ["", f"[defaults.{section}]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
    for r in rows:
        lines += ["", "[[municipalities]]", f"code = {toml_value(r['code'])}",
                  f"name = {toml_value(r['name'])}",
                  f"streets = \"streets/{r['code']}{ext}\""]
        if streets_format == "gpkg":
            lines.append('streets_layer = "ruas"')
        if source == "per_city":
            lines.append(f"incidents = \"incidents/{r['code']}.csv\"")
    config = folder / "state.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return SyntheticState(config=config, incidents=incidents, sizes=pd.DataFrame(rows))


def main(argv: list[str] | None = None) -> int:
    """``python -m hotspots.state.synthetic FOLDER``: write a small synthetic state to try
    ``hotspots state --config FOLDER/state.toml`` (five municipalities by default)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m hotspots.state.synthetic",
                                 description=main.__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--boundaries", type=Path, default=Path(__file__).resolve().parents[2]
                    / "data" / "boundaries" / "rs_municipios_ibge.geojson",
                    help="municipal layer with cd_mun and nm_mun (default: RS, IBGE 1:2.5M)")
    ap.add_argument("--codes", nargs="*", default=["4300109", "4300208", "4300406", "4300505",
                                                   "4314407"],
                    help="IBGE codes (default: Pelotas and four small municipalities; none "
                    "given: every municipality of the layer)")
    ap.add_argument("--segments", type=int, default=3_000, help="segments in all")
    ap.add_argument("--incidents", type=int, default=40_000, help="incidents a year in all")
    ap.add_argument("--source", choices=("file", "per_city"), default="file")
    ap.add_argument("--seed", type=int, default=20260)
    args = ap.parse_args(argv)
    if not args.boundaries.is_file():
        ap.error(f"{args.boundaries}: municipal layer not found (--boundaries)")
    made = synthetic_state(args.folder, boundaries=args.boundaries, codes=args.codes or None,
                           segments_total=args.segments, incidents_per_year=args.incidents,
                           source=args.source, seed=args.seed, min_segments=60,
                           rate_spread=0.5)
    print(f"{len(made.sizes)} municipalities, {int(made.sizes['segments'].sum()):,} segments, "
          f"{int(made.sizes['incidents'].sum()):,} incidents (9 weeks to 2026-W47)\n"
          f"  hotspots state --config {made.config} --week 2026-W47")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
