"""The pt-leak test: every output of a Portuguese run, with no English UI string left.

Both the demo (every incident) and a weekly run of the sample city are written in Portuguese;
then the text a person reads is collected from each output — the text nodes and alt/title/aria
texts of the HTML pages (bulletin, council sheet, patrol cards), the words of the map (layer
names, legends, tooltip labels, class labels, controls, title), the KML's folder and placemark
names, field names and balloons, the CSV headers and the liaison README — and checked twice:
no English message of the catalogue appears in it (each English text that differs from its
Portuguese one), and no common English word of the user interface does.
"""

from __future__ import annotations

import csv
import json
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hotspots import i18n

pytestmark = pytest.mark.slow

#: English words of the interface that no Portuguese output may contain (whole words)
ENGLISH = {
    "the", "and", "of", "with", "incident", "incidents", "segment", "segments", "street",
    "streets", "week", "weeks", "hot", "spot", "spots", "cold", "suppressed", "lamps", "lamp",
    "density", "night", "shift", "per", "not", "fewer", "than", "between", "near", "cost",
    "why", "where", "yes", "none", "unnamed", "previous", "play", "pause", "legend", "search",
    "find", "page", "generated", "study", "green", "dark", "stretch", "stretches", "risk",
    "zones", "days", "left", "working", "broken", "adopted", "category", "change", "mean",
    "every", "this", "last", "more", "less", "within", "beyond", "chance", "rate", "share",
    "funded", "budget", "visits", "minutes", "guidance", "patrol", "layers", "map", "file",
    "files", "records", "rejected", "used", "read", "reason", "unknown", "emerging", "trend",
    "cooling", "persistent", "new", "significant", "confidence", "value", "length",
}
#: text that may stay as it is: names of methods, file names, acronyms, libraries, data
ALLOWED = re.compile(
    r"Gi\*|Getis-Ord|Moran|Knox|Koper|Weisburd|Mann–Kendall|Benjamini–Hochberg|Ratcliffe|"
    r"Chainey|Tompson|Uhlig|Levine|Esri|KDE|PAI|RRI|LGPD|ODbL|OpenStreetMap|Leaflet|QGIS|"
    r"Google Earth|hotspots|EPSG:\d+|UTM|WGS 84|[\w./*-]+\.(?:csv|html|gpkg|kml|geojson|tif|qml|"
    r"txt)|\[\w+\]|\w+_\w+|Helsin\w+|\{\w+\}|'\w+'")


def _messages_en() -> list[str]:
    """Every English message of the catalogue that differs from its Portuguese, as literal
    fragments (placeholders cut out), long enough to be meaningful."""
    out = set()
    for name in i18n.DOMAINS:
        for en, pt in i18n.domain(name).values():
            if en == pt:
                continue
            for _, literal in _literals(en):
                lit = literal.strip(" .,;:()—–-·")
                if len(lit) >= 12 and re.search(r"[a-z]{3}", lit):
                    out.add(lit)
    return sorted(out)


def _literals(text: str):
    for i, (literal, *_rest) in enumerate(string.Formatter().parse(text)):
        yield i, literal


