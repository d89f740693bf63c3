// Replay: a time slider over the archive (GET /api/picture/span) that switches the map
// from live to "as it stood at T": vessels, sensor contacts and alerts from
// GET /api/picture?at=T (columnar: the live streams' own vessel and contact columns),
// and the hour of tracks before T from
// GET /api/tracks (columnar, thinned, in the view's box). Play steps T forward at a
// chosen speed; "back to live" reconnects the live streams.
//
// While replaying, the live streams are closed, so nothing they send can overwrite the
// replayed picture; back to live, the vessel stream sends a fresh snapshot and the alert
// stream the open alerts. At most one replay request is in flight: a T chosen meanwhile
// is loaded when it returns (the latest one only).
//
// Words come from the catalogs (i18n.js): the controls are marked `data-i18n`, and the
// time label, the status line and the note are drawn again on a language switch. Times
// are UTC with the local time beside (`timeElement`), left to right in Arabic too.

import { number, onLanguage, setText, t, timeElement, tNodes, translate, utc } from "/web/static/i18n.js";
import { contactFeatures } from "/web/static/contacts.js";

export const SPEEDS = [1, 10, 60, 600];
const TRACK_HOURS = 1;
const TICK_MS = 500; // how often play moves T on
const SPAN_REFRESH_MS = 30_000;

const iso = (ms) => new Date(ms).toISOString();

// The columnar picture as the stream's rows, which VesselFeed turns into features.
function vesselRows(columns) {
  const names = Object.keys(columns);
  const n = columns.mmsi.length;
  const rows = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = {};
    for (const name of names) row[name] = columns[name][i];
    rows[i] = row;
  }
  return rows;
}

function trackFeatures(columns) {
  // Rows come by vessel then time: cut the columns into one LineString per vessel.
  const { mmsi, lon, lat } = columns;
  const features = [];
  let from = 0;
  for (let i = 1; i <= mmsi.length; i++) {
    if (i < mmsi.length && mmsi[i] === mmsi[from]) continue;
    if (i - from >= 2) {
      const coordinates = [];
      for (let k = from; k < i; k++) coordinates.push([lon[k], lat[k]]);
      features.push({ type: "Feature", properties: { mmsi: mmsi[from] }, geometry: { type: "LineString", coordinates } });
    }
    from = i;
  }
  return features;
}

export class Replay {
  constructor(map, { feed, contacts, alerts, status, onLive }) {
    this.map = map;
    this.feed = feed; // VesselFeed: closed while replaying, restarted back to live
    this.contacts = contacts; // ContactFeed: likewise
    this.alerts = alerts; // AlertBoard: its list and points show the replayed alerts
    this.status = status;
    this.onLive = onLive ?? (() => {});
    // Read by tests: mode, at (ms), loaded (the T last drawn), playing, speed, loads.
    this.state = { mode: "live", at: null, loaded: null, playing: false, speed: SPEEDS[0], loads: 0, span: null };
    this.inFlight = false;
    this.wanted = null;
    this.timer = null;
    this.shown = null; // what the status line says while replaying: {count, at}
    this.noteMessage = null; // [key, vars] of the note, if any
    onLanguage(() => this.retranslate());
  }

  start(container) {
    container.append(this.build());
    this.refreshSpan();
    this.spanTimer = setInterval(() => { if (this.state.mode === "live") this.refreshSpan(); }, SPAN_REFRESH_MS);
  }

  build() {
    const bar = document.createElement("div");
    bar.id = "replay";
    bar.className = "replay-bar";
    this.modeLabel = document.createElement("span");
    this.modeLabel.className = "replay-mode";
    this.modeLabel.dataset.i18n = "replay.live";
    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.id = "replay-slider";
    this.slider.step = "1000";
    this.slider.disabled = true;
    this.slider.dataset.i18nAttr = "aria-label:replay.slider";
    this.slider.addEventListener("input", () => this.seek(Number(this.slider.value)));
    // Only ever a time: left to right, whatever the page's direction.
    this.timeLabel = document.createElement("output");
    this.timeLabel.id = "replay-time";
    this.timeLabel.className = "ltr";
    this.timeLabel.dir = "ltr";
    this.playButton = document.createElement("button");
    this.playButton.type = "button";
    this.playButton.id = "replay-play";
    this.playButton.dataset.i18n = "replay.play";
    this.playButton.disabled = true;
    this.playButton.addEventListener("click", () => (this.state.playing ? this.pause() : this.play()));
    this.speedSelect = document.createElement("select");
    this.speedSelect.id = "replay-speed";
    this.speedSelect.dataset.i18nAttr = "aria-label:replay.speed;title:replay.speed";
    for (const speed of SPEEDS) {
      const option = document.createElement("option");
      option.value = String(speed);
      this.speedSelect.append(option);
    }
    this.speedSelect.addEventListener("change", () => { this.state.speed = Number(this.speedSelect.value); });
    this.liveButton = document.createElement("button");
    this.liveButton.type = "button";
    this.liveButton.id = "replay-live";
    this.liveButton.dataset.i18n = "replay.backToLive";
    this.liveButton.disabled = true;
    this.liveButton.addEventListener("click", () => this.backToLive());
    this.note = document.createElement("span");
    this.note.className = "replay-note";
    this.note.setAttribute("role", "status");
    bar.append(this.modeLabel, this.playButton, this.speedSelect, this.slider, this.timeLabel, this.liveButton, this.note);
    translate(bar);
    this.showSpeeds();
    this.setNote("replay.noArchive"); // until the archive's span is known
    return bar;
  }

  showSpeeds() {
    for (const option of this.speedSelect.options) option.textContent = `${number(Number(option.value))}×`;
  }

