"""The operational picture in the browser: the map page, its scripts and its assets.

A thin layer like `watchkeeper.api`: `routes.py` serves the page and the files, and
`style.py` builds the MapLibre style; the live data comes from the API's streams
(`/api/picture/stream` for vessels, `/api/alerts/stream` for alerts). The front end
is a few plain ES modules in `static/` (no bundler), on top of MapLibre GL and PMTiles,
which `make install` copies from the npm registry into `web_dir/vendor`; the basemap is
built at install time too (`watchkeeper.geo.basemap`). Nothing loads from a CDN.
"""

from __future__ import annotations

from watchkeeper.web.routes import router

__all__ = ["router"]
