"""The typed, sectioned run configuration: types checked, every problem at once, template generated."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hotspots.config import (
    SECTIONS,
    ConfigError,
    InputSettings,
    RunConfig,
    config_from_dict,
    example_config_text,
    load_config,
    sample_config,
)

REPO = Path(__file__).resolve().parents[1]
BASE = {"inputs": {"incidents": "i.csv", "streets": "s.gpkg"}}


def _problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    return info.value.problems


def _with(section: str, **values) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    data.setdefault(section, {}).update(values)
    return data


@pytest.mark.parametrize(("section", "key", "value", "expected"), [
    ("outputs", "include_incident_points", "false", "expected true or false, got \"false\""),
    ("statistics", "fdr", "false", "expected true or false, got \"false\""),
    ("geocoding", "max_distance_m", "fifty", "expected a number, got \"fifty\""),
    ("weekly", "weeks_history", "8", "expected a whole number, got \"8\""),
    ("parameters", "seed", "abc", "expected a whole number, got \"abc\""),
    ("weekly", "weeks_history", 8.5, "expected a whole number, got 8.5"),
    ("geocoding", "max_distance_m", -5, "expected a number > 0, got -5"),
    ("statistics", "weights", "queen", "expected one of \"contiguity\", \"distance_band\", "
                                       "\"knn\", got \"queen\""),
    ("parameters", "timezone", "Pelotas", "expected an IANA time zone"),
    ("parameters", "language", "es", "expected one of \"en\", \"pt\""),
    ("overlays", "shift_windows", ["06-14", "25-02"], "shift windows written"),
    ("outputs", "privacy_k", 0, "expected a number ≥ 1, got 0"),
    ("inputs", "incidents", 5, "expected a text in quotes, got 5"),
    ("disclosure", "min_length_m", "40 m", "expected a number, got \"40 m\""),
    ("disclosure", "kde_min_radius_m", 0, "expected a number > 0, got 0"),
])
def test_each_bad_value_is_named_with_what_was_expected(section, key, value, expected):
    problems = _problems(_with(section, **{key: value}))
    assert len(problems) == 1
    assert problems[0].startswith(f"{section}.{key}: ")
    assert expected in problems[0]


def test_every_problem_is_reported_at_once():
    data = _with("outputs", include_incident_points="false")
    data["statistics"] = {"fdr": "false", "permutatons": 99}
    data["weekly"] = {"weeks_history": "8"}
    data["parametros"] = {"seed": 1}
    data["parameters"] = {"seed": "abc", "max_distance_m": 30}
    problems = _problems(data)
    assert len(problems) == 7, problems
    text = "\n".join(problems)
    assert "outputs.include_incident_points: expected true or false" in text
    assert "statistics.fdr: expected true or false" in text
    assert "statistics.permutatons: unknown setting; did you mean 'permutations'?" in text
    assert "weekly.weeks_history: expected a whole number" in text
    assert "[parametros]: unknown table; did you mean [parameters]?" in text
    assert "parameters.seed: expected a whole number" in text
    assert "parameters.max_distance_m: unknown in [parameters]; it belongs in [geocoding]" in text


def test_a_key_in_the_wrong_table_says_where_it_belongs():
    problems = _problems(_with("parameters", max_distance_m=30.0, weeks_history=4))
    assert "parameters.max_distance_m: unknown in [parameters]; it belongs in [geocoding]" \
        in problems
    assert "parameters.weeks_history: unknown in [parameters]; it belongs in [weekly]" \
        in problems


def test_renamed_and_top_level_keys_are_explained():
    problems = _problems({**_with("statistics", gi_permutations=99), "fdr": True, "foo": 1})
    assert "statistics.gi_permutations: renamed; write it as permutations in [statistics]" \
        in problems
    assert "fdr: belongs in [statistics] or [emerging], not at the top of the file" in problems
    assert any(p.startswith("foo: unknown top-level setting") for p in problems)


def test_a_misspelt_key_gets_the_nearest_name_not_a_list_of_all():
    (problem,) = _problems(_with("weekly", weeks_histroy=3))
    assert problem == "weekly.weeks_histroy: unknown setting; did you mean 'weeks_history'?"


def test_rules_across_settings():
    problems = _problems({"inputs": {"incidents": "i.csv"},
                          "columns": {"lat": "latitude", "x": "cx", "y": "cy"},
                          "statistics": {"bin_p": "permutation", "permutations": 0},
                          "postgis": {"write_schema": "out"}})
    text = "\n".join(problems)
    for key in ("inputs.streets", "columns.lat / columns.lon", "inputs.coords_crs",
                "statistics.bin_p", "postgis.dsn_env"):
        assert key in text, key


def test_types_are_kept_exact_and_paths_resolved(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text('title = "T"\n[inputs]\nincidents = "d/i.csv"\nstreets = "/abs/s.gpkg"\n'
                    '[statistics]\npermutations = 499\nfdr = false\ndistance_m = 250\n'
                    '[overlays]\nshift_windows = ["22-06"]\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.inputs.incidents == str(tmp_path / "d" / "i.csv")
    assert cfg.inputs.streets == "/abs/s.gpkg"
    assert cfg.statistics.permutations == 499 and cfg.statistics.fdr is False
    assert cfg.statistics.distance_m == 250.0 and isinstance(cfg.statistics.distance_m, float)
    assert cfg.overlays.shift_windows == ("22-06",)
    assert cfg.weekly.output_root == str(tmp_path / "runs")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.statistics.fdr = True  # type: ignore[misc]


def test_with_changes_is_checked_like_a_file():
    cfg = sample_config()
    changed = cfg.with_changes(inputs={"lamps": None}, statistics={"permutations": 99})
    assert changed.inputs.lamps is None and changed.statistics.permutations == 99
    assert cfg.inputs.lamps is not None  # the original is untouched
    with pytest.raises(ConfigError, match=r"statistics\.fdr: expected true or false"):
        cfg.with_changes(statistics={"fdr": "no"})


def test_the_template_documents_every_setting_with_its_default(tmp_path):
    text = example_config_text()
    for name, cls in SECTIONS.items():
        assert re.search(rf"^\[{name}\]$", text, re.MULTILINE), name
        for f in dataclasses.fields(cls):
            assert re.search(rf"^#? ?{f.name} =", text, re.MULTILINE), f"{name}.{f.name}"
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    defaults = RunConfig(inputs=InputSettings(incidents="x", streets="y"))
    for name in SECTIONS:
        if name == "inputs":
            continue
        got, want = getattr(cfg, name), getattr(defaults, name)
        if name == "weekly":
            got = dataclasses.replace(got, output_root="runs")
        assert got == want, name
    # every uncommented value is the declared default
    parsed = tomllib.loads(text)
    assert parsed["statistics"]["permutations"] == 999 and parsed["outputs"]["privacy_k"] == 3


def test_the_example_configs_are_valid():
    sample = load_config(REPO / "examples" / "sample_city.toml")
    assert sample.parameters.timezone == "Europe/Helsinki"
    assert sample.inputs.time_format == "%d/%m/%Y %H:%M"
    pelotas = load_config(REPO / "examples" / "pelotas.toml")
    assert pelotas.parameters.crs == "EPSG:31982"
    assert pelotas.parameters.language == "pt" and Path(pelotas.inputs.boundary).is_file()
    assert pelotas.inputs.encoding == "latin-1" and pelotas.inputs.delimiter == ";"


def test_manifest_form_has_one_table_per_section_and_no_password():
    cfg = sample_config().with_changes(postgis={"dsn": "postgresql://u:secret@h/db"})
    data = cfg.to_dict()
    assert set(SECTIONS) <= set(data)
    assert data["postgis"]["dsn"] == "postgresql://u:***@h/db"
    assert config_from_dict({k: v for k, v in data.items()}).statistics == cfg.statistics


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "hotspots", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_a_bad_config_exits_2_naming_every_setting_before_loading_the_analysis(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[inputs]\nincidents = "i.csv"\nstreets = "s.gpkg"\n'
                   '[outputs]\ninclude_incident_points = "false"\n'
                   '[geocoding]\nmax_distance_m = "fifty"\n[weekly]\nweeks_history = "8"\n'
                   '[parameters]\nseed = "abc"\n', encoding="utf-8")
    res = _cli("weekly", "--config", str(bad), cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    for key in ("outputs.include_incident_points", "geocoding.max_distance_m",
                "weekly.weeks_history", "parameters.seed"):
        assert key in res.stderr, key
    assert "Traceback" not in res.stderr and "a bug" not in res.stderr
    probe = ("import sys\nfrom hotspots.cli import main\ntry:\n"
             f"    main(['weekly', '--config', {str(bad)!r}])\nexcept SystemExit as e:\n"
             "    code = e.code\nheavy = [m for m in ('pandas', 'geopandas', 'numba', "
             "'libpysal', 'scipy', 'folium') if m in sys.modules]\nprint(code, heavy)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path, timeout=60)
    assert out.stdout.strip() == "2 []", out.stdout + out.stderr


def test_missing_input_files_are_refused_before_the_analysis(tmp_path):
    cfg = tmp_path / "city.toml"
    cfg.write_text('[inputs]\nincidents = "nope.csv"\nstreets = "ruas.gpkg"\n'
                   'lamps = "luz.gpkg"\n', encoding="utf-8")
    res = _cli("weekly", "--config", str(cfg), "--week", "2026-W47", cwd=tmp_path)
    assert res.returncode == 2
    for key in ("inputs.incidents: file not found", "inputs.streets: file not found",
                "inputs.lamps: file not found"):
        assert key in res.stderr, res.stderr


def test_the_disclosure_table_is_read_with_its_defaults():
    config = config_from_dict(_with("disclosure", min_length_m=0, kde_min_radius_m=250))
    assert config.disclosure.min_length_m == 0
    assert config.disclosure.kde_min_radius_m == 250
    assert config_from_dict(BASE).disclosure.min_length_m == 40.0
