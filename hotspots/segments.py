"""Street segments: a line layer (or an OSM extract) cut at intersections, with stable ids."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import crs as crs_mod
from hotspots._errors import ValidationError, problems_message
from hotspots.blockfaces import (
    UNITS,
    SegmentSettings,
    consolidate_nodes,
    junction_segments,
    merge_pieces,
    node_degrees,
    segment_ids,
)
from hotspots.noding import split_at_shared_vertices, split_planar
from hotspots.numbering import LEFT_RIGHT, carried_range_columns, divide_piece_ranges

__all__ = [
    "NAME_CANDIDATES",
    "RANGE_COLUMNS",
    "STREET_REJECT_REASONS",
    "StreetRejectsWarning",
    "StreetSegments",
    "build_segments",
    "build_street_segments",
    "segment_ids",
    "segments_from_osm",
    "street_segments_from_osm",
]

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
    unit: str = "block_face",
    merge_across_name_change: bool = False,
    range_columns: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Street segments of a line layer, indexed by a stable ``segment_id`` (a GeoDataFrame).

    ``unit="block_face"`` (default): segments from intersection to intersection, the pieces
    merged across nodes where the street simply continues (:mod:`hotspots.blockfaces`);
    ``unit="piece"``: the pieces of :func:`_build_pieces` themselves. This is
    ``build_street_segments(...).segments``; use :func:`build_street_segments` for the pieces,
    the mapping piece → segment and the street rejects. Features that are not lines (or are
    null/empty) are left out with a :class:`StreetRejectsWarning` carrying the rejects table.

    Parameters
    ----------
    lines : GeoDataFrame
        The street layer (LineString/MultiLineString features) with a CRS.
    crs : optional
        The analysis CRS (metric); None chooses one (:mod:`hotspots.crs`).
    name_column : str, optional
        Column with the street name (detected when None: ``name``, ``nome``, ``logradouro``…).
    split : {'vertices', 'planar'}
        Split lines where they share a vertex (OSM topology) or at every crossing.
    min_length_m : float
        Pieces shorter than this many metres inside a longer line are merged into their
        neighbour (zero-length pieces are dropped).
    keep_columns : sequence of str
        Columns of ``lines`` carried into the segments (e.g. bairro, CEP).
    source : str
        Name of the layer in messages.
    unit : {'block_face', 'piece'}
        Segments from intersection to intersection, or the raw pieces.
    merge_across_name_change : bool
        Merge across a degree-2 node where the street name changes.
    range_columns : dict, optional
        House-number range columns (role → column) merged per side.

    Returns
    -------
    GeoDataFrame
        Indexed by ``segment_id``, with ``name``, ``length_m`` (metres), ``geometry`` in the
        analysis CRS and the kept columns.
    """
    settings = SegmentSettings(unit=unit, merge_across_name_change=merge_across_name_change,
                               min_segment_length_m=min_length_m)
    built = build_street_segments(lines, settings=settings, crs=crs, name_column=name_column,
                                  split=split, keep_columns=keep_columns, source=source,
                                  range_columns=range_columns)
    if len(built.street_rejects):
        warnings.warn(StreetRejectsWarning(built), stacklevel=2)
    return built.segments


#: why a street feature was left out, per language (codes are the ``reason`` column)
STREET_REJECT_REASONS = {
    "en": {
        "not_a_line": "not a line (only LineString/MultiLineString features are streets)",
        "null_geometry": "no geometry",
        "empty_geometry": "empty geometry",
        "zero_length": "shorter than 1 mm after projection",
        "duplicate_line": "the same line as another feature (counted once)",
    },
    "pt-BR": {
        "not_a_line": "não é uma linha (só feições LineString/MultiLineString são ruas)",
        "null_geometry": "sem geometria",
        "empty_geometry": "geometria vazia",
        "zero_length": "menor que 1 mm após a projeção",
        "duplicate_line": "a mesma linha de outra feição (contada uma vez)",
    },
}
STREET_REJECT_COLUMNS = ("source_index", "reason", "detail", "geometry_type")


@dataclass(frozen=True)
class StreetSegments:
    """The unit of analysis built from a street layer, with its pieces and what was left out.

    ``segments``: GeoDataFrame indexed by ``segment_id`` (geometry, ``length_m``,
    ``street_name``, ``source_index``, ``n_pieces``, carried columns). ``pieces``: the raw
    pieces indexed by ``piece_id`` (same id scheme) with the columns of the piece build plus
    ``segment_id``, ``order``, ``reversed``, ``offset_m`` (the mapping piece → segment; for
    ``unit="piece"`` every piece is its own segment) and ``consolidated_away`` (a link inside a
    junction dropped by ``consolidate_m``: mapped to the junction's longest segment,
    ``order`` −1, ``offset_m`` NaN). ``street_rejects``: one row per input
    feature left out (index: the feature's label; ``source_index``, ``reason`` (a key of
    :data:`STREET_REJECT_REASONS`), ``detail``, ``geometry_type``). ``counts``: features read,
    used, rejected per reason, pieces, segments, degree-2 nodes left between segments
    (name changes and closed loops).
    """

    segments: gpd.GeoDataFrame
    pieces: gpd.GeoDataFrame
    unit: str
    street_rejects: pd.DataFrame
    counts: dict = field(default_factory=dict)
    merge_across_name_change: bool = False
    #: the analysis CRS and why (``crs_choice.note("pt-BR")`` says it, e.g. Web Mercator refused)
    crs_choice: crs_mod.CRSChoice | None = None

    def segment_position(self, piece_id, position_m) -> np.ndarray:
        """Distance along its segment of a point ``position_m`` along piece ``piece_id``."""
        rows = self.pieces.loc[np.asarray(piece_id)]
        pos = np.asarray(position_m, dtype=float)
        along = np.where(rows["reversed"].to_numpy(), rows["length_m"].to_numpy() - pos, pos)
        return rows["offset_m"].to_numpy() + along


