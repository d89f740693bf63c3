// Find a vessel by MMSI, IMO number, name or call sign (GET /api/search?q=). The node
// audits every search, so the box asks only once typing pauses (DEBOUNCE_MS) and never
// twice for the same text. Choosing a result (click, or arrows and Enter) calls
// `onChoose(mmsi)`, which flies to the vessel and opens its dossier.

import { ltr, t, timeElement } from "/web/static/i18n.js";

export const DEBOUNCE_MS = 350;

export class VesselSearch {
  constructor(form, { onChoose }) {
    this.form = form;
    this.input = form.querySelector("#search-input");
    this.list = form.querySelector("#search-results");
    this.message = form.querySelector("#search-message");
    this.onChoose = onChoose;
    this.timer = null;
    this.asked = "";
    this.hits = [];
    this.active = -1;
    this.request = 0;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.active >= 0) this.choose(this.active);
      else this.search(true);
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(false), DEBOUNCE_MS);
    });
    this.input.addEventListener("keydown", (e) => this.key(e));
    this.list.addEventListener("click", (e) => {
      const item = e.target.closest("li[data-index]");
      if (item) this.choose(Number(item.dataset.index));
    });
    document.addEventListener("click", (e) => {
      if (!form.contains(e.target)) this.hide();
    });
  }

  async search(force) {
    clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (!q) {
      this.asked = "";
      this.hide();
      return;
    }
    if (q === this.asked && !force) return;
    this.asked = q;
    const request = ++this.request;
    let hits;
    try {
      const response = await fetch(`/api/search?${new URLSearchParams({ q, limit: "10" })}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      hits = await response.json();
    } catch (error) {
      if (request === this.request) this.say(t("search.failed", { reason: error.message }));
      return;
    }
    if (request !== this.request) return; // a newer search is under way
    this.show(hits, q);
  }

  show(hits, q) {
    this.hits = hits;
    this.active = -1;
    this.list.replaceChildren(...hits.map((hit, index) => this.item(hit, index)));
    this.list.hidden = hits.length === 0;
    this.input.setAttribute("aria-expanded", String(hits.length > 0));
    this.input.removeAttribute("aria-activedescendant");
    if (hits.length) this.say("");
    else this.say(t("search.none", { q }));
  }

  item(hit, index) {
    const li = document.createElement("li");
    li.id = `search-hit-${index}`;
    li.role = "option";
    li.dataset.index = String(index);
    li.dataset.mmsi = String(hit.mmsi);
    const name = document.createElement("strong");
    name.append(hit.name ? ltr(hit.name, "bdi") : t("dossier.noName"));
    const ids = document.createElement("div");
    ids.className = "meta";
    ids.append(ltr(`MMSI ${hit.mmsi}`));
    if (hit.imo != null) ids.append(" · ", ltr(`IMO ${hit.imo}`));
    if (hit.callsign) ids.append(" · ", ltr(hit.callsign));
    li.append(name, ids);
    if (!hit.current) {
      const former = document.createElement("div");
      former.className = "meta";
      const [before, after] = t("search.former", { value: "\u0000" }).split("\u0000");
      former.append(`${t(`search.matched.${hit.matched}`)}: ${before}`, ltr(hit.value, "bdi"), after ?? "");
      li.append(former);
    }
    if (hit.last_seen) {
      const seen = document.createElement("div");
      seen.className = "meta";
      const [before, after] = t("search.lastSeen", { time: "\u0000" }).split("\u0000");
      seen.append(before, timeElement(hit.last_seen), after ?? "");
      li.append(seen);
    }
    return li;
  }

  key(e) {
    if (e.key === "Escape") {
      this.hide();
      return;
    }
    if (!this.hits.length || this.list.hidden) return;
    if (e.key === "Enter" && this.active >= 0) {
      e.preventDefault();
      this.choose(this.active);
      return;
    }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.hits.length) % this.hits.length;
      for (const li of this.list.children) {
        li.setAttribute("aria-selected", String(Number(li.dataset.index) === this.active));
      }
      this.input.setAttribute("aria-activedescendant", `search-hit-${this.active}`);
      this.list.children[this.active]?.scrollIntoView({ block: "nearest" });
    }
  }

  choose(index) {
    const hit = this.hits[index];
    if (!hit) return;
    this.hide();
    this.onChoose(hit.mmsi);
  }

  hide() {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  say(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
  }
}
