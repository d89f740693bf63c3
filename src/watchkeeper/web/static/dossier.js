// A vessel's dossier in a panel beside the map (GET /api/vessels/{mmsi}/dossier):
// identity and its history, flag from the MID, latest state, recent track (drawn on
// the map as the `dossier-track` line layer, under the vessels) and its events and
// alerts. Opened by a click on a vessel or a search result; closed by its button or
// Escape, focus going back where it was.

import { has, language, ltr, number, t, timeElement, tNodes } from "/web/static/i18n.js";

const TRACK_SOURCE = "dossier-track";
const TRACK_LAYER = "dossier-track";
const BELOW = "vessels-dots"; // the track is drawn under the vessels (dots and icons) and the alerts

// ITU-R M.1371 ship type to the picture's classes (watchkeeper.ais.shiptypes).
export function shipClass(type, mmsi) {
  const series = Math.floor(mmsi / 1e6);
  if ([970, 972, 974].includes(series) || type === 51) return "sar";
  if (type >= 70 && type <= 79) return "cargo";
  if (type >= 80 && type <= 89) return "tanker";
  if (type >= 60 && type <= 69) return "passenger";
  if (type === 30) return "fishing";
  if (type === 36 || type === 37) return "pleasure";
  return "other";
}

function el(tag, { className, text, key, vars } = {}) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (key) element.textContent = t(key, vars);
  else if (text != null) element.textContent = text;
  return element;
}

// A <dl> row: a translated term, then one or more nodes.
function row(dl, key, ...values) {
  dl.append(el("dt", { key }));
  const dd = el("dd");
  dd.append(...values);
  dl.append(dd);
  return dd;
}

const coordinate = (lat, lon) => `${lat.toFixed(5)}, ${lon.toFixed(5)}`;

export class Dossier {
  constructor(map, panel, { positions }) {
    this.map = map;
    this.panel = panel;
    this.body = panel.querySelector("#dossier-body");
    this.positions = positions; // () => Map mmsi -> [lon, lat]
    this.mmsi = null;
    this.data = null;
    this.returnFocus = null;
    this.request = 0;
    panel.querySelector("#dossier-close").addEventListener("click", () => this.close());
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
  }

