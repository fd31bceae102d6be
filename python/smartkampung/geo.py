"""Isolation houses: the nearest with a free bed, reservations, and fair assignment.

>>> import numpy as np, smartkampung as sk
>>> idx = sk.FacilityIndex.from_arrays(
...     np.array([1, 2]), np.array([-8.20, -8.30]), np.array([114.35, 114.35]),
...     np.array([2, 1]))
>>> [(i, round(d)) for i, d in idx.nearest(-8.21, 114.35, k=2)]
[(1, 1106), (2, 9954)]
>>> idx.reserve(1, 2), idx.free_beds(1)
(True, 0)
"""

from ._core import FacilityIndex, wgs84_distance

__all__ = ["FacilityIndex", "wgs84_distance"]
