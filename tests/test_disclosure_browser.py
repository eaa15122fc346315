"""The liaison map read in a real headless Chromium (network cut): each popup says why a value
is empty, per field, in the run's language (issue 13: per-field suppression, not one flag)."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest
from test_browser import OfflinePage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POPUPS = """
const out = [];
map.eachLayer(g => {
  if (!g.hsData || !g.hsSpec || !g.hsSpec.st || !g.hsSpec.st['count']) return;
  g.eachLayer(l => { if (l.hsRow !== undefined && l.getPopup()) {
    const d = document.createElement('div'); d.innerHTML = l.getPopup()._content(l);
    out.push([l.hsRow, d.innerText]); } });
});
return out;
"""


def test_liaison_popups_say_why_each_value_is_empty(browser, pt_week_run):
    folder = pt_week_run.files["map"].parent / "liaison"
    seg = pyogrio.read_dataframe(folder / "layers.gpkg", layer="segments")
    view = OfflinePage(browser, folder / "map.html")
    view.page.wait_for_function("window.hsPainted !== undefined", timeout=20000)
    popups = view.map_js(POPUPS)
    assert len(popups) == len(seg)  # one feature per segment, rows in the layer's order
    text = pd.Series({row: t for row, t in popups}).sort_index()
    short = (seg["count_status"] == "min_length").to_numpy()
    small = (seg["count_status"] == "k_rule").to_numpy()
    # night count withheld while the count is shown (its rest is 1 … k−1, or it is small)
    night = (seg["night_count_status"] == "k_rule").to_numpy() & seg["count"].notna().to_numpy()
    assert short.sum() > 20 and small.sum() > 20 and night.sum() > 5
    said_short = text.str.contains("não mostrado (segmento curto demais)", regex=False)
    said_small = text.str.contains("suprimido (menos de 3)", regex=False)
    said_k = text.str.contains("omitido (protege contagens abaixo de 3)", regex=False)
    assert (said_short.to_numpy() == short).all()
    assert (said_small.to_numpy() == small).all()
    assert said_k.to_numpy()[night].all()
    assert not said_k.to_numpy()[short].any()
    assert view.errors == [] and view.requests == []
    view.page.close()