class StreetRejectsWarning(UserWarning):
    """Some street features were left out; ``.street_rejects`` lists them with the reason."""

    def __init__(self, built: StreetSegments):
        rej = built.street_rejects
        counts = rej["reason"].value_counts().to_dict()
        super().__init__(
            f"{len(rej)} street features left out ({counts}; first labels "
            f"{rej.index[:5].tolist()}); the others were used. See street_rejects."
        )
        self.street_rejects = rej


def build_street_segments(
    lines: gpd.GeoDataFrame,
    *,
    settings: SegmentSettings | None = None,
    crs: object = None,
    name_column: str | None = None,
    split: str = "vertices",
    keep_columns: tuple[str, ...] | list[str] = (),
    source: str = "street layer",
    range_columns: dict[str, str] | None = None,
) -> StreetSegments:
    """Street segments in the unit of ``settings`` (block faces by default), pieces, rejects.

    Parameters
    ----------
    lines : GeoDataFrame
        The street layer (any CRS with units; reprojected to the analysis CRS).
    settings : SegmentSettings, optional
        ``unit`` ('block_face' | 'piece'), ``merge_across_name_change``,
        ``min_segment_length_m`` (the sliver rule of the piece build, metres).
    crs, name_column, split, keep_columns, source
        As :func:`build_segments`.
    range_columns : dict, optional
        House-number range role → column (``odd_from``… or ``from_left``…); without it, ranges
        are found among the carried columns by their usual names
        (:func:`hotspots.numbering.find_range_columns`). Ranges are divided in proportion to
        length when a line is split and merged per side (min/max) when pieces are joined.

    Returns
    -------
    StreetSegments
        Features that are not LineString/MultiLineString, null or empty geometries, lines
        shorter than 1 mm and exact duplicates are in ``street_rejects`` with their reason and
        counted in ``counts``; the run goes on with the others. A layer with no usable line
        is a ValidationError.
    """
    settings = SegmentSettings() if settings is None else settings
    if settings.unit not in UNITS:
        raise ValidationError(f"unit={settings.unit!r}: use one of {list(UNITS)}")
    if not isinstance(lines, gpd.GeoDataFrame):
        raise ValidationError(f"{source}: expected a GeoDataFrame of lines, got {type(lines).__name__}")
    if len(lines) == 0:
        raise ValidationError(f"{source}: the street layer is empty; it needs line features")
    geoms = np.asarray(lines.geometry.values)
    type_id = shapely.get_type_id(geoms)  # -1 missing, 1 LineString, 5 MultiLineString
    null = type_id < 0
    empty = ~null & shapely.is_empty(geoms)
    not_line = ~null & ~empty & ~np.isin(type_id, [1, 5])
    usable = ~(null | empty | not_line)
    types = np.full(len(lines), "LineString", dtype=object)
    odd = ~np.isin(type_id, [1])
    types[odd] = np.asarray(lines.geometry[odd].geom_type.fillna("None"), dtype=object)
    parts = [_street_rejects(lines, null, "null_geometry", "the feature has no geometry", types),
             _street_rejects(lines, empty, "empty_geometry", "the geometry is empty", types),
             _street_rejects(lines, not_line, "not_a_line",
                             np.asarray(["a " + str(t) + " is not a street line (a polygon's "
                                         "outline can be taken with .boundary if it really is "
                                         "a street)" for t in types[not_line]], dtype=object),
                             types)]
    if not usable.any():
        kinds = pd.Series(types[~usable]).value_counts().to_dict()
        raise ValidationError(
            f"{source}: no street feature is a usable line ({int((~usable).sum())} features: "
            f"{kinds}). Pass a line layer (streets/centrelines)."
        )
    used = lines[usable]
    choice = crs_mod.analysis_crs_choice(used, crs)
    pieces = _build_pieces(used, crs=choice.crs, name_column=name_column, split=split,
                           min_length_m=settings.min_segment_length_m,
                           keep_columns=keep_columns, source=source,
                           range_columns=range_columns)
    range_spec = carried_range_columns(used.columns, keep_columns, range_columns)
    lost = ~used.index.isin(pieces["source_index"].unique())
    if lost.any():
        lost_len = used[lost].to_crs(pieces.crs).geometry.length.to_numpy()
        tiny = np.zeros(len(used), dtype=bool)
        tiny[np.flatnonzero(lost)] = lost_len <= 1e-3
        ltypes = types[usable]
        parts.append(_street_rejects(used, tiny, "zero_length", "the line is shorter than 1 mm",
                                     ltypes))
        parts.append(_street_rejects(used, lost & ~tiny, "duplicate_line",
                                     "another feature has exactly this line", ltypes))
    rejects = pd.concat(parts) if parts else _street_rejects(lines, np.zeros(len(lines), bool),
                                                             "null_geometry", "", types)
    carry = [c for c in pieces.columns if c not in ("geometry", "length_m", "street_name")]
    work, cons = pieces, None
    if settings.consolidate_m > 0:
        cons = consolidate_nodes(pieces, tolerance_m=settings.consolidate_m)
        work = cons.pieces
    if settings.unit == "piece":
        segments = work.copy()
        segments["n_pieces"] = np.int64(1)
        mapping = pd.DataFrame({"segment_id": work.index.to_numpy(), "order": np.int64(0),
                                "reversed": False, "offset_m": 0.0}, index=work.index)
    else:
        merged = merge_pieces(work, merge_across_name_change=settings.merge_across_name_change,
                              carry=carry, range_spec=range_spec)
        segments = merged.segments
        mapping = merged.piece_segment.drop(columns="length_m")
    if cons is not None and len(cons.dropped):
        # links inside a junction count on the junction's longest segment
        at = junction_segments(segments, cons.dropped[["x", "y"]].to_numpy())
        mapping = pd.concat([mapping, pd.DataFrame(
            {"segment_id": at, "order": np.int64(-1), "reversed": False, "offset_m": np.nan},
            index=cons.dropped.index)])
    piece_frame = pieces.join(mapping)
    piece_frame["consolidated_away"] = piece_frame["order"] < 0
    piece_frame.index = piece_frame.index.rename("piece_id")
    degree = node_degrees(np.asarray(segments.geometry.values))[2]
    counts = {
        "features": len(lines),
        "features_used": int(usable.sum() - lost.sum()),
        **{f"rejected_{k}": int((rejects["reason"] == k).sum())
           for k in STREET_REJECT_REASONS["en"]},
        "pieces": len(pieces),
        "consolidated_junctions": 0 if cons is None else cons.n_junctions,
        "links_dropped": 0 if cons is None else len(cons.dropped),
        "links_dropped_m": 0.0 if cons is None else round(cons.dropped_length_m, 3),
        "segments": len(segments),
        "degree2_nodes": int((degree == 2).sum()),
    }
    return StreetSegments(segments=segments, pieces=piece_frame, unit=settings.unit,
                          street_rejects=rejects, counts=counts,
                          merge_across_name_change=settings.merge_across_name_change,
                          crs_choice=choice)


