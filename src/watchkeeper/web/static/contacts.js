// Live sensor contacts (radar, patrol, aircraft, satellite, ground radar, camera): a
// snapshot, then diffs by contact id from /api/contacts/stream, applied to the
// `contacts` GeoJSON source with updateData (the style promotes `contact_id` to the
// feature id). A click on a contact shows what its sensor reported, in the page's
// language. Replay (replay.js) closes the stream and draws the contacts as they stood.

import { has, ltr, number, t, utc } from "/web/static/i18n.js";

function feature(row) {
  return {
    type: "Feature",
    id: row.contact_id,
    geometry: { type: "Point", coordinates: [row.lon, row.lat] },
    properties: row,
  };
}

// Features from the replay's columnar contacts (one array per column).
export function contactFeatures(columns) {
  const names = Object.keys(columns);
  const n = columns.contact_id?.length ?? 0;
  const features = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = {};
    for (const name of names) row[name] = columns[name][i];
    features[i] = feature(row);
  }
  return features;
}

export class ContactFeed {
  constructor(map, { onUpdate } = {}) {
    this.map = map;
    this.onUpdate = onUpdate ?? (() => {});
    this.count = 0;
    this.seq = -1;
    this.ids = new Set();
  }

  start() {
    this.source = new EventSource("/api/contacts/stream");
    this.source.addEventListener("snapshot", (e) => this.snapshot(JSON.parse(e.data)));
    this.source.addEventListener("changes", (e) => this.changes(JSON.parse(e.data)));
  }

  stop() {
    this.source?.close();
  }

  snapshot(message) {
    this.ids = new Set(message.contacts.map((row) => row.contact_id));
    this.map.getSource("contacts").setData({
      type: "FeatureCollection",
      features: message.contacts.map(feature),
    });
    this.seq = message.seq;
    this.onUpdate(this);
  }

  changes(message) {
    for (const row of message.upsert) this.ids.add(row.contact_id);
    for (const id of message.remove) this.ids.delete(id);
    this.map.getSource("contacts").updateData({
      remove: message.remove,
      add: message.upsert.map(feature),
    });
    this.seq = message.seq;
    this.onUpdate(this);
  }
}

function row(list, label, value) {
  const term = document.createElement("dt");
  term.textContent = label;
  const detail = document.createElement("dd");
  detail.append(value);
  list.append(term, detail);
}

// The popup's content for one contact's properties.
export function contactDetails(p) {
  const box = document.createElement("div");
  box.className = "contact-popup";
  const title = document.createElement("strong");
  const sensor = has(`sensor.${p.sensor}`) ? t(`sensor.${p.sensor}`) : String(p.sensor ?? "");
  title.textContent = sensor;
  const list = document.createElement("dl");
  row(list, t("contact.id"), ltr(String(p.contact_id)));
  if (p.sensor_id) row(list, t("contact.sensorId"), ltr(String(p.sensor_id)));
  row(list, t("contact.seen"), ltr(utc(p.ts)));
  if (p.speed_kn != null) row(list, t("contact.speed"), ltr(t("contact.speedValue", { speed: number(p.speed_kn) })));
  if (p.course != null) row(list, t("contact.course"), ltr(t("contact.courseValue", { course: number(p.course) })));
  if (p.classification) {
    const key = `contact.class.${p.classification}`;
    const name = has(key) ? t(key) : String(p.classification);
    const confidence = p.confidence != null ? ` (${number(p.confidence, { style: "percent" })})` : "";
    row(list, t("contact.classification"), name + confidence);
  }
  box.append(title, list);
  return box;
}
