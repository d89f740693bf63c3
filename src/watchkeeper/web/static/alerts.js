// The open alerts from /api/alerts/stream: a ranked list beside the map and points on
// it, in sync. Ranked as the node ranks them: distress first, then priority, score,
// newest start, newest id. Distress points are drawn by the style's top layer.

import { has, number, t, timeElement } from "/web/static/i18n.js";

const OPEN = new Set(["new", "acknowledged", "assigned"]);

export function rank(a, b) {
  return (
    Number(b.distress) - Number(a.distress) ||
    a.priority - b.priority ||
    b.score - a.score ||
    Date.parse(b.start) - Date.parse(a.start) ||
    b.id - a.id
  );
}

export class AlertBoard {
  constructor(map, list, count, vessels) {
    this.map = map;
    this.list = list;
    this.count = count;
    this.vessels = vessels; // VesselFeed, for the position of an alert that has none
    this.alerts = new Map(); // id -> alert
    this.selected = null;
    this.ranked = [];
    this.onSelect = null; // called with the selected alert (or null) after each render
  }

  start() {
    this.source = new EventSource("/api/alerts/stream");
    this.source.addEventListener("alert", (e) => this.put(JSON.parse(e.data)));
    this.list.addEventListener("click", (e) => {
      const item = e.target.closest("li[data-alert-id]");
      if (item) this.select(Number(item.dataset.alertId), { fly: true });
    });
    this.list.addEventListener("keydown", (e) => {
      const item = e.target.closest("li[data-alert-id]");
      if (item && (e.key === "Enter" || e.key === " ")) {
        e.preventDefault();
        this.select(Number(item.dataset.alertId), { fly: true });
      }
    });
    for (const layer of ["alerts", "alerts-distress"]) {
      this.map.on("click", layer, (e) => this.select(e.features[0].properties.id, { fly: false }));
    }
  }

  put(alert) {
    if (OPEN.has(alert.status)) this.alerts.set(alert.id, alert);
    else this.alerts.delete(alert.id);
    this.render();
  }

  position(alert) {
    if (alert.lon != null && alert.lat != null) return [alert.lon, alert.lat];
    for (const mmsi of alert.mmsi) {
      const where = this.vessels.positions.get(mmsi);
      if (where) return where;
    }
    return null;
  }

  render() {
    this.ranked = [...this.alerts.values()].sort(rank);
    this.count.textContent = t("alerts.count", { count: this.ranked.length });
    this.list.replaceChildren(...this.ranked.map((alert) => this.item(alert)));
    const features = [];
    for (const alert of this.ranked) {
      const where = this.position(alert);
      if (!where) continue;
      features.push({
        type: "Feature",
        id: alert.id,
        geometry: { type: "Point", coordinates: where },
        properties: {
          id: alert.id,
          type: alert.type,
          distress: alert.distress,
          priority: alert.priority,
          selected: alert.id === this.selected,
        },
      });
    }
    this.map.getSource("alerts").setData({ type: "FeatureCollection", features });
    this.onSelect?.(this.selected == null ? null : this.alerts.get(this.selected) ?? null);
  }

  item(alert) {
    const li = document.createElement("li");
    li.dataset.alertId = String(alert.id);
    li.dataset.status = alert.status;
    li.tabIndex = 0;
    li.className = `p${alert.priority}` + (alert.distress ? " distress" : "");
    if (alert.id === this.selected) li.classList.add("selected");
    const type = document.createElement("div");
    type.className = "type";
    const typeKey = `alert.type.${alert.type}`;
    type.textContent = has(typeKey) ? t(typeKey) : alert.type.replaceAll("_", " ");
    const vessels = document.createElement("div");
    vessels.className = "meta ltr";
    vessels.dir = "ltr";
    vessels.textContent = alert.mmsi.length ? `MMSI ${alert.mmsi.join(", ")}` : alert.contact_ids.join(", ");
    const when = document.createElement("div");
    when.className = "meta";
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = t(`alert.status.${alert.status}`);
    const score = number(alert.score, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    when.append(timeElement(alert.start), " · ", status, ` · ${t("alerts.score", { score })}`);
    if (alert.assignee) when.append(" · ", t("alerts.assignee", { user: alert.assignee }));
    li.append(type, vessels, when);
    return li;
  }

  select(id, { fly }) {
    this.selected = id;
    this.render();
    const alert = this.alerts.get(id);
    const item = this.list.querySelector(`li[data-alert-id="${id}"]`);
    item?.scrollIntoView({ block: "nearest" });
    if (!alert) return;
    const where = this.position(alert);
    if (fly && where) this.map.flyTo({ center: where, zoom: Math.max(this.map.getZoom(), 9) });
  }
}