  async open(mmsi, { fly = false } = {}) {
    if (this.panel.hidden) this.returnFocus = document.activeElement;
    this.mmsi = mmsi;
    this.data = null;
    const request = ++this.request;
    this.panel.hidden = false;
    this.panel.dataset.mmsi = String(mmsi);
    this.panel.dataset.state = "loading";
    this.body.replaceChildren(el("p", { key: "dossier.loading" }));
    this.map.resize();
    this.panel.focus();
    const where = this.positions().get(mmsi);
    if (fly && where) this.map.flyTo({ center: where, zoom: Math.max(this.map.getZoom(), 10) });
    let response;
    try {
      response = await fetch(`/api/vessels/${mmsi}/dossier?hours=6&track=line`);
    } catch (error) {
      return this.fail(request, String(error));
    }
    if (request !== this.request) return; // another vessel was chosen meanwhile
    if (response.status === 404) return this.fail(request, null);
    if (!response.ok) return this.fail(request, `HTTP ${response.status}`);
    this.data = await response.json();
    if (request !== this.request) return;
    this.panel.dataset.state = "open";
    this.render();
    this.drawTrack(this.data.track);
    if (fly && !where && this.data.latest) {
      const { lon, lat } = this.data.latest;
      this.map.flyTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), 10) });
    }
  }

  fail(request, reason) {
    if (request !== this.request) return;
    this.panel.dataset.state = "failed";
    this.body.replaceChildren(
      el("p", reason == null ? { key: "dossier.notFound" } : { key: "dossier.failed", vars: { reason } }),
    );
    this.drawTrack(null);
  }

  close() {
    if (this.panel.hidden) return;
    this.request++;
    this.panel.hidden = true;
    this.mmsi = null;
    this.data = null;
    delete this.panel.dataset.mmsi;
    this.panel.dataset.state = "closed";
    this.drawTrack(null);
    this.map.resize();
    if (this.returnFocus?.isConnected) this.returnFocus.focus();
    this.returnFocus = null;
  }

  // Redraw in the current language (called when it changes).
  render() {
    if (!this.data) return;
    const d = this.data;
    const id = d.identity;
    const parts = [];

    const name = el("h3", { className: "vessel-name" });
    name.id = "dossier-name";
    name.append(id.name ? ltr(id.name, "bdi") : t("dossier.noName"));
    parts.push(name);

    const identity = el("dl", { className: "identity" });
    const mmsi = row(identity, "dossier.mmsi", ltr(String(d.mmsi)));
    mmsi.firstChild.id = "dossier-mmsi";
    if (!d.mmsi_valid) mmsi.append(" ", el("span", { className: "warn", key: "dossier.mmsiInvalid" }));
    row(identity, "dossier.callsign", id.callsign ? ltr(id.callsign) : t("dossier.unknown"));
    const imo = row(identity, "dossier.imo", id.imo != null ? ltr(String(id.imo)) : t("dossier.unknown"));
    if (id.imo != null) {
      const valid = id.imo_valid;
      imo.append(" ", el("span", {
        className: valid ? "ok" : "warn",
        key: valid ? "dossier.imoValid" : "dossier.imoInvalid",
      }));
      imo.dataset.imoValid = String(valid);
    }
    const cls = shipClass(id.ship_type, d.mmsi);
    row(identity, "dossier.shipType", t(`class.${cls}`), id.ship_type != null ? ` (${id.ship_type})` : "");
    identity.append(el("dt", { key: "dossier.flag", vars: { mid: d.mid != null ? String(d.mid) : "—" } }));
    const flag = el("dd");
    if (d.flag) {
      let country = d.flag;
      try {
        country = new Intl.DisplayNames([language()], { type: "region" }).of(d.flag) ?? d.flag;
      } catch { /* an unknown region code: show the code */ }
      flag.append(country, " ", ltr(`(${d.flag})`));
    } else {
      flag.textContent = t("dossier.unknown");
    }
    identity.append(flag);
    parts.push(el("h4", { key: "dossier.identity" }), identity);

    parts.push(el("h4", { key: "dossier.history" }));
    if (d.identity_history.length) {
      const list = el("ul", { className: "history" });
      for (const entry of d.identity_history) {
        const li = el("li");
        li.dataset.field = entry.field;
        li.append(
          el("span", { className: "field", key: `dossier.historyField.${entry.field}` }),
          " ",
          ltr(entry.value, "bdi"),
        );
        if (entry.field === "imo" && entry.imo_valid === false) {
          li.append(" ", el("span", { className: "warn", key: "dossier.imoInvalid" }));
        }
        const seen = el("div", { className: "meta" });
        if (entry.first_seen && entry.last_seen) {
          seen.append(timeElement(entry.first_seen), " – ", timeElement(entry.last_seen), " · ");
        }
        seen.append(t("dossier.reports", { count: entry.reports }));
        li.append(seen);
        list.append(li);
      }
      parts.push(list);
    } else {
      parts.push(el("p", { className: "meta", key: "dossier.noHistory" }));
    }

    parts.push(el("h4", { key: "dossier.latest" }));
    if (d.latest) {
      const s = d.latest;
      const state = el("dl", { className: "latest" });
      row(state, "dossier.position", ltr(coordinate(s.lat, s.lon)));
      if (s.sog != null) {
        row(state, "dossier.speed", t("dossier.speedValue", { sog: number(s.sog, { maximumFractionDigits: 1 }) }));
      }
      if (s.cog != null) {
        // Angles read left to right, like coordinates ("47.5°", not "°47.5").
        row(state, "dossier.course", ltr(t("dossier.courseValue", { cog: number(s.cog, { maximumFractionDigits: 1 }) })));
      }
      if (s.heading != null && s.heading !== 511) row(state, "dossier.heading", ltr(`${number(s.heading)}°`));
      if (s.nav_status != null && has(`nav.${s.nav_status}`)) {
        row(state, "dossier.navStatus", t(`nav.${s.nav_status}`));
      }
      if (s.ts) row(state, "dossier.reported", timeElement(s.ts));
      parts.push(state);
    } else {
      parts.push(el("p", { className: "meta", key: "dossier.noLatest" }));
    }

    parts.push(el("h4", { key: "dossier.track" }));
    const line = d.track?.features?.find((f) => f.geometry.type === "LineString");
    if (line) {
      const p = el("p", { className: "meta track" });
      p.append(...tNodes("dossier.trackPositions", { count: line.properties.positions, time: timeElement(line.properties.start) }));
      parts.push(p);
    } else {
      parts.push(el("p", { className: "meta", key: "dossier.noTrack" }));
    }

    parts.push(el("h4", { key: "dossier.events" }));
    parts.push(this.happenings(d.events, "dossier.noEvents", "events"));
    parts.push(el("h4", { key: "dossier.alerts" }));
    parts.push(this.happenings(d.alerts, "dossier.noAlerts", "alerts"));
    this.body.replaceChildren(...parts);
  }

  // Events or alerts: type, status (alerts), start time.
  happenings(items, none, className) {
    if (!items.length) return el("p", { className: "meta", key: none });
    const list = el("ul", { className });
    for (const item of items) {
      const li = el("li", { className: item.distress ? "distress" : "" });
      const key = `alert.type.${item.type}`;
      li.append(el("span", { className: "type", text: has(key) ? t(key) : item.type }));
      if (item.status) li.append(" · ", el("span", { className: "status", key: `alert.status.${item.status}` }));
      li.append(el("br"), timeElement(item.start));
      if (item.id != null) li.dataset.alertId = String(item.id);
      list.append(li);
    }
    return list;
  }

  drawTrack(collection) {
    const data = collection ?? { type: "FeatureCollection", features: [] };
    const source = this.map.getSource(TRACK_SOURCE);
    if (source) {
      source.setData(data);
      return;
    }
    if (!collection) return;
    // No simplification: a slow boat's track is short and every fix counts.
    this.map.addSource(TRACK_SOURCE, { type: "geojson", data, tolerance: 0 });
    this.map.addLayer(
      {
        id: TRACK_LAYER,
        type: "line",
        source: TRACK_SOURCE,
        filter: ["==", ["geometry-type"], "LineString"],
        layout: { "line-join": "round", "line-cap": "round" },
        paint: { "line-color": "#5fd3f3", "line-width": 2.5, "line-opacity": 0.9 },
      },
      this.map.getLayer(BELOW) ? BELOW : undefined,
    );
  }
}