  // The slider's moment: beside it, and as its spoken value.
  showTime(at) {
    this.timeLabel.replaceChildren(timeElement(at));
    this.slider.setAttribute("aria-valuetext", utc(at));
  }

  setNote(key, vars = {}) {
    this.noteMessage = key ? [key, vars] : null;
    this.note.textContent = key ? t(key, vars) : "";
  }

  showStatus() {
    if (this.state.mode !== "replay" || !this.shown) return;
    const { count, at } = this.shown;
    this.status.replaceChildren(...tNodes("replay.status", { count, time: timeElement(at) }));
  }

  // A language switch: `translate` did the marked controls; the rest is drawn again.
  retranslate() {
    this.showSpeeds();
    const shown = this.state.mode === "replay" ? this.state.at : this.state.span?.[1];
    if (shown != null) this.showTime(shown);
    this.setNote(...(this.noteMessage ?? [null]));
    this.showStatus();
  }

  async refreshSpan() {
    try {
      const response = await fetch("/api/picture/span");
      if (!response.ok) return;
      const span = await response.json();
      if (!span.start || !span.end) return;
      this.state.span = [Date.parse(span.start), Date.parse(span.end)];
    } catch {
      return;
    }
    const [start, end] = this.state.span;
    this.slider.min = String(start);
    this.slider.max = String(end);
    this.slider.disabled = false;
    this.playButton.disabled = false;
    if (this.noteMessage?.[0] === "replay.noArchive") this.setNote(null);
    if (this.state.mode === "live") {
      this.slider.value = String(end);
      this.showTime(end);
    }
  }

  // Move to T (ms): leave live if needed, then load it (throttled).
  seek(at) {
    if (!this.state.span) return;
    const [start, end] = this.state.span;
    at = Math.min(Math.max(at, start), end);
    if (this.state.mode === "live") this.leaveLive();
    this.state.at = at;
    this.slider.value = String(at);
    this.showTime(at);
    this.request(at);
  }

  leaveLive() {
    this.state.mode = "replay";
    this.feed.stop(); // changes it has not drawn yet would overwrite the replayed picture
    this.contacts?.stop();
    this.alerts.source?.close();
    setText(this.modeLabel, "replay.replay");
    this.liveButton.disabled = false;
    document.body.classList.add("replaying");
  }

  play() {
    if (!this.state.span) return;
    if (this.state.mode === "live") this.seek(this.state.span[0]);
    this.state.playing = true;
    setText(this.playButton, "replay.pause");
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const next = this.state.at + (now - last) * this.state.speed;
      last = now;
      if (next >= this.state.span[1]) {
        this.seek(this.state.span[1]);
        this.pause();
      } else {
        this.seek(next);
      }
    }, TICK_MS);
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
    this.state.playing = false;
    setText(this.playButton, "replay.play");
  }

  backToLive() {
    this.pause();
    this.state.mode = "live";
    this.state.at = null;
    this.state.loaded = null;
    this.wanted = null;
    this.shown = null;
    setText(this.modeLabel, "replay.live");
    this.liveButton.disabled = true;
    this.setNote(null);
    document.body.classList.remove("replaying");
    this.map.getSource("tracks")?.setData({ type: "FeatureCollection", features: [] });
    // Fresh live state: the vessel stream starts with a snapshot, the alert stream with
    // every open alert.
    this.alerts.alerts.clear();
    this.alerts.render();
    this.feed.start();
    this.contacts?.start();
    this.alerts.source = new EventSource("/api/alerts/stream");
    this.alerts.source.addEventListener("alert", (e) => this.alerts.put(JSON.parse(e.data)));
    this.refreshSpan();
    this.onLive();
  }

  request(at) {
    this.wanted = at;
    if (!this.inFlight) this.load();
  }

  async load() {
    this.inFlight = true;
    try {
      while (this.wanted !== null && this.state.mode === "replay") {
        const at = this.wanted;
        this.wanted = null;
        await this.draw(at);
      }
    } catch (error) {
      this.setNote("replay.failed", { reason: error.message });
    } finally {
      this.inFlight = false;
    }
  }

  async draw(at) {
    const b = this.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v, i) => Math.min(Math.max(v, i % 2 ? -90 : -180), i % 2 ? 90 : 180).toFixed(4)).join(",");
    const tracksUrl = `/api/tracks?format=columnar&resolution=60s&max_positions=200000`
      + `&start=${iso(at - TRACK_HOURS * 3600_000)}&end=${iso(at + 1)}&bbox=${bbox}`;
    const [picture, tracks] = await Promise.all([
      fetch(`/api/picture?format=columnar&at=${iso(at)}`),
      fetch(tracksUrl),
    ]);
    if (!picture.ok) throw new Error(`HTTP ${picture.status}`);
    const body = await picture.json();
    if (this.state.mode !== "replay") return; // back to live meanwhile
    const rows = vesselRows(body.vessels);
    this.feed.replace(rows);
    this.map.getSource("contacts")?.setData({ type: "FeatureCollection", features: contactFeatures(body.contacts ?? {}) });
    this.alerts.alerts = new Map(body.alerts.map((alert) => [alert.id, alert]));
    this.alerts.render();
    if (tracks.ok) {
      this.map.getSource("tracks")?.setData({ type: "FeatureCollection", features: trackFeatures(await tracks.json()) });
      this.setNote(null);
    } else {
      this.map.getSource("tracks")?.setData({ type: "FeatureCollection", features: [] });
      if (tracks.status === 422) this.setNote("replay.tracksTooMany");
      else this.setNote("replay.failed", { reason: `HTTP ${tracks.status}` });
    }
    this.state.loaded = at;
    this.state.loads += 1;
    this.shown = { count: rows.length, at };
    this.showStatus();
  }
}
