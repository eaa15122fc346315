"""Golden comparison: the sample city's demo and weekly W47 outputs stay as frozen.

Every layer of ``layers.gpkg`` and ``liaison/layers.gpkg``, ``plan.csv``, ``rejects.csv``
and the manifest (minus timings, versions and machine paths) must equal the stored snapshot in
``tests/golden/``. A change of behaviour is made on purpose by regenerating the snapshot
(``python tests/golden/snapshot.py --write``) in a commit that says why.
"""

from __future__ import annotations

import pytest

from tests.golden import snapshot

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(snapshot.RUNS))
def test_outputs_equal_the_golden_snapshot(name, tmp_path):
    actual = snapshot.run_and_snapshot(name, tmp_path)
    diffs = snapshot.compare(snapshot.load(name), actual)
    assert not diffs, f"{name} differs from tests/golden/{name}.json.gz:\n" + "\n".join(diffs[:40])


def test_compare_finds_a_changed_value():
    base = {"layers": {"segments": {"rows": 2, "columns": {
        "count": {"dtype": "int64", "values": [1, 2]},
        "rate": {"dtype": "float64", "values": [0.5, None]}}}}}
    same = snapshot.compare(base, base)
    changed = {"layers": {"segments": {"rows": 2, "columns": {
        "count": {"dtype": "int64", "values": [1, 3]},
        "rate": {"dtype": "float64", "values": [0.5 + 1e-6, None]}}}}}
    diffs = snapshot.compare(base, changed)
    assert same == []
    assert any("count" in d and "1 of 2" in d for d in diffs)
    assert any("rate" in d for d in diffs)
    tiny = {"layers": {"segments": {"rows": 2, "columns": {
        "count": {"dtype": "int64", "values": [1, 2]},
        "rate": {"dtype": "float64", "values": [0.5 * (1 + 1e-13), None]}}}}}
    assert snapshot.compare(base, tiny) == []