def _street_rejects(frame, mask, reason: str, detail, types) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    if isinstance(detail, np.ndarray) and len(detail) == len(mask) != int(mask.sum()):
        detail = detail[mask]
    return pd.DataFrame(
        {"source_index": frame.index[mask], "reason": reason, "detail": detail,
         "geometry_type": np.asarray(types)[mask]},
        index=frame.index[mask],
        columns=list(STREET_REJECT_COLUMNS),
    )


def _build_pieces(
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
    """Split street lines at intersections into pieces indexed by a stable ``segment_id``.

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
    range_spec = carried_range_columns(projected.columns, keep_columns, range_columns)
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
        pieces, piece_src = split_planar(parts, part_src)
    else:
        pieces, piece_src = split_at_shared_vertices(parts, part_src, min_length_m)

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
        divided = divide_piece_ranges(out[range_spec.names], range_spec, pieces, piece_src,
                                      projected.geometry.to_numpy())
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
    unit: str = "block_face",
    merge_across_name_change: bool = False,
) -> gpd.GeoDataFrame:
    """Segments (block faces by default) of an OpenStreetMap .osm.pbf's street network.

    ``street_segments_from_osm(...).segments``; see :func:`street_segments_from_osm`.
    """
    settings = SegmentSettings(unit=unit, merge_across_name_change=merge_across_name_change,
                               min_segment_length_m=min_length_m)
    built = street_segments_from_osm(pbf_path, settings=settings, network_type=network_type,
                                     crs=crs, bounding_box=bounding_box)
    if len(built.street_rejects):
        warnings.warn(StreetRejectsWarning(built), stacklevel=2)
    return built.segments


def street_segments_from_osm(
    pbf_path: str | Path,
    *,
    settings: SegmentSettings | None = None,
    network_type: str = "all",
    crs: object = None,
    bounding_box: list[float] | None = None,
) -> StreetSegments:
    """Read an OpenStreetMap .osm.pbf with pyrosm and build :class:`StreetSegments` from it.

    Ways keep ``osm_id`` and ``highway`` (a merged segment carries those of its longest piece).
    """
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
    return build_street_segments(
        ways, settings=settings, crs=crs, name_column="name", keep_columns=keep,
        source=str(path),
    )


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
