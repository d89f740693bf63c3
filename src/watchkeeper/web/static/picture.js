// The operational picture: a MapLibre map on the node's own style and basemap, the live
// vessels and the ranked alerts. For tests and benchmarks, `window.__map` is the map and
// `window.__picture` says what has arrived (`idle` is true once the map has drawn every
// change it was given).

import * as maplibregl from "/web/vendor/maplibre-gl.mjs";
import { addMissingIcon } from "/web/static/icons.js";
import { VesselFeed } from "/web/static/vessels.js";
import { ContactFeed, contactDetails } from "/web/static/contacts.js";
import { AlertBoard } from "/web/static/alerts.js";
import { AlertActions } from "/web/static/alert-actions.js";
import { Dossier } from "/web/static/dossier.js";
import { VesselSearch } from "/web/static/search.js";
import { LANGUAGES, onLanguage, preferred, remember, setLanguage, t, utc } from "/web/static/i18n.js";
import { Layers } from "/web/static/layers.js";
import { Replay } from "/web/static/replay.js";
import { AreaDrawer } from "/web/static/draw.js";

const picture = { ready: false, idle: false, vessels: 0, seq: -1, updatedAt: null };
window.__picture = picture;

// The words first (a small local file), so nothing is drawn untranslated.
const languages = document.getElementById("language");
for (const [code, { name }] of Object.entries(LANGUAGES)) {
  const option = new Option(name, code);
  option.lang = code;
  languages.append(option);
}
try {
  await setLanguage(preferred(null));
} catch (error) {
  console.error(error); // without its words the page still shows the map and the alerts
}
languages.value = document.documentElement.lang;
languages.addEventListener("change", async () => {
  remember(me?.username, languages.value);
  await setLanguage(languages.value);
});
picture.setLanguage = setLanguage;

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
map.on("data", (e) => {
  if (e.dataType === "source" && (e.sourceId === "vessels" || e.sourceId === "contacts")) picture.idle = false;
});

const status = document.getElementById("status");
const clock = (ms) => utc(ms).slice(11);
let framed = false;

function onUpdate(feed, kind, rows) {
  if (kind === "reconnecting") {
    status.textContent = t("status.reconnecting");
    // EventSource gives up on an HTTP error (an ended session): see whether to sign in.
    if (feed.source.readyState === EventSource.CLOSED) whoAmI();
    return;
  }
  if (kind === "snapshot") picture.alerts?.render(); // alerts placed by their vessels
  picture.vessels = feed.positions.size;
  picture.seq = feed.seq;
  picture.updatedAt = feed.updatedAt;
  picture.idle = false;
  showCount(feed);
  if (!framed && feed.positions.size > 0) {
    framed = true; // frame the picture once, on the first vessels; later the user steers
    const bounds = new maplibregl.LngLatBounds();
    for (const where of feed.positions.values()) bounds.extend(where);
    map.fitBounds(bounds, { padding: 40, maxZoom: 9, animate: false });
  }
}

function showCount(feed) {
  if (feed.updatedAt == null) return;
  status.textContent = t("status.vessels", { count: feed.positions.size, time: clock(feed.updatedAt) });
}

let me = null; // the signed-in user, with the session's CSRF token

async function whoAmI() {
  const response = await fetch("/api/me");
  if (response.status === 401) {
    window.location.assign("/login?next=/");
    return;
  }
  me = await response.json();
  showUser();
  const chosen = preferred(me.username); // the language this user chose last
  if (chosen !== document.documentElement.lang) {
    languages.value = chosen;
    await setLanguage(chosen);
  }
  picture.alerts?.render(); // the handling buttons depend on the roles
}

function showUser() {
  if (me) document.getElementById("user").textContent = t("header.user", { user: me.username, agency: me.agency });
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
  const contacts = new ContactFeed(map, { onUpdate: () => { picture.idle = false; } });
  picture.feed = vessels;
  picture.contacts = contacts;
  picture.alerts = alerts;
  vessels.start();
  contacts.start();
  alerts.start();
  // A vessel's dossier: a click on it (the nearest drawn within a few pixels), or a search.
  const dossier = new Dossier(map, document.getElementById("dossier"), {
    positions: () => vessels.positions,
  });
  picture.dossier = dossier;
  // Else a click on a sensor contact shows what its sensor reported.
  const contactPopup = new maplibregl.Popup({ closeButton: true, maxWidth: "280px" });
  picture.contactPopup = contactPopup;
  map.on("click", (e) => {
    const { x, y } = e.point;
    const box = [[x - 6, y - 6], [x + 6, y + 6]];
    const distance = (f) => {
      const p = map.project(f.geometry.coordinates);
      return (p.x - x) ** 2 + (p.y - y) ** 2;
    };
    const nearest = (features) => features.reduce((a, b) => (distance(b) < distance(a) ? b : a));
    const near = map.queryRenderedFeatures(box, { layers: ["vessels", "vessels-dots"] });
    if (near.length) {
      dossier.open(nearest(near).properties.mmsi);
      return;
    }
    const sighted = map.queryRenderedFeatures(box, { layers: ["contacts"] });
    if (!sighted.length) return;
    const contact = nearest(sighted);
    contactPopup.properties = contact.properties; // to say it again in another language
    contactPopup.setLngLat(contact.geometry.coordinates).setDOMContent(contactDetails(contact.properties)).addTo(map);
  });
  new VesselSearch(document.getElementById("search"), {
    onChoose: (mmsi) => dossier.open(mmsi, { fly: true }),
  });
  const actions = new AlertActions(document.getElementById("alert-actions"), { me: () => me });
  alerts.onSelect = (alert) => actions.show(alert);
  actions.onDone = (alert) => alerts.put(alert);
  onLanguage(() => {
    showUser();
    // While replaying, the status line is the replay's (replay.js draws it again).
    if (picture.replay?.state.mode !== "replay") showCount(vessels);
    alerts.render();
    dossier.render();
    if (contactPopup.isOpen()) contactPopup.setDOMContent(contactDetails(contactPopup.properties));
  });
  for (const layer of ["vessels", "vessels-dots", "contacts", "alerts", "alerts-distress"]) {
    map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
  }
  // Replay, extra layers and drawn areas (replay.js, layers.js, draw.js).
  const layers = new Layers(map, maplibregl);
  picture.layers = layers;
  layers.start();
  picture.replay = new Replay(map, { feed: vessels, contacts, alerts, status });
  picture.replay.start(document.getElementById("map"));
  picture.areas = new AreaDrawer(map, { onChange: () => layers.refreshZones() });
  picture.areas.start(document.querySelector("aside"));
  picture.ready = true;
});

whoAmI();
