"""CSV tables in the pt-BR Excel dialect and plain CSV, and plan.csv written with them."""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots._errors import ValidationError
from hotspots.export.tables import write_table_csv


def table():
    return pd.DataFrame({
        "rua": ["Rua Félix da Cunha", "=HYPERLINK(\"x\")", "Av. Bento; Gonçalves", None],
        "custo": [12400.0, 0.5, np.nan, -3.25],
        "n": pd.array([1, 2, None, 4], dtype="Int64"),
        "ok": [True, False, True, False],
        "quando": pd.to_datetime(["2026-11-20 23:00"] * 4).tz_localize("America/Sao_Paulo"),
    }, index=pd.Index(["a", "b", "c", "d"], name="id"))


def test_pt_br_excel_dialect(tmp_path):
    path = write_table_csv(table(), tmp_path / "t.csv", language="pt-BR", decimals={"custo": 2})
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads the accents
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "id;rua;custo;n;ok;quando"
    assert lines[1] == "a;Rua Félix da Cunha;12400,00;1;sim;2026-11-20T23:00:00-03:00"
    # a formula-looking text gets an apostrophe (quotes doubled by the CSV rules)
    assert lines[2] == "b;\"'=HYPERLINK(\"\"x\"\")\";0,50;2;não;2026-11-20T23:00:00-03:00"
    assert lines[3].startswith('c;"Av. Bento; Gonçalves";;;sim')
    assert lines[4].startswith("d;;-3,25;4;não")
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["custo"].tolist()[:2] == [12400.0, 0.5]
    assert back["rua"][2] == "Av. Bento; Gonçalves"
    assert not list(tmp_path.glob(".t.csv.*"))  # the temporary file is gone


def test_english_plain_csv_with_headers_and_no_geometry(tmp_path):
    frame = gpd.GeoDataFrame(table(), geometry=[shapely.Point(0, 0)] * 4, crs=4326)
    path = write_table_csv(frame, tmp_path / "t.csv", language="en",
                           headers={"rua": "street", "custo": "cost"}, decimals=1)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == ["id", "street", "cost", "n", "ok", "quando"]
    assert rows[1][:5] == ["a", "Rua Félix da Cunha", "12400.0", "1", "true"]
    assert rows[3][1] == "Av. Bento; Gonçalves"
    assert "geometry" not in rows[0]


def test_unknown_language_is_an_error(tmp_path):
    with pytest.raises(ValidationError, match="language='fr'"):
        write_table_csv(table(), tmp_path / "t.csv", language="fr")


def test_plan_csv_in_both_languages(tmp_path):
    from test_planning import toy_plan

    from hotspots.planning.table import CSV_COLUMNS, HEADERS_PT, write_plan_csv

    p = toy_plan(budget_brl=6_000)
    pt = write_plan_csv(p, tmp_path / "plan.csv", language="pt")
    back = pd.read_csv(pt, sep=";", decimal=",", encoding="utf-8-sig", dtype={"projeto": str})
    assert list(back.columns) == [HEADERS_PT[c] for c in CSV_COLUMNS]
    assert back["projeto"].tolist() == p.projects.index.tolist()
    assert back["financiado"].tolist() == ["sim" if f else "não" for f in p.projects["funded"]]
    assert back["custo_R$"].tolist() == p.projects["cost"].tolist()
    assert set(back["tipo"]) == {"conserto", "novas luminárias"}
    assert back["motivo"].iloc[0].startswith("financiado: conserto de 1 lâmpada por R$ 350")
    assert back["período_de_evidência"].iloc[0] == (
        "nas últimas 52 semanas (2025-11-30 a 2026-11-28)")
    assert back["latitude"].between(-32, -31).all()
    en = write_plan_csv(p, tmp_path / "plan_en.csv", language="en")
    back = pd.read_csv(en)
    assert {"project_id", "kind", "cost", "value", "funded", "reason", "location"} <= set(
        back.columns)
    assert set(back["kind"]) == {"repair", "new_lights"}
    assert back["reason"].iloc[0].startswith("funded: repair of 1 lamp for R$ 350")


def test_csv_text_matches_the_csv_module_on_awkward_cells():
    """The column-wise CSV text is what csv.writer(QUOTE_MINIMAL, CRLF) writes."""
    import csv
    import io
    import random

    from hotspots.export.tables import _csv_text

    rnd = random.Random(7)
    alphabet = list('ab ;,"\r\n\t\'=é')
    for _ in range(500):
        ncol, nrow = rnd.randint(1, 4), rnd.randint(0, 5)
        delimiter = rnd.choice([",", ";"])

        def cell():
            return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 4)))

        names = [cell() for _ in range(ncol)]
        columns = [[cell() for _ in range(nrow)] for _ in range(ncol)]
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(names)
        writer.writerows(zip(*columns))
        assert _csv_text(names, columns, delimiter) == buf.getvalue()
