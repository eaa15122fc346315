"""Import rules of the package: libraries never import the pipeline or the CLI, computing modules
never import drawing/export modules, and the import graph of hotspots has no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hotspots"

#: the orchestration: only these may import everything
ORCHESTRATION = ("hotspots.pipeline", "hotspots.cli", "hotspots.__main__", "hotspots.state")
#: drawing and writing outputs
DRAWING = ("hotspots.maps", "hotspots.export", "hotspots.report", "hotspots.figures",
           "hotspots.planning.sheet", "hotspots.planning.figure", "hotspots.planning.table",
           "hotspots.intervention.report", "hotspots.intervention.figures",
           "hotspots.bulletin_sections", "hotspots.patrol_cards", "hotspots.wgs84")
#: computing modules (every module must be in one of the three groups or in NEUTRAL)
COMPUTING = (
    "hotspots.stats", "hotspots.weights", "hotspots.segments", "hotspots.noding", "hotspots.snap",
    "hotspots._snapkernel", "hotspots.geocode", "hotspots.aggregate", "hotspots.overlays",
    "hotspots.prioritize", "hotspots.evaluation", "hotspots.weekly", "hotspots.address",
    "hotspots.grids", "hotspots.raster", "hotspots.crs", "hotspots.ingest",
    "hotspots.timeparse", "hotspots.rejects", "hotspots._validate", "hotspots._jit",
    "hotspots.blockfaces", "hotspots.planning", "hotspots.intervention", "hotspots.numbering",
    "hotspots.disclosure",
)
#: plumbing and data every layer may use (errors, settings, config, colours, privacy, IO)
NEUTRAL = (
    "hotspots", "hotspots._errors", "hotspots._settings", "hotspots._json", "hotspots._texts",
    "hotspots.config",
    "hotspots.config._checks", "hotspots.config.analysis", "hotspots.config.run",
    "hotspots.config.sections", "hotspots.config.planning", "hotspots.config.evaluation",
    "hotspots.config.geocoding", "hotspots.config.disclosure", "hotspots.checksum",
    "hotspots.layers", "hotspots.symbology", "hotspots.symbology.classes", "hotspots.symbology.rules",
    "hotspots.symbology.texts", "hotspots.privacy", "hotspots.progress", "hotspots.sample",
    "hotspots.postgis", "hotspots.symbology.breaks",
    "hotspots.i18n", "hotspots.i18n.catalogue", "hotspots.i18n.formats", "hotspots.i18n.phrases",
    "hotspots.i18n.bulletin", "hotspots.i18n.cards", "hotspots.i18n.cli", "hotspots.i18n.fields",
    "hotspots.i18n.kml", "hotspots.i18n.legend", "hotspots.i18n.liaison", "hotspots.i18n.map",
    "hotspots.i18n.rejects", "hotspots.i18n.words",
)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}


def _match(name: str, groups: tuple[str, ...]) -> int:
    """Length of the longest entry of ``groups`` that is ``name`` or a package above it."""
    return max((len(g) for g in groups if name == g or name.startswith(g + ".")), default=-1)


def _in(name: str, groups: tuple[str, ...]) -> bool:
    """``name`` belongs to ``groups``: its most specific entry among all groups is there
    (``hotspots.planning.sheet`` is drawing although ``hotspots.planning`` is computing)."""
    mine = _match(name, groups)
    if mine < 0:
        return False
    others = [g for g in (ORCHESTRATION, DRAWING, COMPUTING, NEUTRAL) if g is not groups]
    return all(_match(name, g) <= mine for g in others)


def import_graph() -> dict[str, set[str]]:
    """Module → hotspots modules it imports (top-level and inside functions).

    ``from pkg import sub`` counts as an edge to ``pkg.sub`` when ``sub`` is a module; the
    implicit import of a module's parent packages is not an edge.
    """
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_pkg = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("hotspots"):
                        targets.add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                if not mod.startswith("hotspots"):
                    continue
                subs = {f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in modules}
                targets |= subs
                if len(subs) < len(node.names):
                    targets.add(mod)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


GRAPH = import_graph()


def test_every_module_is_classified():
    loose = [m for m in GRAPH if not _in(m, ORCHESTRATION + DRAWING + COMPUTING)
             and m not in NEUTRAL]
    assert loose == [], f"classify these modules in tests/test_architecture.py: {loose}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if not _in(m, ORCHESTRATION)))
def test_libraries_never_import_the_pipeline_or_the_cli(module):
    bad = sorted(t for t in GRAPH[module] if _in(t, ORCHESTRATION))
    assert bad == [], f"{module} imports {bad}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _in(m, COMPUTING)))
def test_computing_modules_never_import_drawing_or_export(module):
    bad = sorted(t for t in GRAPH[module] if _in(t, DRAWING))
    assert bad == [], f"{module} imports {bad}"


def test_the_config_imports_nothing_heavy():
    """The config is read before any analysis library loads (a bad config answers at once)."""
    config = [m for m in GRAPH if m == "hotspots.config" or m.startswith("hotspots.config.")]
    allowed = set(config) | {"hotspots._errors", "hotspots._settings", "hotspots", "hotspots.sample"}
    bad = {m: sorted(GRAPH[m] - allowed) for m in config}
    assert {m: v for m, v in bad.items() if v} == {}


def test_neutral_modules_never_import_drawing_or_the_pipeline():
    bad = {m: sorted(t for t in GRAPH[m] if _in(t, DRAWING + ORCHESTRATION))
           for m in NEUTRAL if m in GRAPH}
    assert {m: v for m, v in bad.items() if v} == {}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_has_no_cycle():
    cycle = _cycle(GRAPH)
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_function_level_and_relative_imports():
    # bulletin_sections imports the emerging categories inside a function; pipeline.run
    # imports its siblings
    assert "hotspots.stats.emerging_categories" in GRAPH["hotspots.bulletin_sections"]
    assert "hotspots.pipeline.atomic" in GRAPH["hotspots.pipeline.run"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_passes_600_lines(module):
    path = _modules()[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 600, f"{path.relative_to(PACKAGE.parent)} has {lines} lines: split it"
