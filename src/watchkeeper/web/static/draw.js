// Areas of interest drawn on the map, each with an alert rule.
// Click points to draw a polygon; double-click or Enter finishes it, Escape cancels,
// Backspace takes the last point back. Then name it and choose the rule (event types,
// least score, priority): the area is saved with POST /api/zones and the rule with
// POST /api/alert-rules (named after the area, `zone` = the area's name). The API's
// errors (422 pointing into the geometry, 409 on a name in use) are shown next to the
// form. The drawn areas are listed with a delete button (their rules go first: the API
// refuses to delete an area a rule names).
//
// The panel's words are marked `data-i18n` (a language switch translates them); the list
// of areas, whose rules are sentences with numbers in them, is drawn again.

import { has, language, number, onLanguage, setText, t, translate } from "/web/static/i18n.js";

const SOURCE = "draw";
const BELOW = "vessels-dots"; // under the vessels (dots and icons); distress stays the top layer
const empty = () => ({ type: "FeatureCollection", features: [] });

function errorLines(status, body) {
  // FastAPI's 422: detail is a list of {loc, msg}; others: detail is a sentence.
  if (Array.isArray(body?.detail)) {
    return body.detail.map((e) => `${(e.loc ?? []).filter((p) => p !== "body").join(".")}: ${e.msg}`);
  }
  return [`${status}: ${body?.detail ?? t("areas.error")}`];
}

// An event type's name in the page's language (the alerts' own names).
function typeName(type) {
  const key = `alert.type.${type}`;
  return has(key) ? t(key) : type.replaceAll("_", " ");
}

// A marked element: its text is the message `key`, in whatever language is chosen.
function said(tag, key, props = {}) {
  const element = Object.assign(document.createElement(tag), props);
  element.dataset.i18n = key;
  element.textContent = t(key);
  return element;
}

export class AreaDrawer {
  constructor(map, { onChange } = {}) {
    this.map = map;
    this.onChange = onChange ?? (() => {});
    this.points = [];
    this.drawing = false;
    this.savedArea = null; // the area saved when its rule was refused: retry the rule only
    this.areas = []; // the drawn areas listed, for tests
    onLanguage(() => this.list && this.showList());
  }

