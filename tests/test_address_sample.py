"""The sample city's address-only incidents geocoded with its address points (real OSM data)."""

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import geocode
from hotspots.address import AddressGeocoder
from hotspots.pipeline import read_inputs, sample_config


def test_sample_address_only_incidents_are_placed_near_their_true_address():
    cfg = sample_config()
    inputs = read_inputs(cfg)
    segs, read = inputs.segments, inputs.incidents
    geocoder = AddressGeocoder(address_points=inputs.address_points, bairro_column="bairro")
    res = geocode.geocode_incidents(read.incidents, segs, address_geocoder=geocoder)
    assert res.counts["geocoded"] + res.counts["rejected"] == res.counts["input"]
    qa = res.qa
    assert qa["addresses"] == 600
    assert qa["match_rate"] >= 0.99 and qa["warning"] is None
    placed = res.geocoded[res.geocoded["match_method"] == "address_point"]
    raw = pd.read_csv(cfg.inputs.incidents)
    truth = raw.drop_duplicates("incident_id").set_index("incident_id")["true_address_id"]
    points = gpd.read_file(cfg.inputs.address_points, layer="address_points").to_crs(segs.crs)
    true_pt = points.set_index("address_id").geometry.reindex(truth.reindex(placed.index))
    err = placed.geometry.distance(gpd.GeoSeries(true_pt.to_numpy(), index=placed.index,
                                                 crs=segs.crs))
    print(f"\nsample city: {qa['match_rate']:.1%} matched; placement error median "
          f"{err.median():.1f} m, 95th pct {err.quantile(0.95):.1f} m")
    assert err.median() < 1.0
    assert err.quantile(0.95) < 60.0
    assert np.all(placed["segment_id"].isin(segs.index))
