"""geo.model.polygonize against GDAL polygonize (rasterio.features.shapes, 4-connected) as reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import shapes
from rasterio.transform import Affine
from scipy import ndimage

from geo.model.polygonize import mask_polygons

T = Affine(1000.0, 0.0, 500_000.0, 0.0, -1000.0, 2_000_000.0)


def gdal_polygons(mask: np.ndarray) -> shapely.Geometry:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        parts = [
            shapely.geometry.shape(g)
            for g, _ in shapes(mask.view(np.uint8), mask=mask, transform=T, connectivity=4)
        ]
    return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def test_random_masks_match_gdal_and_are_valid() -> None:
    rng = np.random.default_rng(7)
    for trial in range(600):
        h, w = (int(v) for v in rng.integers(1, 30, 2))
        mask = rng.random((h, w)) < rng.random()  # noisy: many diagonal contacts and pockets
        if trial % 3 == 0:
            mask = ndimage.gaussian_filter(rng.random((h, w)), rng.uniform(0.5, 2.0)) > 0.5
        ours, ref = mask_polygons(mask, T), gdal_polygons(mask)
        assert ours.is_valid, trial
        assert ours.area == pytest.approx(mask.sum() * 1e6, abs=1e-3)
        assert shapely.symmetric_difference(ours, ref).area < 1e-3
        assert shapely.get_num_geometries(ours) == shapely.get_num_geometries(ref)  # 4-connected groups


def test_diagonal_contacts_give_separate_parts_and_touching_holes() -> None:
    checker = np.array([[1, 0], [0, 1]], dtype=bool)
    two = mask_polygons(checker, T)
    assert two.geom_type == "MultiPolygon" and len(two.geoms) == 2 and two.is_valid
    # a ring of cells closed by a diagonal contact: its pocket is a hole touching the shell
    ring = np.array([[1, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 1]], dtype=bool)
    geom = mask_polygons(ring, T)
    assert geom.is_valid and geom.area == pytest.approx(10e6)
    assert shapely.symmetric_difference(geom, gdal_polygons(ring)).area < 1e-3


def test_large_smooth_mask_matches_gdal() -> None:
    mask = ndimage.gaussian_filter(np.random.default_rng(1).random((400, 500)), 6) > 0.5
    ours, ref = mask_polygons(mask, T), gdal_polygons(mask)
    assert ours.is_valid and shapely.symmetric_difference(ours, ref).area < 1e-3
    assert shapely.get_num_coordinates(ours) == shapely.get_num_coordinates(ref)  # corners only, as GDAL


def test_empty_and_full_masks() -> None:
    assert mask_polygons(np.zeros((3, 4), dtype=bool), T).is_empty
    full = mask_polygons(np.ones((3, 4), dtype=bool), T)
    assert full.geom_type == "Polygon" and shapely.get_num_coordinates(full) == 5  # corners only
    assert full.bounds == (500_000.0, 1_997_000.0, 504_000.0, 2_000_000.0)