  async start(container) {
    this.map.addSource(SOURCE, { type: "geojson", data: empty() });
    this.map.addLayer({ id: "draw-fill", type: "fill", source: SOURCE, filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#e056fd", "fill-opacity": 0.15 } }, BELOW);
    this.map.addLayer({ id: "draw-line", type: "line", source: SOURCE, paint: { "line-color": "#e056fd", "line-width": 2, "line-dasharray": [2, 1] } }, BELOW);
    this.map.addLayer({ id: "draw-points", type: "circle", source: SOURCE, filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#e056fd" } }, BELOW);
    container.append(this.build());
    this.map.on("click", (e) => this.drawing && this.add([e.lngLat.lng, e.lngLat.lat]));
    this.map.on("dblclick", (e) => {
      if (!this.drawing) return;
      e.preventDefault();
      this.finish();
    });
    document.addEventListener("keydown", (e) => this.key(e));
    this.types = await this.eventTypes();
    this.fillTypes();
    await this.refresh();
  }

  async eventTypes() {
    try {
      const spec = await (await fetch("/openapi.json")).json();
      return spec.components.schemas.RuleIn.properties.types.items.enum;
    } catch {
      return [];
    }
  }

  build() {
    const section = document.createElement("section");
    section.id = "areas";
    section.className = "areas";
    const h = said("h2", "areas.title");
    this.drawButton = said("button", "areas.draw", { type: "button", id: "draw-area" });
    this.drawButton.addEventListener("click", () => this.begin());
    this.hint = document.createElement("p");
    this.hint.className = "hint";
    this.hint.setAttribute("role", "status");
    this.form = this.buildForm();
    this.list = document.createElement("ul");
    this.list.id = "area-list";
    this.list.dataset.i18nAttr = "aria-label:areas.list";
    section.append(h, this.drawButton, this.hint, this.form, this.list);
    translate(section);
    return section;
  }

  buildForm() {
    const form = document.createElement("form");
    form.id = "area-form";
    form.hidden = true;
    const field = (key, input) => {
      const l = document.createElement("label");
      l.append(said("span", key), input);
      return l;
    };
    this.nameInput = Object.assign(document.createElement("input"), { name: "name", required: true, maxLength: 200 });
    this.typesBox = document.createElement("fieldset");
    this.typesBox.className = "types";
    this.typesBox.append(said("legend", "areas.types"));
    this.scoreInput = Object.assign(document.createElement("input"), { name: "min_score", type: "number", min: "0", max: "1", step: "0.05", value: "0.5" });
    this.prioritySelect = Object.assign(document.createElement("select"), { name: "priority" });
    this.prioritySelect.append(said("option", "areas.noPriority", { value: "" }));
    for (const value of ["1", "2", "3", "4"]) {
      this.prioritySelect.append(Object.assign(document.createElement("option"), { value, textContent: value }));
    }
    this.errors = document.createElement("ul");
    this.errors.id = "area-errors";
    this.errors.className = "errors";
    this.errors.setAttribute("role", "alert");
    this.saveButton = said("button", "areas.save", { type: "submit" });
    const cancel = said("button", "areas.cancel", { type: "button" });
    cancel.addEventListener("click", () => this.cancel());
    form.append(
      field("areas.name", this.nameInput),
      this.typesBox,
      field("areas.minScore", this.scoreInput),
      field("areas.priority", this.prioritySelect),
      this.errors,
      this.saveButton,
      cancel,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    return form;
  }

  fillTypes() {
    for (const type of this.types) {
      const input = Object.assign(document.createElement("input"), { type: "checkbox", name: "types", value: type });
      const name = document.createElement("span");
      if (has(`alert.type.${type}`)) name.dataset.i18n = `alert.type.${type}`;
      name.textContent = typeName(type);
      const label = document.createElement("label");
      label.append(input, " ", name);
      this.typesBox.append(label);
    }
  }

  begin() {
    this.cancel();
    this.drawing = true;
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = "crosshair";
    setText(this.hint, "areas.drawing");
  }

  add(point) {
    this.points.push(point);
    this.render();
  }

  key(e) {
    if (!this.drawing) return;
    if (e.key === "Enter") { e.preventDefault(); this.finish(); }
    else if (e.key === "Escape") { e.preventDefault(); this.cancel(); }
    else if (e.key === "Backspace") { e.preventDefault(); this.points.pop(); this.render(); }
  }

  ring() {
    return [...this.points, this.points[0]];
  }

  render() {
    const features = this.points.map((p) => ({ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: p } }));
    if (this.points.length >= 3) {
      features.push({ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [this.ring()] } });
    } else if (this.points.length === 2) {
      features.push({ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: this.points } });
    }
    this.map.getSource(SOURCE).setData({ type: "FeatureCollection", features });
  }

  finish() {
    // A double-click also sends two clicks: drop a repeated last point.
    const [a, b] = this.points.slice(-2);
    if (a && b && a[0] === b[0] && a[1] === b[1]) this.points.pop();
    if (this.points.length < 3) {
      setText(this.hint, "areas.needThree");
      return;
    }
    this.drawing = false;
    this.map.getCanvas().style.cursor = "";
    setTimeout(() => this.map.doubleClickZoom.enable(), 0);
    setText(this.hint, null);
    this.form.hidden = false;
    this.nameInput.focus();
  }

  cancel() {
    this.drawing = false;
    this.points = [];
    this.savedArea = null;
    this.map.getCanvas().style.cursor = "";
    this.map.doubleClickZoom.enable();
    setText(this.hint, null);
    this.form.hidden = true;
    this.form.reset();
    this.errors.replaceChildren();
    setText(this.saveButton, "areas.save");
    this.nameInput.disabled = false;
    this.render();
  }

  async send(method, url, body) {
    if (!this.csrf) {
      const me = await fetch("/api/me");
      if (!me.ok) throw new Error(t("areas.signIn"));
      this.csrf = (await me.json()).csrf_token;
    }
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": this.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { detail: text }; }
    return { ok: response.ok, status: response.status, body: parsed };
  }

  showErrors(lines) {
    // A line is the API's text (as it came), or an element marked for translation.
    const item = (line) => (line instanceof Node ? line : Object.assign(document.createElement("li"), { textContent: line }));
    this.errors.replaceChildren(...lines.map(item));
  }

  async save() {
    this.errors.replaceChildren();
    const name = this.nameInput.value.trim();
    if (!this.savedArea) {
      const area = await this.send("POST", "/api/zones", { name, geometry: { type: "Polygon", coordinates: [this.ring()] } });
      if (!area.ok) {
        this.showErrors(errorLines(area.status, area.body));
        return;
      }
      this.savedArea = area.body;
      this.onChange();
    }
    const areaName = this.savedArea.properties.name;
    const priority = this.prioritySelect.value;
    const rule = await this.send("POST", "/api/alert-rules", {
      name: areaName,
      zone: areaName,
      types: [...this.typesBox.querySelectorAll("input:checked")].map((i) => i.value),
      min_score: Number(this.scoreInput.value),
      priority: priority ? Number(priority) : null,
    });
    if (!rule.ok) {
      // The area stands; fix the rule and save again (only the rule is sent then).
      this.nameInput.disabled = true;
      setText(this.saveButton, "areas.saveRule");
      this.showErrors([said("li", "areas.areaSaved"), ...errorLines(rule.status, rule.body)]);
      await this.refresh();
      return;
    }
    this.cancel();
    await this.refresh();
  }

  async refresh() {
    const [zones, rules] = await Promise.all([
      fetch("/api/zones?origin=drawn").then((r) => (r.ok ? r.json() : empty())),
      fetch("/api/alert-rules").then((r) => (r.ok ? r.json() : [])),
    ]);
    this.areas = zones.features.map((f) => ({
      id: f.properties.id,
      name: f.properties.name,
      rules: rules.filter((r) => r.zone === f.properties.name),
    }));
    this.showList();
  }

  showList() {
    if (!this.areas.length) {
      this.list.replaceChildren(said("li", "areas.none", { className: "none" }));
      return;
    }
    this.list.replaceChildren(...this.areas.map((area) => this.item(area)));
  }

  // "Rule: zone entry or loitering, score ≥ 0.7 · priority 2", in the page's language.
  ruleText(rule) {
    const types = rule.types.length
      ? new Intl.ListFormat(language(), { type: "disjunction" }).format(rule.types.map(typeName))
      : t("areas.allTypes");
    const text = t("areas.rule", { types, score: number(rule.min_score) });
    return rule.priority ? `${text} · ${t("areas.rulePriority", { priority: number(rule.priority) })}` : text;
  }

  item(area) {
    const li = document.createElement("li");
    li.dataset.areaId = String(area.id);
    const name = Object.assign(document.createElement("strong"), { textContent: area.name, dir: "auto" });
    const rules = document.createElement("div");
    rules.className = "meta";
    for (const rule of area.rules) {
      rules.append(Object.assign(document.createElement("div"), { className: "rule", textContent: this.ruleText(rule) }));
    }
    const remove = said("button", "areas.delete", { type: "button" });
    remove.addEventListener("click", () => this.remove(area, li));
    li.append(name, rules, remove);
    return li;
  }

  async remove(area, li) {
    for (const rule of area.rules) {
      if (rule.id == null) continue; // the settings' rules are not ours to delete
      const gone = await this.send("DELETE", `/api/alert-rules/${rule.id}`);
      if (!gone.ok && gone.status !== 404) return this.itemError(li, errorLines(gone.status, gone.body));
    }
    const gone = await this.send("DELETE", `/api/zones/${area.id}`);
    if (!gone.ok && gone.status !== 404) return this.itemError(li, errorLines(gone.status, gone.body));
    this.onChange();
    await this.refresh();
  }

  itemError(li, lines) {
    const p = Object.assign(document.createElement("p"), { className: "errors", textContent: lines.join("; ") });
    p.setAttribute("role", "alert");
    li.append(p);
  }
}
