"""The state config: typed tables, every problem at once, city configs built from defaults,
the municipality's own keys and its overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.config import ConfigError, config_from_dict
from hotspots.state.config import (
    city_toml,
    load_state_config,
    postgis_code_query,
    state_config_from_dict,
)

REPO = Path(__file__).resolve().parents[1]


def _base(**extra) -> dict:
    data = {
        "title": "SSP",
        "state": {"output_root": "out", "boundaries": "mun.geojson"},
        "incidents": {"source": "file", "path": "ocorrencias.csv", "code_column": "cod_ibge"},
        "defaults": {"columns": {"time": "data_hora"}, "statistics": {"permutations": 99}},
        "municipalities": [
            {"code": "4314407", "name": "Pelotas", "streets": "ruas/pel.gpkg",
             "statistics": {"permutations": 499}, "timezone": "America/Sao_Paulo"},
            {"code": "4314902", "name": "Porto Alegre", "streets": "ruas/poa.gpkg",
             "boundary": "poa.geojson"},
        ],
    }
    data.update(extra)
    return data


def test_city_configs_take_defaults_own_keys_and_overrides(tmp_path):
    config = state_config_from_dict(_base(), base=tmp_path, source="state.toml")
    pel, poa = config.municipalities
    a = config.city_config(pel, incidents="/x/pel.csv", boundary="/x/pel.geojson")
    b = config.city_config(poa, incidents="/x/poa.csv")
    assert a.statistics.permutations == 499 and b.statistics.permutations == 99
    assert a.columns.time == b.columns.time == "data_hora"
    assert a.inputs.streets == str(tmp_path / "ruas" / "pel.gpkg")
    assert a.inputs.boundary == "/x/pel.geojson" and b.inputs.boundary == str(tmp_path /
                                                                             "poa.geojson")
    assert a.weekly.output_root == str(tmp_path / "out" / "4314407")
    assert a.title == "SSP — Pelotas"
    assert config.state.output_root == str(tmp_path / "out")
    assert config.incidents.path == str(tmp_path / "ocorrencias.csv")
    # the TOML written for a city reads back to the same config
    path = tmp_path / "city.toml"
    path.write_text(city_toml(config.city_dict(pel, incidents="/x/pel.csv")), encoding="utf-8")
    from hotspots.config import load_config

    back = load_config(path)
    same = config_from_dict(config.city_dict(pel, incidents="/x/pel.csv"), source=str(path))
    assert back.to_dict() == same.to_dict()


def test_every_problem_of_every_table_and_municipality_is_reported_at_once(tmp_path):
    data = _base()
    data["cluster"] = {"workers": 0, "scheduler": "localhost:8786", "memory_limit": "lots"}
    data["incidents"]["filter"] = "nearest"
    data["municipalities"][0]["code"] = 4314407  # a number, not a text
    data["municipalities"][1]["statistics"] = {"permutations": -1}
    data["municipalities"].append({"code": "431", "name": "X", "streets": "x.gpkg"})
    data["statistics"] = {"k": 3}
    with pytest.raises(ConfigError) as err:
        state_config_from_dict(data, base=tmp_path, source="state.toml")
    text = str(err.value)
    for expected in ("cluster.workers: expected a number ≥ 1, got 0",
                     "cluster.scheduler: expected a dask scheduler address",
                     "cluster.memory_limit: expected \"auto\" or a size",
                     "incidents.filter: expected one of \"code_column\", \"boundary\"",
                     "municipalities[0] (Pelotas).code: expected a text in quotes, got 4314407",
                     "municipalities[2] (X).code: expected a 7-digit IBGE municipality code",
                     "statistics: unknown; city settings go in [defaults.statistics]"):
        assert expected in text, expected
    # a bad override is named with its municipality (the cross-check runs once the tables
    # are valid)
    data = _base()
    data["municipalities"][1]["statistics"] = {"permutations": -1, "kk": 1}
    with pytest.raises(ConfigError) as err:
        state_config_from_dict(data, base=tmp_path, source="state.toml")
    assert "municipalities[1] (Porto Alegre): statistics.permutations: expected a number " \
        "≥ 0, got -1" in str(err.value)
    assert "statistics.kk: unknown setting; did you mean 'k'?" in str(err.value)


def test_rules_across_tables(tmp_path):
    data = _base()
    data["incidents"] = {"source": "file", "filter": "code_column"}
    data["municipalities"][0]["incidents"] = "pel.csv"
    with pytest.raises(ConfigError) as err:
        state_config_from_dict(data, base=tmp_path)
    text = str(err.value)
    assert "incidents.path: required with source = \"file\"" in text
    assert "incidents.code_column: required with filter = \"code_column\"" in text
    assert "municipalities[0] (Pelotas).incidents: the incidents come from the state-wide file" \
        in text
    data = _base(incidents={"source": "per_city"})
    with pytest.raises(ConfigError, match=r"municipalities\[0\] \(Pelotas\).incidents: required"):
        state_config_from_dict(data, base=tmp_path)
    data = _base()
    data["municipalities"][1]["code"] = "4314407"
    with pytest.raises(ConfigError, match=r"code: 4314407 repeats municipalities\[0\]"):
        state_config_from_dict(data, base=tmp_path)
    data = _base(municipalities=[])
    with pytest.raises(ConfigError, match="one \\[\\[municipalities\\]\\] table"):
        state_config_from_dict(data, base=tmp_path)


def test_postgis_source_reads_each_city_by_code_in_the_database(tmp_path):
    data = _base(incidents={"source": "postgis", "table": "public.ocorrencias",
                            "code_column": "cod_ibge"})
    data["defaults"]["postgis"] = {"dsn_env": "PG_DSN"}
    config = state_config_from_dict(data, base=tmp_path)
    pel = config.municipalities[0]
    city = config.city_config(pel)
    assert city.postgis.incidents_query == postgis_code_query(config, pel) == (
        "SELECT * FROM \"public\".\"ocorrencias\" WHERE trim(\"cod_ibge\"::text) IN "
        "('4314407', '431440')")
    assert city.inputs.incidents is None and city.incidents_from_postgis
    bad = _base(incidents={"source": "postgis", "table": "ocorrencias; drop table x",
                           "code_column": "c"})
    with pytest.raises(ConfigError, match=r"incidents\.table: expected a table name"):
        state_config_from_dict(bad, base=tmp_path)


def test_a_config_file_is_read_and_its_errors_name_the_file(tmp_path):
    path = tmp_path / "state.toml"
    path.write_text('title = "RS"\n[state]\nlanguage = "es"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_state_config(path)
    assert str(err.value).startswith(f"{path}: 2 problems")
    assert "state.language: expected one of \"en\", \"pt\", got \"es\"" in str(err.value)
    path.write_text("[state\n", encoding="utf-8")
    with pytest.raises(Exception, match="not valid TOML"):
        load_state_config(path)
    with pytest.raises(Exception, match="state config file not found"):
        load_state_config(Path(tmp_path / "missing.toml"))


def test_the_example_state_config_is_valid():
    repo = Path(__file__).resolve().parents[1]
    config = load_state_config(repo / "examples" / "state_rs.toml")
    poa, pel = config.municipalities
    assert (poa.name, pel.code) == ("Porto Alegre", "4314407")
    assert Path(config.state.boundaries).is_file()
    city = config.city_config(poa, incidents="/x.csv", boundary="/b.geojson")
    assert city.statistics.permutations == 499 and city.inputs.delimiter == ";"
    assert config.city_config(pel, incidents="/x.csv").parameters.language == "pt"


def test_the_sample_state_command_writes_a_state_that_loads(tmp_path, capsys):
    from hotspots.state.synthetic import main as sample

    assert sample([str(tmp_path), "--codes", "4300109", "4300208", "4314407", "--segments",
                   "600", "--incidents", "6000"]) == 0
    assert f"hotspots state --config {tmp_path / 'state.toml'}" in capsys.readouterr().out
    config = load_state_config(tmp_path / "state.toml")
    assert [m.code for m in config.municipalities] == ["4300109", "4300208", "4314407"]
    assert config.incidents.source == "file" and Path(config.incidents.path).is_file()
    for m in config.municipalities:
        assert Path(m.settings.streets).is_file()


def test_a_rate_spread_varies_incidents_apart_from_size_and_keeps_the_total(tmp_path):
    import numpy as np

    from hotspots.state.synthetic import synthetic_state

    boundaries = REPO / "data" / "boundaries" / "rs_municipios_ibge.geojson"
    codes = ["4300109", "4300208", "4300307", "4300406", "4300505", "4300604", "4314407"]
    even = synthetic_state(tmp_path / "a", boundaries=boundaries, codes=codes,
                           segments_total=3000, incidents_per_year=52_000, weeks=1,
                           min_segments=60).sizes
    spread = synthetic_state(tmp_path / "b", boundaries=boundaries, codes=codes,
                             segments_total=3000, incidents_per_year=52_000, weeks=1,
                             min_segments=60, rate_spread=0.8).sizes
    assert (spread["segments"] == even["segments"]).all()
    rate_even = even["incidents"] / even["segments"]
    assert np.ptp(rate_even) < 0.02  # the same rate everywhere (up to rounding)
    assert np.ptp(spread["incidents"] / spread["segments"]) > 0.3
    assert abs(spread["incidents"].sum() - even["incidents"].sum()) <= len(codes)


def test_cities_are_submitted_largest_first(tmp_path):
    from hotspots.state.runner import largest_first
    from hotspots.state.tasks import CityTask

    def task(code: str, streets: int, incidents: int | None) -> CityTask:
        (tmp_path / f"{code}.gpkg").write_bytes(b"x" * streets)
        inputs = {"streets": str(tmp_path / f"{code}.gpkg")}
        if incidents is not None:
            (tmp_path / f"{code}.csv").write_bytes(b"y" * incidents)
            inputs["incidents"] = str(tmp_path / f"{code}.csv")
        return CityTask(code=code, name=code, config={"inputs": inputs}, source="t",
                        week="2026-W47", now="2026-12-01T09:00:00-03:00")

    tasks = [task("4300001", 10, 5), task("4300002", 50, None), task("4300003", 10, 5),
             task("4300004", 20, 100)]
    split = tmp_path / "split.csv"
    split.write_bytes(b"z" * 1000)  # the prepare step's file of 4300003 replaces its own
    order = [t.code for t in largest_first(tasks, {"4300003": {"incidents": str(split)}})]
    assert order == ["4300003", "4300004", "4300002", "4300001"]
