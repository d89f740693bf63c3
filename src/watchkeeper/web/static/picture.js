// The operational picture: a MapLibre map on the node's own style and basemap, the live
// vessels and the ranked alerts. For tests and benchmarks, `window.__map` is the map and
// `window.__picture` says what has arrived (`idle` is true once the map has drawn every
// change it was given).

import * as maplibregl from "/web/vendor/maplibre-gl.mjs";
import { addMissingIcon } from "/web/static/icons.js";
import { VesselFeed } from "/web/static/vessels.js";
import { AlertBoard } from "/web/static/alerts.js";

const picture = { ready: false, idle: false, vessels: 0, seq: -1, updatedAt: null };
window.__picture = picture;

const protocol = new pmtiles.Protocol();
maplibregl.addProtocol("pmtiles", protocol.tile);

const map = new maplibregl.Map({
  container: "map",
  style: "/web/style.json",
  attributionControl: { compact: true },
});
window.__map = map;
map.addControl(new maplibregl.NavigationControl({ visualizePitch: false }));
map.addControl(new maplibregl.ScaleControl({ unit: "nautical" }));
map.setMissingStyleImageResolver?.((id) => addMissingIcon(map, id));
map.on("idle", () => { picture.idle = true; });
map.on("data", (e) => { if (e.dataType === "source" && e.sourceId === "vessels") picture.idle = false; });

const status = document.getElementById("status");
const clock = (ms) => new Date(ms).toISOString().slice(11, 19) + " UTC";
let framed = false;

function onUpdate(feed, kind, rows) {
  if (kind === "reconnecting") {
    status.textContent = "connection lost: reconnecting…";
    // EventSource gives up on an HTTP error (an ended session): see whether to sign in.
    if (feed.source.readyState === EventSource.CLOSED) whoAmI();
    return;
  }
  if (kind === "snapshot") picture.alerts?.render(); // alerts placed by their vessels
  picture.vessels = feed.positions.size;
  picture.seq = feed.seq;
  picture.updatedAt = feed.updatedAt;
  picture.idle = false;
  status.textContent = `${feed.positions.size.toLocaleString()} vessels · updated ${clock(feed.updatedAt)}`;
  if (!framed && feed.positions.size > 0) {
    framed = true; // frame the picture once, on the first vessels; later the user steers
    const bounds = new maplibregl.LngLatBounds();
    for (const where of feed.positions.values()) bounds.extend(where);
    map.fitBounds(bounds, { padding: 40, maxZoom: 9, animate: false });
  }
}

let me = null; // the signed-in user, with the session's CSRF token

async function whoAmI() {
  const response = await fetch("/api/me");
  if (response.status === 401) {
    window.location.assign("/login?next=/");
    return;
  }
  me = await response.json();
  document.getElementById("user").textContent = `${me.username} · ${me.agency}`;
}

document.getElementById("logout").addEventListener("click", async () => {
  if (me) {
    await fetch("/api/auth/logout", { method: "POST", headers: { "X-CSRF-Token": me.csrf_token } });
  }
  window.location.assign("/login");
});

map.on("load", () => {
  const vessels = new VesselFeed(map, { onUpdate });
  const alerts = new AlertBoard(
    map,
    document.getElementById("alerts"),
    document.getElementById("alert-count"),
    vessels,
  );
  picture.feed = vessels;
  picture.alerts = alerts;
  vessels.start();
  alerts.start();
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: true });
  map.on("click", ["vessels", "vessels-dots"], (e) => {
    const drawn = e.features[0].properties; // what the map draws; the full row is the feed's
    const p = vessels.rows.get(drawn.mmsi) ?? drawn;
    const box = document.createElement("div");
    box.className = "vessel-popup";
    const name = document.createElement("strong");
    name.textContent = p.name || "(no name)";
    const ident = document.createElement("div");
    ident.className = "ltr";
    ident.textContent = `MMSI ${p.mmsi} · ${p.class}` + (p.sog != null ? ` · ${p.sog} kn` : "");
    box.append(name, ident);
    popup.setLngLat(e.features[0].geometry.coordinates).setDOMContent(box).addTo(map);
  });
  for (const layer of ["vessels", "vessels-dots", "alerts", "alerts-distress"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }
  picture.ready = true;
});

whoAmI();
