"""The MapLibre style of the operational picture: sources and layers, bottom to top.

The style is data (MapLibre Style Spec v8), built here rather than written as a file so
that the basemap's address follows the request (a node behind a proxy, a test server
on a random port) and so tests can read its layer order. It has no `glyphs` and no
`sprite`: no layer draws text (names are shown in HTML, which also shapes Arabic), and
the vessel and sensor-contact icons are drawn by the page itself (`static/icons.js`), so
the style needs nothing from outside the node.

Layer order is the order of drawing; the last is on top. Sensor contacts (`contacts`,
one symbol and colour per kind of sensor) are drawn just below the vessels, so a radar
plot of a ship heard on AIS sits under the ship's icon while a dark target stands alone.
Distress alerts have a layer of their own, `alerts-distress`, last of all, so nothing is
ever drawn over them.
"""

from __future__ import annotations

from typing import Any, Final

from watchkeeper.ais.shiptypes import SHIP_CLASSES
from watchkeeper.sensors.latest import SENSORS

__all__ = [
    "CONTACT_LAYER",
    "DOTS_BELOW_ZOOM",
    "DOTS_LAYER",
    "LAYER_IDS",
    "TOP_LAYER",
    "VESSEL_LAYER",
    "picture_style",
]

VESSEL_LAYER: Final = "vessels"
CONTACT_LAYER: Final = "contacts"
#: A dot per vessel, shown instead of the icons below `DOTS_BELOW_ZOOM` when the page holds
#: a dense fleet (static/vessels.js turns it on): on a software renderer, laying out and
#: drawing 20,000 rotated icons costs the map several times what dots do.
DOTS_LAYER: Final = "vessels-dots"
DOTS_BELOW_ZOOM: Final = 7
ALERT_LAYER: Final = "alerts"
#: Distress alerts, drawn last: always on top.
TOP_LAYER: Final = "alerts-distress"

_SEA: Final = "#0e2a40"
_LAND: Final = "#33404d"
_ZONE_COLOURS: Final = {
    "territorial_sea": "#5fa8d3",
    "contiguous_zone": "#3d7ea6",
    "sar_region": "#f1c40f",
    "departure_coast": "#e67e22",
    "landing_coast": "#27ae60",
    "area_of_interest": "#e056fd",
    "border": "#ecf0f1",
    "crossing_point": "#ecf0f1",
}
_EMPTY: Final = {"type": "FeatureCollection", "features": []}
#: Ship class colours, as static/icons.js draws the icons.
_CLASS_COLOURS: Final = {
    "cargo": "#2ecc71",
    "tanker": "#e74c3c",
    "passenger": "#3498db",
    "fishing": "#e67e22",
    "pleasure": "#9b59b6",
    "sar": "#f1c40f",
    "other": "#bdc3c7",
}


def _by_kind(default: str) -> list[Any]:
    cases: list[Any] = ["match", ["get", "kind"]]
    for kind, colour in _ZONE_COLOURS.items():
        cases += [kind, colour]
    return [*cases, default]


def _zone_layers(prefix: str, source: str, source_layer: str | None) -> list[dict[str, Any]]:
    """An outline of every zone and a light fill of the areas, coloured by kind."""
    common: dict[str, Any] = {"source": source}
    if source_layer is not None:
        common["source-layer"] = source_layer
    return [
        {
            "id": f"{prefix}-fill",
            "type": "fill",
            **common,
            "filter": ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]],
            "paint": {"fill-color": _by_kind("#888888"), "fill-opacity": 0.06},
        },
        {
            "id": f"{prefix}-line",
            "type": "line",
            **common,
            "filter": ["!", ["in", ["geometry-type"], ["literal", ["Point", "MultiPoint"]]]],
            "paint": {
                "line-color": _by_kind("#888888"),
                "line-width": 1,
                "line-opacity": 0.7,
                "line-dasharray": [
                    "case",
                    ["==", ["get", "kind"], "contiguous_zone"],
                    ["literal", [4, 3]],
                    ["literal", [1, 0]],
                ],
            },
        },
    ]


def _vessel_icon() -> list[Any]:
    """`vessel-<class>-moving` (an arrow, rotated by course) or `vessel-<class>-still`."""
    moving = ["==", ["typeof", ["get", "course"]], "number"]
    return ["concat", "vessel-", ["get", "class"], ["case", moving, "-moving", "-still"]]


def _by_class() -> list[Any]:
    cases: list[Any] = ["match", ["get", "class"]]
    for name, colour in _CLASS_COLOURS.items():
        cases += [name, colour]
    return [*cases, _CLASS_COLOURS["other"]]


