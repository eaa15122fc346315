"""The public surface and the tooling CI relies on: __all__ in every public module, numpydoc
on the functions the README shows, ruff and mypy over the library."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hotspots

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _public_modules() -> list[str]:
    names = ["hotspots"]
    for info in pkgutil.walk_packages(hotspots.__path__, "hotspots."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _public_modules())
def test_every_public_module_declares_all_and_its_names_exist(name):
    path = Path(importlib.util.find_spec(name).origin)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [node for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                and any(isinstance(t, ast.Name) and t.id == "__all__"
                        for t in (node.targets if isinstance(node, ast.Assign)
                                  else [node.target]))]
    assert declared, f"{path.relative_to(ROOT)} declares no __all__"
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names what it does not define: {missing}"


# --- numpydoc on what the README shows ----------------------------------------------------------


def _readme_callables() -> dict[str, object]:
    """Every hotspots function or class called in the README's Python blocks, resolved."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found: dict[str, object] = {}
    for code in blocks:
        tree = ast.parse(code)
        names: dict[str, object] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("hotspots"):
                mod = importlib.import_module(node.module)
                for alias in node.names:
                    obj = getattr(mod, alias.name, None)
                    if obj is None:
                        obj = importlib.import_module(f"{node.module}.{alias.name}")
                    names[alias.asname or alias.name] = obj
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            parts = []
            target = node.func
            while isinstance(target, ast.Attribute):
                parts.append(target.attr)
                target = target.value
            if not isinstance(target, ast.Name) or target.id not in names:
                continue
            obj = names[target.id]
            for attr in reversed(parts):
                obj = getattr(obj, attr, None)
            if callable(obj) and getattr(obj, "__module__", "").startswith("hotspots"):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


READMES_CALLABLES = _readme_callables()


def test_the_readme_shows_library_functions():
    assert len(READMES_CALLABLES) >= 10, sorted(READMES_CALLABLES)


@pytest.mark.parametrize("name", sorted(READMES_CALLABLES))
def test_readme_functions_document_parameters_returns_and_units(name):
    obj = READMES_CALLABLES[name]
    doc = inspect.getdoc(obj.__init__ if inspect.isclass(obj) and not
                         inspect.getdoc(obj) else obj) or ""
    assert re.search(r"^Parameters\n-{5,}", doc, re.M), f"{name}: no Parameters section"
    if not inspect.isclass(obj):
        assert re.search(r"^Returns\n-{5,}", doc, re.M), f"{name}: no Returns section"
    section = doc.split("Parameters", 1)[1]
    section = re.split(r"^(?:Returns|Raises|Notes|Examples|Yields)\n-{5,}", section,
                       flags=re.M)[0]
    params = [p for p in inspect.signature(obj).parameters.values()
              if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL,
                                                                  p.VAR_KEYWORD)]
    listed = set(re.findall(r"^(\w+)(?:, (\w+))*(?: :|$)", section, re.M))
    documented = {n for group in re.findall(r"^([\w, ]+?)(?: :.*)?$", section, re.M)
                  for n in re.split(r",\s*", group)}
    missing = [p.name for p in params if p.name not in documented]
    assert not missing, f"{name}: parameters not documented: {missing} ({listed})"
    for p in params:  # a quantity named with its unit says the unit in its description
        if re.search(r"_(m|km|m2|h|days|s)$", p.name):
            text = section.split(p.name, 1)[1][:400]
            assert re.search(r"metre|meter|\bm\b|km|m²|hour|\bh\b|day|second|\bs\b", text, re.I), \
                f"{name}: {p.name} does not say its unit"


# --- ruff and mypy ------------------------------------------------------------------------------


@pytest.mark.slow
def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    proc = subprocess.run([ruff, "check", "hotspots", "tests", "benchmarks", "examples"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.slow
def test_mypy_is_clean_over_the_library():
    proc = subprocess.run([sys.executable, "-m", "mypy", "hotspots"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
