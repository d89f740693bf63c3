"""Local azimuthal-equidistant projections: buffer and measure in metres, not degrees.

A degree of longitude is 111 km at the equator and 72 km at 50° N, so a buffer drawn
in degrees is wrong by up to a third across the node's region. Geometry that must be
right in metres (12 and 24 nautical-mile zones, the reference distances the tests
check distance to shore against) is projected, a small area at a time, into an
azimuthal-equidistant projection on the WGS 84 ellipsoid centred on that area: PROJ's
ellipsoidal `aeqd` keeps distances from the centre exact (geodesics), and within
~200 km of the centre any other distance is off by less than 0.1 % (the scale error
grows as the square of the angular distance: ~(c²/6) at c radians).

`Transformer.from_pipeline` with a PROJ string costs ~0.1 ms; `from_crs` costs ~25 ms
(it searches the CRS database), which over a thousand blocks is most of a build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer

__all__ = ["LocalProjection"]


@dataclass(frozen=True)
class LocalProjection:
    """An azimuthal-equidistant projection (metres) centred on (`lat`, `lon`) in degrees."""

    lat: float
    lon: float
    _transformer: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the PROJ pipeline once: degrees in, metres out (inverse for the way back)."""
        pipeline = (
            "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
            f"+step +proj=aeqd +lat_0={float(self.lat)!r} +lon_0={float(self.lon)!r} +ellps=WGS84"
        )
        object.__setattr__(self, "_transformer", Transformer.from_pipeline(pipeline))

    def forward_xy(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Metres east and north of the centre for points in degrees."""
        x, y = self._transformer.transform(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
        return np.asarray(x, np.float64), np.asarray(y, np.float64)

    def forward(self, geometries: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Geometries (one or an array) in lon/lat degrees, projected to metres, as an array."""
        return np.asarray(shapely.transform(_array(geometries), self._forward_coords), object)

    def inverse(self, geometries: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Geometries (one or an array) in metres, back to lon/lat degrees, as an array."""
        return np.asarray(shapely.transform(_array(geometries), self._inverse_coords), object)

    def _forward_coords(self, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = self._transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def _inverse_coords(self, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = self._transformer.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack([lon, lat])


def _array(geometries: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """A 1-d object array of one geometry or many."""
    return np.atleast_1d(np.asarray(geometries, dtype=object))
