"""Street segments: split a line layer (or an OSM extract) at intersections, with stable ids."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError, problems_message
from hotspots.numbering import (
    LEFT_RIGHT,
    find_range_columns,
    flip_range_columns,
    split_range_columns,
)

#: columns looked for, in order, when no street-name column is given
NAME_CANDIDATES = (
    "street_name", "name", "nome", "logradouro", "nm_log", "nome_logradouro", "NM_LOG",
    "NOME", "LOGRADOURO", "NAME", "FULLNAME",
)
#: address-range columns carried through to segments when present (TIGER-style); odd/even
#: (ímpar/par) and other names are found by :func:`hotspots.numbering.find_range_columns`
RANGE_COLUMNS = LEFT_RIGHT

_GRID_M = 1e-3  # vertices closer than 1 mm are the same node


def build_segments(
    lines: gpd.GeoDataFrame,
    *,
    crs: object = None,
    name_column: str | None = None,
    split: str = "vertices",
    min_length_m: float = 1.0,
    keep_columns: tuple[str, ...] | list[str] = (),
    source: str = "street layer",
    range_columns: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Split street lines at intersections into segments indexed by a stable ``segment_id``.

    ``split="vertices"`` (default, right for OSM and most municipal centrelines) splits a line at
    every vertex shared with another line and where another line ends on it at a vertex;
    ``split="planar"`` nodes every crossing (for layers digitised without shared vertices; it
    also splits at bridges). Segments shorter than ``min_length_m`` inside a longer line are
    merged into their neighbour; zero-length pieces are dropped. Ids are a hash of the segment's
    coordinates (rounded to 1 cm), so the same input always gives the same ids, whatever its row
    order, and editing one street does not renumber the others.

    Returns a GeoDataFrame in the analysis CRS with ``geometry``, ``length_m``, ``street_name``
    (empty string when unknown), ``source_index`` (row of the input line) and any of
    ``from_left/to_left/from_right/to_right`` and ``keep_columns`` found in the input.

    House-number ranges (``from_left``… or, among ``keep_columns``, any set that
    :func:`hotspots.numbering.find_range_columns` recognises, e.g. odd/even ``NUM_IMPAR_INI``…;
    ``range_columns`` maps roles to columns explicitly and carries them) are divided in
    proportion to length when a line is split, never copied whole to each piece
    (:func:`hotspots.numbering.split_ranges`).
    """
    _check_lines(lines, source=source)
    if split not in {"vertices", "planar"}:
        raise ValidationError(f"split={split!r}: use 'vertices' or 'planar'")
    if not np.isfinite(min_length_m) or min_length_m < 0:
        raise ValidationError(f"min_length_m={min_length_m!r}: must be a number ≥ 0")
    target = crs_mod.choose_analysis_crs(lines, crs)
    projected = crs_mod.to_analysis(lines, target, source=source)
    name_col = _name_column(projected, name_column, source=source)
    mapped = list((range_columns or {}).values())
    carry = list(dict.fromkeys(
        c for c in (*RANGE_COLUMNS, *keep_columns, *mapped) if c in projected.columns))
    range_spec = find_range_columns(carry, mapping=range_columns) if (
        range_columns or any(c in projected.columns for c in RANGE_COLUMNS) or keep_columns
    ) else None
    missing_keep = [c for c in keep_columns if c not in projected.columns]
    if missing_keep:
        raise ValidationError(
            f"{source}: keep_columns {missing_keep} not found; columns are {list(projected.columns)}"
        )

    geoms = projected.geometry.reset_index(drop=True)
    parts, part_src = shapely.get_parts(geoms.values, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, part_src = parts[keep], part_src[keep]
    if split == "planar":
        pieces, piece_src = _split_planar(parts, part_src)
    else:
        pieces, piece_src = _split_at_shared_vertices(parts, part_src, min_length_m)

    length = shapely.length(pieces)
    ok = length > _GRID_M
    pieces, piece_src, length = pieces[ok], piece_src[ok], length[ok]

    names = (
        projected[name_col].reset_index(drop=True).astype("string").fillna("").str.strip()
        if name_col
        else pd.Series([""] * len(projected), dtype="string")
    )
    out = gpd.GeoDataFrame(
        {
            "length_m": length,
            "street_name": names.to_numpy()[piece_src],
            "source_index": projected.index.to_numpy()[piece_src],
        },
        geometry=pieces,
        crs=target,
    )
    for col in carry:
        out[col] = projected[col].to_numpy()[piece_src]
    if range_spec is not None:
        frac0, frac1, against = _piece_fractions(pieces, piece_src,
                                                 projected.geometry.to_numpy())
        divided = split_range_columns(out[range_spec.names].reset_index(drop=True), range_spec,
                                      frac0, frac1)
        if against.any():  # planar noding may return a piece reversed
            divided = flip_range_columns(divided, range_spec, against)
        for col in range_spec.names:
            out[col] = divided[col].to_numpy()
    out["street_name"] = out["street_name"].astype(str)
    ids = segment_ids(out.geometry.values)
    out.index = pd.Index(ids, name="segment_id")
    dup = out.index.duplicated(keep=False)
    if dup.any():
        # identical pieces (a street digitised twice) collapse to one segment; different pieces
        # with one id would be a 53-bit hash collision (~1e-5 for a million segments)
        twins = out[dup]
        rounded = [np.round(shapely.get_coordinates(g), 2).tobytes() for g in twins.geometry]
        distinct = pd.Series(rounded, index=twins.index).groupby(level=0).nunique()
        if (distinct > 1).any():  # pragma: no cover - practically unreachable
            raise ValidationError(
                f"{source}: two different segments hash to segment_id {distinct.idxmax()}; "
                "please report this with the street layer so the id scheme can be widened"
            )
        out = out[~out.index.duplicated(keep="first")]
    return out.sort_index()


def segments_from_osm(
    pbf_path: str | Path,
    *,
    network_type: str = "all",
    crs: object = None,
    min_length_m: float = 1.0,
    bounding_box: list[float] | None = None,
) -> gpd.GeoDataFrame:
    """Read an OpenStreetMap .osm.pbf with pyrosm and build segments from its street network."""
    path = Path(pbf_path)
    if not path.exists():
        raise ValidationError(f"{path}: file not found (expected an OpenStreetMap .osm.pbf)")
    try:
        import pyrosm
    except ImportError as exc:  # pragma: no cover - pyrosm is a core dependency
        raise ValidationError("reading .osm.pbf needs pyrosm: pip install pyrosm") from exc
    try:
        osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
        ways = osm.get_network(network_type=network_type)
    except Exception as exc:
        raise ValidationError(
            f"{path}: could not read the street network with pyrosm ({type(exc).__name__}: "
            f"{exc}). Is it a valid .osm.pbf? network_type must be one of 'all', 'driving', "
            "'walking', 'cycling', 'driving+service'."
        ) from exc
    if ways is None or len(ways) == 0:
        raise ValidationError(f"{path}: no streets of network_type={network_type!r} in the extract")
    ways = ways[["id", "name", "highway", "geometry"]].rename(columns={"id": "osm_id"})
    keep = [c for c in ("osm_id", "highway") if c in ways.columns]
    return build_segments(
        ways, crs=crs, name_column="name", min_length_m=min_length_m, keep_columns=keep,
        source=str(path),
    )


def _piece_fractions(pieces: np.ndarray, piece_src: np.ndarray, sources: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of its source line's length before each piece's start and end (exactly shared
    between consecutive pieces: cumulative lengths of the pieces in order along the line), and
    whether the piece runs against its source line."""
    length = shapely.length(pieces)
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    along = shapely.line_locate_point(sources[piece_src], mid)
    order = np.lexsort((along, piece_src))
    src = piece_src[order]
    cum = np.cumsum(length[order])
    new_line = np.append(True, src[1:] != src[:-1])
    before = np.concatenate([[0.0], cum])[np.searchsorted(src, src, side="left")]
    c_end = cum - before
    c_start = np.where(new_line, 0.0, np.concatenate([[0.0], c_end[:-1]]))
    total = c_end[np.append(np.flatnonzero(new_line)[1:], len(src)) - 1]
    total = np.repeat(total, np.diff(np.append(np.flatnonzero(new_line), len(src))))
    total[total <= 0] = 1.0
    f0 = np.empty(len(pieces))
    f1 = np.empty(len(pieces))
    f0[order] = c_start / total
    f1[order] = np.where(np.append(src[1:] != src[:-1], True), 1.0, c_end / total)
    a = shapely.line_locate_point(sources[piece_src], shapely.get_point(pieces, 0))
    b = shapely.line_locate_point(sources[piece_src], shapely.get_point(pieces, -1))
    against = (b < a) & ~shapely.is_closed(pieces)
    return f0, f1, against


def segment_ids(geometries: np.ndarray) -> np.ndarray:
    """Stable integer ids from each line's coordinates rounded to 1 cm.

    Ids stay below 2**53 so that JavaScript (web maps, GeoJSON readers) keeps them exact.
    """
    coords, idx = shapely.get_coordinates(geometries, return_index=True)
    rounded = np.round(coords, 2).astype(np.float64)
    rounded[rounded == 0] = 0.0  # -0.0 and 0.0 hash alike
    starts = np.searchsorted(idx, np.arange(len(geometries)))
    ends = np.append(starts[1:], len(idx))
    buf = rounded.tobytes()
    width = rounded.itemsize * 2
    out = np.empty(len(geometries), dtype=np.int64)
    for i, (a, b) in enumerate(zip(starts, ends)):
        digest = hashlib.blake2b(buf[a * width : b * width], digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little") & 0x1F_FFFF_FFFF_FFFF  # 53 bits
    return out


def _check_lines(lines: gpd.GeoDataFrame, *, source: str) -> None:
    if not isinstance(lines, gpd.GeoDataFrame):
        raise ValidationError(f"{source}: expected a GeoDataFrame of lines, got {type(lines).__name__}")
    if len(lines) == 0:
        raise ValidationError(f"{source}: the street layer is empty; it needs line features")
    types = lines.geometry.geom_type
    bad = ~types.isin(["LineString", "MultiLineString"]) & lines.geometry.notna()
    problems = []
    if bad.any():
        counts = types[bad].value_counts().to_dict()
        rows = ", ".join(str(r) for r in lines.index[bad][:5])
        problems.append(f"{int(bad.sum())} non-line geometries {counts} (first rows: {rows})")
    nulls = lines.geometry.isna()
    if nulls.all():
        problems.append("every geometry is empty")
    if problems:
        raise ValidationError(
            problems_message(
                f"{source}: the street layer must hold only LineString/MultiLineString features:",
                problems,
                "pass a line layer (streets/centrelines); drop points and polygons first, or take "
                "polygon outlines with .boundary if they really are streets.",
            )
        )


def _name_column(frame: pd.DataFrame, name_column: str | None, *, source: str) -> str | None:
    if name_column is not None:
        if name_column not in frame.columns:
            raise ValidationError(
                f"{source}: street-name column {name_column!r} not found; columns are "
                f"{[c for c in frame.columns if c != frame.geometry.name]}"
            )
        return name_column
    for cand in NAME_CANDIDATES:
        if cand in frame.columns:
            return cand
    return None


def _split_at_shared_vertices(
    parts: np.ndarray, part_src: np.ndarray, min_length_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split each line at interior vertices that are nodes (shared or another line's end)."""
    coords, line = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    n_lines = len(parts)
    first = np.zeros(len(coords), dtype=bool)
    first[np.searchsorted(line, np.arange(n_lines))] = True
    last = np.zeros(len(coords), dtype=bool)
    last[np.searchsorted(line, np.arange(n_lines), side="right") - 1] = True

    key = np.round(coords / _GRID_M).astype(np.int64)
    _, node = np.unique(key, axis=0, return_inverse=True)
    node = node.ravel()
    pairs = np.unique(np.column_stack([node, line]), axis=0)
    lines_per_node = np.bincount(pairs[:, 0], minlength=node.max() + 1)
    is_end_node = np.zeros(node.max() + 1, dtype=bool)
    is_end_node[node[first | last]] = True
    # a vertex visited twice by the same line (a loop) is also a node
    visits = np.bincount(node, minlength=node.max() + 1)
    is_node = (lines_per_node >= 2) | is_end_node | (visits > lines_per_node)
    brk = is_node[node] & ~first & ~last

    brk = _merge_slivers(coords, line, first, brk, min_length_m)
    # duplicate break vertices: end of one piece, start of the next
    rep = np.where(brk, 2, 1)
    c2 = np.repeat(coords, rep, axis=0)
    line2 = np.repeat(line, rep)
    starts_piece = np.repeat(first, rep).copy()
    # the second copy of each break vertex starts a new piece
    second = np.zeros(len(c2), dtype=bool)
    pos = np.cumsum(rep) - 1
    second[pos[brk]] = True
    starts_piece |= second
    piece = np.cumsum(starts_piece) - 1
    pieces = shapely.linestrings(c2, indices=piece)
    piece_line = line2[np.searchsorted(piece, np.arange(piece.max() + 1))]
    return pieces, part_src[piece_line]


def _merge_slivers(
    coords: np.ndarray, line: np.ndarray, first: np.ndarray, brk: np.ndarray, min_length_m: float
) -> np.ndarray:
    """Drop break flags that would leave a piece shorter than min_length_m inside a line."""
    if min_length_m <= 0 or not brk.any():
        return brk
    step = np.zeros(len(coords))
    step[1:] = np.hypot(*(coords[1:] - coords[:-1]).T)
    step[first] = 0.0
    along = np.cumsum(step)
    line_start = along[np.searchsorted(line, line)]  # cumulative distance at each line's start
    along = along - line_start
    brk = brk.copy()
    for _ in range(8):  # each pass removes the breaks around slivers; converges in a few
        idx = np.flatnonzero(brk)
        if len(idx) == 0:
            break
        # piece boundaries per line: line start, breaks, line end
        bounds_idx = np.sort(np.concatenate([idx, np.flatnonzero(first), np.flatnonzero(
            np.append(first[1:], True))]))
        b_line = line[bounds_idx]
        b_along = along[bounds_idx]
        seg_len = np.diff(b_along)
        same_line = b_line[1:] == b_line[:-1]
        short = same_line & (seg_len < min_length_m)
        if not short.any():
            break
        # for each short piece, remove the break at its end if that is a break, else at its start
        end_v = bounds_idx[1:][short]
        start_v = bounds_idx[:-1][short]
        end_is_brk = brk[end_v]
        remove = np.where(end_is_brk, end_v, start_v)
        removable = brk[remove]
        if not removable.any():
            break
        brk[remove[removable]] = False
    return brk


def _split_planar(parts: np.ndarray, part_src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node all lines (split at every crossing) and give each piece the line it came from."""
    noded = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
    tree = shapely.STRtree(parts)
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    pairs = tree.query_nearest(mid, all_matches=False)
    piece_src = np.empty(len(noded), dtype=np.int64)
    piece_src[pairs[0]] = part_src[pairs[1]]
    return noded, piece_src
