"""No locality is boxed in: every gazetteer place lies in the hubs' connected region (real data).

The baseline model (every axis open, no no-entry zone, dry season, every crossing usable,
pirogue crossings included: a place reached only by pirogue is not boxed in, though the
vehicle model does not use them) is split into 4-connected passable regions (the search
never cuts a corner, so its moves connect exactly these). A pocket is a region that
holds no hub; a locality in a pocket could never be reached whatever the constraints.
Diré (Tombouctou region), once boxed in by two Niger centre lines, must be reached by
vehicle.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import ndimage

from geo.config import STORAGE_CRS


def test_no_locality_lies_in_a_pocket_of_the_baseline_model(model_inputs) -> None:  # noqa: ANN001
    from geo.model.friction import build_friction
    from geo.model.reach import locate_hub
    from geo.sources.curated import read_hubs

    vehicles = model_inputs
    inputs = dataclasses.replace(vehicles, crossings=vehicles.crossings.assign(vehicles=True), derived={})
    status = pd.DataFrame({"status": "open"}, index=inputs.axes.index)
    no_zone = gpd.GeoDataFrame({"radius_km": []}, geometry=[], crs=STORAGE_CRS)
    f = build_friction(inputs, axis_status=status, no_entry=no_zone, season="dry")
    regions, _ = ndimage.label(np.isfinite(f))
    hub_regions = set()
    for _, hub in read_hubs().valid.iterrows():
        placed = locate_hub(inputs, f, hub, None)
        assert placed.usable, f"hub {hub['hub_id']} cannot start: {placed.status}"
        hub_regions.add(int(regions[placed.row, placed.col]))
    places = inputs.places
    where = regions[places["row"].to_numpy(), places["col"].to_numpy()]
    boxed = places[(where > 0) & ~np.isin(where, sorted(hub_regions))]
    assert boxed.empty, f"{len(boxed)} localities in pockets, e.g. {sorted(boxed['name'])[:20]}"
    # Diré by vehicle: the same regions without the pirogue crossings
    f_car = build_friction(vehicles, axis_status=status, no_entry=no_zone, season="dry")
    by_car, _ = ndimage.label(np.isfinite(f_car))
    car_hubs = set()
    for _, hub in read_hubs().valid.iterrows():
        placed = locate_hub(vehicles, f_car, hub, None)
        car_hubs.add(int(by_car[placed.row, placed.col]))
    dire = places[places["name"].isin(["Dire", "Diré"]) & (places.geometry.y > 1_700_000)]
    assert len(dire)
    assert set(by_car[dire["row"].to_numpy(), dire["col"].to_numpy()].tolist()) <= car_hubs
