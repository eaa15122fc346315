"""Plain-Python use of the hotspots library on the embedded sample city (no notebook, no CLI).

    python examples/api_example.py            # prints the numbers of week 2026-W47

Each step is one library function over (Geo)DataFrames; the last step runs the same weekly
pipeline the `hotspots weekly` command runs and writes its outputs to a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hotspots import aggregate, evaluation, geocode, ingest, pipeline, sample, segments, weekly
from hotspots.config import load_config

TZ = sample.TIMEZONE  # the sample streets are in Helsinki

# 1. streets -> segments (split at intersections, stable ids), in the UTM zone of the data
streets = sample.load_layer("streets")
segs = segments.build_segments(streets, name_column="name")
boundary = sample.load_layer("boundary")
print(f"{len(segs)} segments in {segs.crs.to_string()}")

# 2. incidents: read (every unusable row becomes a reject with its reason) and snap
read = ingest.read_incidents(sample.incidents_path(), time_format="%d/%m/%Y %H:%M", timezone=TZ)
geo = geocode.geocode_incidents(read.incidents, segs, max_distance_m=50, boundary=boundary)
print(f"{read.rows_read} rows read, {len(geo.geocoded)} snapped onto segments, "
      f"{len(read.rejects) + len(geo.rejects)} rejected (address-only rows need the address "
      "geocoder, which the weekly pipeline wires in)")

# 3. the analysis week and its history window
week = weekly.parse_week("2026-W47", timezone=TZ)
window = weekly.select_window(geo.geocoded, week, weeks_history=8)
matrix = weekly.window_matrix(window, segs.index)
print(f"{week.label}: {len(window.this_week)} incidents; window {window.weeks[0]}…{week.label}")

# 4. week over week: new / persistent / cooling hot segments (top 5 % by count here; the
#    pipeline uses Gi* bins >= 2 when the statistics stage has run)
cmp = weekly.compare_weeks(matrix, top_share=0.05)
print(cmp.frame["hot_status"].value_counts().to_string())

# 5. evaluation: last week's hot segments against this week's incidents
ev = evaluation.evaluate_hot_spots(
    cmp.frame["hot_prev"], cmp.frame["count_week"], lengths_m=segs["length_m"],
    counts_before=cmp.frame["count_prev"], geometry=segs.geometry,
    study_area=boundary.to_crs(segs.crs).union_all(), buffer_m=15.0)
print(f"hit rate {ev.hit_rate:.1%}, PAI by length {ev.pai_length:.2f}, by area "
      f"{ev.pai_area:.2f}, RRI {ev.rri:.2f}")

# 6. crime concentration against Weisburd's law (50 % of crime on 2.1-6.0 % of segments)
counts = aggregate.segment_counts(window.this_week, segs)["count"]
conc = evaluation.concentration_curve(counts)
print(f"50 % of the week's incidents on {conc.share_for_50pct:.1%} of segments, 25 % on "
      f"{conc.share_for_25pct:.1%}, Gini {conc.gini:.2f}; within Weisburd: "
      f"{conc.within_weisburd_50}")

# 7. the whole weekly run (statistics, overlays, maps, report, manifest) in one call
config = load_config(Path(__file__).with_name("sample_city.toml"))
with tempfile.TemporaryDirectory() as tmp:
    result = pipeline.run_week(config, week="2026-W47", out_root=tmp)
    print("weekly run wrote:", ", ".join(sorted(p.name for p in result.files.values())))
    print("hit rate with the pipeline's hot rule:",
          f"{result.summary['evaluation']['hit_rate']:.1%}",
          f"({result.summary['week_over_week']['hot_rule']})")
