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

import { contactFeatures } from "/web/static/contacts.js";

export const STRINGS = {
  live: "Live",
  replay: "Replay",
  play: "Play",
  pause: "Pause",
  backToLive: "Back to live",
  speed: "Speed",
  slider: "replay time",
  noArchive: "no archive to replay yet",
  replaying: "Replay",
  vessels: "vessels",
  tracksTooMany: "tracks left out: too many in view, zoom in",
  loadFailed: "replay failed",
};

export const SPEEDS = [1, 10, 60, 600];
const TRACK_HOURS = 1;
const TICK_MS = 500; // how often play moves T on
const SPAN_REFRESH_MS = 30_000;

const utc = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";
const iso = (ms) => new Date(ms).toISOString();

function vesselFeatures(columns) {
  const names = Object.keys(columns);
  const n = columns.mmsi.length;
  const features = new Array(n);
  for (let i = 0; i < n; i++) {
    const properties = {};
    for (const name of names) properties[name] = columns[name][i];
    features[i] = {
      type: "Feature",
      id: properties.mmsi,
      geometry: { type: "Point", coordinates: [properties.lon, properties.lat] },
      properties,
    };
  }
  return features;
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
    this.modeLabel.textContent = STRINGS.live;
    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.id = "replay-slider";
    this.slider.step = "1000";
    this.slider.disabled = true;
    this.slider.setAttribute("aria-label", STRINGS.slider);
    this.slider.addEventListener("input", () => this.seek(Number(this.slider.value)));
    this.timeLabel = document.createElement("output");
    this.timeLabel.id = "replay-time";
    this.timeLabel.className = "ltr";
    this.timeLabel.textContent = STRINGS.noArchive;
    this.playButton = document.createElement("button");
    this.playButton.type = "button";
    this.playButton.id = "replay-play";
    this.playButton.textContent = STRINGS.play;
    this.playButton.disabled = true;
    this.playButton.addEventListener("click", () => (this.state.playing ? this.pause() : this.play()));
    this.speedSelect = document.createElement("select");
    this.speedSelect.id = "replay-speed";
    this.speedSelect.setAttribute("aria-label", STRINGS.speed);
    for (const speed of SPEEDS) {
      const option = document.createElement("option");
      option.value = String(speed);
      option.textContent = `${speed}×`;
      this.speedSelect.append(option);
    }
    this.speedSelect.addEventListener("change", () => { this.state.speed = Number(this.speedSelect.value); });
    this.liveButton = document.createElement("button");
    this.liveButton.type = "button";
    this.liveButton.id = "replay-live";
    this.liveButton.textContent = STRINGS.backToLive;
    this.liveButton.disabled = true;
    this.liveButton.addEventListener("click", () => this.backToLive());
    this.note = document.createElement("span");
    this.note.className = "replay-note";
    this.note.setAttribute("role", "status");
    bar.append(this.modeLabel, this.playButton, this.speedSelect, this.slider, this.timeLabel, this.liveButton, this.note);
    return bar;
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
    if (this.state.mode === "live") {
      this.slider.value = String(end);
      this.timeLabel.textContent = utc(end);
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
    this.timeLabel.textContent = utc(at);
    this.request(at);
  }

  leaveLive() {
    this.state.mode = "replay";
    this.feed.source?.close();
    this.contacts?.stop();
    this.alerts.source?.close();
    this.modeLabel.textContent = STRINGS.replay;
    this.liveButton.disabled = false;
    document.body.classList.add("replaying");
  }

  play() {
    if (!this.state.span) return;
    if (this.state.mode === "live") this.seek(this.state.span[0]);
    this.state.playing = true;
    this.playButton.textContent = STRINGS.pause;
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
    this.playButton.textContent = STRINGS.play;
  }

  backToLive() {
    this.pause();
    this.state.mode = "live";
    this.state.at = null;
    this.state.loaded = null;
    this.wanted = null;
    this.modeLabel.textContent = STRINGS.live;
    this.liveButton.disabled = true;
    this.note.textContent = "";
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
      this.note.textContent = `${STRINGS.loadFailed}: ${error.message}`;
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
    const features = vesselFeatures(body.vessels);
    this.feed.positions.clear();
    for (const f of features) this.feed.positions.set(f.id, f.geometry.coordinates);
    this.map.getSource("vessels").setData({ type: "FeatureCollection", features });
    this.map.getSource("contacts")?.setData({ type: "FeatureCollection", features: contactFeatures(body.contacts ?? {}) });
    this.alerts.alerts = new Map(body.alerts.map((alert) => [alert.id, alert]));
    this.alerts.render();
    if (tracks.ok) {
      this.map.getSource("tracks")?.setData({ type: "FeatureCollection", features: trackFeatures(await tracks.json()) });
      this.note.textContent = "";
    } else {
      this.map.getSource("tracks")?.setData({ type: "FeatureCollection", features: [] });
      this.note.textContent = tracks.status === 422 ? STRINGS.tracksTooMany : `${STRINGS.loadFailed}: HTTP ${tracks.status}`;
    }
    this.state.loaded = at;
    this.state.loads += 1;
    this.status.textContent = `${STRINGS.replaying} · ${features.length.toLocaleString()} ${STRINGS.vessels} · ${utc(at)}`;
  }
}
