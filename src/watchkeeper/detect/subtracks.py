"""Split each MMSI's reports into kinematically possible tracks.

Two transmitters on one MMSI, or a transponder whose positions jump away, both leave
reports that no vessel could join: the implied speed between them is impossible, or
far beyond what the vessel itself reports. Each
report joins the existing track of its MMSI that it can follow at a possible speed
(the nearest such), or starts a new one. The pass is sequential within an MMSI, so it
is one numba loop over the sorted columns, not Python per report.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["split_tracks"]

_MAX_HEADS = 4
_EARTH_RADIUS_M = 6_371_008.8
_KNOT = 1852.0 / 3600.0


@numba.njit(cache=True, nogil=True)
def _split(
    mmsi: npt.NDArray[np.int64],
    t_ms: npt.NDArray[np.int64],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    sog_ms: npt.NDArray[np.float64],
    max_speed_ms: float,
    sog_factor: float,
    sog_margin_ms: float,
    slack_s: float,
    jitter_m: float,
) -> npt.NDArray[np.int32]:
    n = mmsi.shape[0]
    out = np.empty(n, np.int32)
    head_t = np.zeros(_MAX_HEADS, np.int64)
    head_lat = np.zeros(_MAX_HEADS)
    head_lon = np.zeros(_MAX_HEADS)
    head_sog = np.zeros(_MAX_HEADS)
    head_id = np.zeros(_MAX_HEADS, np.int32)
    heads = 0
    next_id = 0
    for i in range(n):
        if i == 0 or mmsi[i] != mmsi[i - 1]:
            heads = 0
            next_id = 0
        best = -1
        best_d = 0.0
        phi = np.radians(lat[i])
        for h in range(heads):
            phi0 = np.radians(head_lat[h])
            dphi = phi - phi0
            dlam = np.radians(lon[i] - head_lon[h])
            a = np.sin(dphi / 2) ** 2 + np.cos(phi0) * np.cos(phi) * np.sin(dlam / 2) ** 2
            d = 2 * _EARTH_RADIUS_M * np.arcsin(min(1.0, np.sqrt(a)))
            dt = abs(t_ms[i] - head_t[h]) / 1000.0
            limit = max_speed_ms
            reported = max(sog_ms[i], head_sog[h])  # NaN when either is unknown
            if reported == reported:
                limit = min(limit, reported * sog_factor + sog_margin_ms)
            if (d <= jitter_m or d <= limit * (dt + slack_s)) and (best < 0 or d < best_d):
                best = h
                best_d = d
        if best < 0:
            if heads < _MAX_HEADS:
                best = heads
                heads += 1
            else:  # replace the track heard from least recently
                best = 0
                for h in range(1, heads):
                    if head_t[h] < head_t[best]:
                        best = h
            head_id[best] = next_id
            next_id += 1
        head_t[best] = t_ms[i]
        head_lat[best] = lat[i]
        head_lon[best] = lon[i]
        head_sog[best] = sog_ms[i]
        out[i] = head_id[best]
    return out


def split_tracks(
    mmsi: npt.NDArray[np.int64],
    t_ms: npt.NDArray[np.int64],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    sog_kn: npt.NDArray[np.float64],
    *,
    max_speed_kn: float,
    sog_factor: float,
    sog_margin_kn: float,
    slack_s: float,
    jitter_m: float,
) -> npt.NDArray[np.int32]:
    """The track number (0, 1, ... within each MMSI) of each report, sorted by MMSI and time.

    A report may follow a track at up to `max_speed_kn`, and at most `sog_factor` times
    the faster of the two reported speeds plus `sog_margin_kn` when both are known: a
    ship reporting 14 kn on both sides of a silence did not average 40 kn through it.
    `sog_kn` is NaN where unknown.
    """
    return _split(
        np.ascontiguousarray(mmsi, np.int64),
        np.ascontiguousarray(t_ms, np.int64),
        np.ascontiguousarray(lat, np.float64),
        np.ascontiguousarray(lon, np.float64),
        np.ascontiguousarray(sog_kn, np.float64) * _KNOT,
        max_speed_kn * _KNOT,
        sog_factor,
        sog_margin_kn * _KNOT,
        slack_s,
        jitter_m,
    )