class _Text(HTMLParser):
    """Text nodes and alt/title/aria-label texts of an HTML page (not scripts or styles)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for k, v in attrs:
            if k in ("alt", "title", "aria-label", "placeholder") and v:
                self.parts.append(v)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def html_texts(path: Path) -> list[str]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.parts


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def map_texts(path: Path) -> list[str]:
    """The words of a map page: title, layer names, legends, labels of tooltips and classes,
    the UI texts handed to the runtime and the top list (not the data values)."""
    text = path.read_text(encoding="utf-8")
    out = [m for m in re.findall(r"<title>(.*?)</title>", text)]
    control = re.search(r"hsLayers\(\w+, \{(.*?)\}\);", text, re.S).group(1)
    out += [json.loads(k) for k in re.findall(r'("(?:[^"\\]|\\.)*")\s*:\s*hs_', control)]
    for section in re.findall(r'html: ("(?:[^"\\]|\\.)*")', text):
        out += html_fragment_texts(json.loads(section))
    data = {name: json.loads(body) for name, body in
            re.findall(r"var (hs_data_\w+) = (\{.*?\});", text)}
    for name, spec in re.findall(r"hsLayer\((hs_data_\w+), (\{.*?\})\);", text):
        spec = json.loads(spec)
        out += [f[1] for f in spec["f"]] + list(spec["cl"])
        out += list(_strings(spec["labels"]))
        # coded values a popup shows (status, LISA class, emerging trend): each in words
        for col, labels in spec["labels"].items():
            if any(f[0] == col for f in spec["f"]):
                out += [v for v in data[name]["d"].get(col, []) if v not in labels]
    out += list(json.loads(re.search(r"window\.hsT = (\{.*?\});", text).group(1)).values())
    for title in re.findall(r"d\.innerHTML = (\"(?:[^\"\\]|\\.)*\")", text):
        out += html_fragment_texts(json.loads(title))
    for items in re.findall(r"hsTop\(\w+, \w+, \w+\.hsSpec, (\[.*?\]\])\);", text):
        out += [it[1].split(" — ", 1)[-1] for it in json.loads(items)]
    for spec in re.findall(r"hsWeekly\(hs_data_\w+, (\{.*?\})\);", text):
        out.append(json.loads(spec)["name"])
    return [s for s in out if s]


def html_fragment_texts(fragment: str) -> list[str]:
    parser = _Text()
    parser.feed(fragment)
    return parser.parts


def kml_texts(path: Path) -> list[str]:
    import xml.etree.ElementTree as ET

    ns = "{http://www.opengis.net/kml/2.2}"
    root = ET.parse(path).getroot()
    out = [e.text or "" for e in root.iter(f"{ns}displayName")]
    for folder in root.iter(f"{ns}Folder"):
        out.append(folder.findtext(f"{ns}name") or "")
    for mark in root.iter(f"{ns}Placemark"):
        name = mark.findtext(f"{ns}name") or ""
        out.append(name.split(" — ", 1)[-1])  # the place is data, what it is is words
    for balloon in root.iter(f"{ns}BalloonStyle"):
        body = re.sub(r"\$\[[^\]]+\]", " ", balloon.findtext(f"{ns}text") or "")
        out += html_fragment_texts(body)
    for data in root.iter(f"{ns}SimpleData"):
        value = data.text or ""
        if not re.fullmatch(r"[\d.,−+<\s%-]*", value):
            out.append(value) if data.get("name") in ("hot_status", "status", "guidance") \
                else None
    return out


def csv_headers(path: Path, skip: set[str] = frozenset()) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    assert first.count(";") >= 1, f"{path.name}: not the pt-BR dialect (';')"
    return [h for h in next(csv.reader([first], delimiter=";")) if h not in skip]


def leaks(texts: list[str]) -> list[str]:
    """English messages or words found in ``texts``."""
    found = []
    messages = _messages_en()
    for raw in texts:
        text = ALLOWED.sub(" ", raw)
        for msg in messages:
            if msg in text:
                found.append(f"{msg!r} in {raw[:90]!r}")
        for word in re.findall(r"[^\W\d_]+", text):
            if word.lower() in ENGLISH:
                found.append(f"{word!r} in {raw[:90]!r}")
    return sorted(set(found))


def _outputs(run):
    folder = next(iter(run.files.values())).parent
    return folder


def _check_folder(folder: Path, source_columns: set[str]):
    problems = {}
    for name in ("report.html", "council_sheet.html", "patrol_cards.html",
                 "liaison/patrol_cards.html"):
        if (folder / name).exists():
            problems[name] = leaks(html_texts(folder / name))
    for name in ("map.html", "liaison/map.html"):
        problems[name] = leaks(map_texts(folder / name))
    problems["liaison/layers.kml"] = leaks(kml_texts(folder / "liaison" / "layers.kml"))
    for name in ("rejects.csv", "hot_segments.csv", "plan.csv"):
        if (folder / name).exists():
            problems[name] = leaks(csv_headers(folder / name, skip=source_columns))
    readme = (folder / "liaison" / "README.txt").read_text(encoding="utf-8").splitlines()
    # the layer and file names are the files' own (what QGIS lists), their descriptions words
    problems["liaison/README.txt"] = leaks([re.sub(r"^\s*\S+\s{2,}", "", line)
                                            for line in readme])
    return {k: v for k, v in problems.items() if v}


def _source_columns() -> set[str]:
    """Columns of the incident file kept as they are in rejects.csv (the source's names)."""
    from hotspots import sample

    with open(sample.incidents_path(), encoding="utf-8") as fh:
        return set(next(csv.reader(fh)))


def test_weekly_run_in_portuguese_has_no_english_left(pt_week_run):
    folder = pt_week_run.files["map"].parent
    assert _check_folder(folder, _source_columns() | {"has_coordinates"}) == {}


def test_demo_in_portuguese_has_no_english_left(pt_demo_run):
    folder = pt_demo_run.files["map"].parent
    assert _check_folder(folder, _source_columns() | {"has_coordinates"}) == {}


def test_cli_summary_in_portuguese_has_no_english_left(pt_week_run, capsys):
    """What ``hotspots weekly`` prints for a Portuguese run (reasons, rule, skips in words)."""
    from hotspots.cli import print_summary, print_weekly

    summary = dict(pt_week_run.summary)
    # a skipped step and a reject reason are printed in words too
    summary["statistics"] = {**summary.get("statistics", {}),
                             "skipped": "the hot-spot statistics did not run"}
    summary["rejected_by_reason"] = {"outside_boundary": 3,
                                     **summary.get("rejected_by_reason", {})}
    print_summary(summary, pt_week_run.files, "pt")
    print_weekly(summary, "pt")
    lines = capsys.readouterr().out.splitlines()
    assert any("fora do limite" in line for line in lines), lines
    # the file paths listed after the last heading are the files' own names
    paths = {str(p) for p in pt_week_run.files.values()}
    texts = [line for line in lines if line.strip() not in paths]
    assert leaks(texts) == []


def test_the_checker_finds_english(tmp_path):
    """The test can fail: an English page and an English CSV header are caught."""
    page = tmp_path / "x.html"
    page.write_text("<p>Hot segments this week</p><img alt='map of the funded projects'>",
                    encoding="utf-8")
    assert leaks(html_texts(page))
    assert leaks(["Incidents per 100 m"]) and not leaks(["Ocorrências por 100 m"])
    assert not leaks(["Gi* (confiança)", "hot_segments.csv", "Moran"])