def picture_style(*, basemap_url: str, zones_url: str) -> dict[str, Any]:
    """The picture's style; `basemap_url` is the PMTiles file, `zones_url` imported zones.

    Both are absolute URLs on this node; the PMTiles one is read through the page's
    `pmtiles://` protocol (HTTP range requests).
    """
    return {
        "version": 8,
        "name": "Watchkeeper picture",
        "metadata": {
            "watchkeeper:ship-classes": list(SHIP_CLASSES),
            "watchkeeper:sensors": list(SENSORS),
        },
        "center": [13.0, 35.5],
        "zoom": 5,
        "sources": {
            "basemap": {"type": "vector", "url": f"pmtiles://{basemap_url}"},
            "imported-zones": {"type": "geojson", "data": zones_url},
            "vessels": {"type": "geojson", "data": _EMPTY},
            # Feature ids are contact ids (strings): `promoteId` lets diffs address them.
            "contacts": {"type": "geojson", "data": _EMPTY, "promoteId": "contact_id"},
            "alerts": {"type": "geojson", "data": _EMPTY},
        },
        "layers": [
            {"id": "sea", "type": "background", "paint": {"background-color": _SEA}},
            {
                "id": "land",
                "type": "fill",
                "source": "basemap",
                "source-layer": "land",
                "paint": {"fill-color": _LAND},
            },
            {
                "id": "coastline",
                "type": "line",
                "source": "basemap",
                "source-layer": "land",
                "paint": {"line-color": "#6b7a89", "line-width": 0.6},
            },
            *_zone_layers("default-zones", "basemap", "zones"),
            *_zone_layers("imported-zones", "imported-zones", None),
            {
                "id": CONTACT_LAYER,
                "type": "symbol",
                "source": "contacts",
                "layout": {
                    # `contact-<sensor>`, drawn by the page (static/icons.js); unknown kinds
                    # get the generic one.
                    "icon-image": [
                        "concat",
                        "contact-",
                        ["match", ["get", "sensor"], list(SENSORS), ["get", "sensor"], "other"],
                    ],
                    "icon-allow-overlap": True,
                    "icon-ignore-placement": True,
                    "icon-size": ["interpolate", ["linear"], ["zoom"], 4, 0.6, 10, 1.0],
                },
                "paint": {"icon-opacity": ["case", ["==", ["get", "stale"], True], 0.3, 0.95]},
            },
            {
                "id": DOTS_LAYER,
                "type": "circle",
                "source": "vessels",
                "maxzoom": DOTS_BELOW_ZOOM,
                "layout": {"visibility": "none"},
                "paint": {
                    "circle-radius": ["interpolate", ["linear"], ["zoom"], 3, 1.5, 7, 3],
                    "circle-color": _by_class(),
                    "circle-opacity": ["case", ["==", ["get", "stale"], True], 0.35, 1.0],
                },
            },
            {
                "id": VESSEL_LAYER,
                "type": "symbol",
                "source": "vessels",
                "layout": {
                    "icon-image": _vessel_icon(),
                    "icon-rotate": ["coalesce", ["get", "course"], 0],
                    "icon-rotation-alignment": "map",
                    "icon-allow-overlap": True,
                    "icon-ignore-placement": True,
                    "icon-size": ["interpolate", ["linear"], ["zoom"], 4, 0.6, 10, 1.0],
                },
                "paint": {"icon-opacity": ["case", ["==", ["get", "stale"], True], 0.35, 1.0]},
            },
            {
                "id": ALERT_LAYER,
                "type": "circle",
                "source": "alerts",
                "filter": ["!=", ["get", "distress"], True],
                "paint": {
                    "circle-radius": 11,
                    "circle-color": "rgba(0,0,0,0)",
                    "circle-stroke-width": ["case", ["==", ["get", "selected"], True], 4, 2],
                    "circle-stroke-color": [
                        "step",
                        ["get", "priority"],
                        "#e74c3c",
                        3,
                        "#e67e22",
                        5,
                        "#f1c40f",
                    ],
                },
            },
            {
                "id": TOP_LAYER,
                "type": "circle",
                "source": "alerts",
                "filter": ["==", ["get", "distress"], True],
                "paint": {
                    "circle-radius": 14,
                    "circle-color": "rgba(255,40,40,0.35)",
                    "circle-stroke-width": ["case", ["==", ["get", "selected"], True], 5, 3],
                    "circle-stroke-color": "#ff2d2d",
                },
            },
        ],
    }


LAYER_IDS: Final = tuple(
    layer["id"] for layer in picture_style(basemap_url="", zones_url="")["layers"]
)
