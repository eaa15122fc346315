"""Degraded addresses (typos, no accents, abbreviations, lower case) still find their segment."""

import numpy as np
import pandas as pd

from hotspots.address.geocoder import AddressGeocoder
from hotspots.address.normalize import strip_accents
from tests.test_address_fixtures import EW, NS, grid_segments, segment_of

ABBREV = {"Rua ": "R. ", "Avenida ": "Av. ", "General ": "Gal. ", "Marechal ": "Mal. ",
          "Doutor ": "Dr. ", "Professor ": "Prof. ", "Almirante ": "Alm. ", "Senador ": "Sen. ",
          "Barão ": "Br. "}


def degrade(name: str, rng: np.random.Generator) -> str:
    """One seeded mix of the usual ways a clerk writes a street name."""
    out = name
    if rng.random() < 0.5:
        out = strip_accents(out)
    if rng.random() < 0.5:
        for full, short in ABBREV.items():
            out = out.replace(full, short)
    if rng.random() < 0.2:
        out = out.replace("Rua ", "").replace("R. ", "")
    if rng.random() < 0.5:  # one typo in the longest word: swap, drop or replace a letter
        words = out.split(" ")
        w = int(np.argmax([len(x) for x in words]))
        word = words[w]
        i = int(rng.integers(1, len(word) - 1))
        kind = rng.integers(3)
        if kind == 0:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif kind == 1:
            word = word[:i] + word[i + 1:]
        else:
            word = word[:i] + "aeiou"[int(rng.integers(5))] + word[i + 1:]
        words[w] = word
        out = " ".join(words)
    case = rng.random()
    return out.lower() if case < 0.33 else out.upper() if case < 0.5 else out


def test_degraded_addresses_find_the_right_segment():
    seg = grid_segments(12, 12)
    rng = np.random.default_rng(20260831)
    records = []
    for name, blocks in [(n, 11) for n in NS] + [(n, 11) for n in EW]:
        for _ in range(25):
            k = int(rng.integers(blocks))
            number = 100 * k + int(rng.integers(0, 99))
            sep = [", ", " ", ", nº "][int(rng.integers(3))]
            records.append((degrade(name, rng) + sep + str(number), segment_of(seg, name, k)))
    frame = pd.DataFrame({"incident_id": range(len(records)), "source_row": range(len(records)),
                          "address": [r[0] for r in records]})
    truth = np.array([r[1] for r in records])
    out, rej = AddressGeocoder()(frame, seg)
    assert len(out) + len(rej) == len(frame)
    got = np.full(len(frame), -1, dtype=np.int64)
    got[out["source_row"].to_numpy()] = out["segment_id"].to_numpy()
    rate = float((got == truth).mean())
    wrong = int(((got != truth) & (got >= 0)).sum())
    print(f"\ndegradation: {rate:.1%} correct segments of {len(frame)} "
          f"({len(rej)} rejected, {wrong} on a wrong segment)")
    assert rate >= 0.95
    assert wrong <= 0.01 * len(frame)  # a wrong placement is worse than a reject
