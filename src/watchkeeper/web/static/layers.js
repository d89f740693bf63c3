// Layers beyond the live picture, and a small switcher for them:
// - zones: the imported and drawn ones from GET /api/zones (the default 12/24 nm zones
//   stay in the basemap); refreshed after an area is drawn or deleted;
// - ports: GET /api/ports as circles, the name on hover;
// - incidents: IOM Missing Migrants incidents from GET /api/incidents as a heatmap,
//   added only when the node has the file (an empty collection: no layer, no checkbox);
// - tracks: the replay's recent tracks (the source is filled by replay.js);
// - contacts: the style's sensor-contact layer (filled by contacts.js and replay.js),
//   switched here, with a legend of the symbol of each kind of sensor (translated).
// Every layer goes below the vessels, so vessels and alerts stay on top.
// The switcher's words are marked `data-i18n` (a language switch translates them); the
// heatmap's attribution is the source's, so the source is added again in the new language.

import { SENSOR_STYLES, drawContact } from "/web/static/icons.js";
import { onLanguage, t, translate } from "/web/static/i18n.js";

const BELOW = "vessels-dots"; // the lowest vessel layer: vessels stay above what is added
export const ZONES_URL = "/api/zones?origin=imported&origin=drawn";
const ZONE_LAYERS = ["default-zones-fill", "default-zones-line", "imported-zones-fill", "imported-zones-line"];

const empty = () => ({ type: "FeatureCollection", features: [] });

export class Layers {
  constructor(map, maplibregl) {
    this.map = map;
    this.maplibregl = maplibregl;
    this.groups = {
      zones: { key: "layers.zones", layers: ZONE_LAYERS },
      ports: { key: "layers.ports", layers: ["ports"] },
      incidents: { key: "layers.incidents", layers: ["incidents-heat"] },
      tracks: { key: "layers.tracks", layers: ["tracks"] },
      contacts: { key: "layers.contacts", layers: ["contacts"] },
    };
    this.visible = { zones: true, ports: true, incidents: false, tracks: true, contacts: true };
    this.incidents = 0; // features in the heatmap; 0: no layer
    this.ready = false;
    onLanguage(() => this.retranslate());
  }

  async start() {
    const map = this.map;
    map.addSource("tracks", { type: "geojson", data: empty() });
    map.addLayer({
      id: "tracks",
      type: "line",
      source: "tracks",
      paint: { "line-color": "#9ad0ec", "line-width": 1.2, "line-opacity": 0.6 },
    }, BELOW);
    map.addSource("ports", { type: "geojson", data: "/api/ports" });
    map.addLayer({
      id: "ports",
      type: "circle",
      source: "ports",
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 4, 2, 10, 5],
        "circle-color": "#d0d7de",
        "circle-stroke-color": "#0b1d2e",
        "circle-stroke-width": 1,
      },
    }, "tracks");
    this.refreshZones();
    this.hoverNames();
    this.control = this.switcher();
    map.addControl(this.control, "top-left");
    await this.addIncidents();
    this.ready = true;
  }

  refreshZones() {
    this.map.getSource("imported-zones")?.setData(ZONES_URL);
  }

  async addIncidents() {
    let collection;
    try {
      const response = await fetch("/api/incidents");
      if (!response.ok) return;
      collection = await response.json();
    } catch {
      return;
    }
    this.incidents = collection.features.length;
    if (!this.incidents) return; // no file on this node: no heatmap at all
    this.collection = collection;
    this.addHeatmap();
    this.addToggle("incidents");
  }

  addHeatmap() {
    this.map.addSource("incidents", {
      type: "geojson",
      data: this.collection,
      attribution: t("layers.incidentsAttribution"),
    });
    this.map.addLayer({
      id: "incidents-heat",
      type: "heatmap",
      source: "incidents",
      layout: { visibility: this.visible.incidents ? "visible" : "none" },
      paint: {
        // IOM's minimum estimate of dead and missing, on a log-like scale.
        "heatmap-weight": ["interpolate", ["linear"], ["coalesce", ["get", "dead_missing"], 1], 0, 0.2, 10, 0.6, 100, 1],
        "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 3, 8, 9, 25],
        "heatmap-opacity": 0.7,
      },
    }, "ports");
  }

  // The attribution is read from the source when it is added: add it again.
  retranslate() {
    if (!this.map.getSource("incidents")) return;
    this.map.removeLayer("incidents-heat");
    this.map.removeSource("incidents");
    this.addHeatmap();
  }

  hoverNames() {
    const popup = new this.maplibregl.Popup({ closeButton: false, closeOnClick: false });
    this.map.on("mouseenter", "ports", (e) => {
      this.map.getCanvas().style.cursor = "pointer";
      const p = e.features[0].properties;
      const box = document.createElement("div");
      box.className = "port-popup";
      box.textContent = p.name + (p.unlocode ? ` (${p.unlocode})` : "");
      popup.setLngLat(e.features[0].geometry.coordinates).setDOMContent(box).addTo(this.map);
    });
    this.map.on("mouseleave", "ports", () => {
      this.map.getCanvas().style.cursor = "";
      popup.remove();
    });
  }

  setVisible(group, on) {
    this.visible[group] = on;
    for (const id of this.groups[group].layers) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, "visibility", on ? "visible" : "none");
    }
  }

  switcher() {
    const box = document.createElement("fieldset");
    box.className = "maplibregl-ctrl layer-switcher";
    box.id = "layer-switcher";
    const legend = document.createElement("legend");
    legend.dataset.i18n = "layers.title";
    legend.textContent = t("layers.title");
    box.append(legend);
    this.box = box;
    for (const group of ["zones", "ports", "tracks"]) this.addToggle(group);
    this.addContactLegend();
    return { onAdd: () => box, onRemove: () => box.remove() };
  }

  // The contacts' toggle, then one line per kind of sensor: its symbol and its name.
  addContactLegend() {
    this.addToggle("contacts");
    const legend = document.createElement("ul");
    legend.className = "contact-legend";
    legend.id = "contact-legend";
    for (const sensor of Object.keys(SENSOR_STYLES)) {
      if (sensor === "other") continue;
      const item = document.createElement("li");
      item.dataset.sensor = sensor;
      // An image, not a canvas: the map's own canvas stays the only one in #map.
      const swatch = document.createElement("img");
      swatch.src = drawContact(sensor, 32).toDataURL();
      swatch.alt = "";
      swatch.className = "contact-swatch";
      const name = document.createElement("span");
      name.dataset.i18n = `sensor.${sensor}`; // translated again with the page
      name.textContent = t(name.dataset.i18n);
      item.append(swatch, name);
      legend.append(item);
    }
    this.box.append(legend);
  }

  addToggle(group) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = group;
    input.checked = this.visible[group];
    input.addEventListener("change", () => this.setVisible(group, input.checked));
    const name = document.createElement("span");
    name.dataset.i18n = this.groups[group].key;
    label.append(input, " ", name);
    translate(label);
    this.box.append(label);
    return label;
  }
}
