// The live vessels: a snapshot, then diffs by MMSI from /api/picture/stream, applied to
// the `vessels` GeoJSON source with updateData, not a full setData per tick: with a
// fifth of 20,000 vessels reporting every 2 s, a change is on screen ~3.6x sooner on a
// software renderer.
//
// Three things keep a large fleet responsive (benchmarks/README.md, "The picture"):
// - a feature carries only what the map draws (mmsi, class, course, stale); MapLibre
//   copies every feature to its worker property by property, on the main thread: at
//   20,000 vessels that copy was the largest main-thread cost of an update.
// - with more than DENSE vessels, the map draws a dot per vessel below the zoom where
//   the style's `vessels-dots` layer ends, and the rotated icons only from there on:
//   laying out 20,000 icons at every update cost the map several times what dots do.
// - changes are coalesced while the map is still busy with the previous ones: the
//   source gets the next diff (the latest row of each vessel that changed meanwhile)
//   only once it has drawn the last, so a burst never queues work the map would throw
//   away, and every diff handed over reaches the screen.
//
// Replay (replay.js) stops the feed, which drops the changes not yet handed over, and
// draws its picture with `replace`; back to live, `start` brings a fresh snapshot.

const DRAWN = ["mmsi", "class", "course", "stale"];
const DENSE = 5000;

function feature(row) {
  const properties = {};
  for (const key of DRAWN) properties[key] = row[key];
  return {
    type: "Feature",
    id: row.mmsi,
    geometry: { type: "Point", coordinates: [row.lon, row.lat] },
    properties,
  };
}

export class VesselFeed {
  constructor(map, { onUpdate } = {}) {
    this.map = map;
    this.onUpdate = onUpdate ?? (() => {});
    this.positions = new Map(); // mmsi -> [lon, lat], for alerts without a position
    this.seq = -1;
    this.updatedAt = null;
    this.live = false; // listening to the stream (not stopped for a replay)
    this.pending = new Map(); // mmsi -> row not yet handed to the map, or null: remove
    this.busy = false; // the map has not drawn the last diff yet
    this.dense = false;
    const drawn = () => {
      if (this.busy && map.isSourceLoaded("vessels")) {
        this.busy = false;
        this.flush();
      }
    };
    map.on("sourcedata", (e) => { if (e.sourceId === "vessels") drawn(); });
    map.on("idle", drawn); // a diff that touched no tile in view fires no tile load
  }

  start() {
    this.live = true;
    this.source = new EventSource("/api/picture/stream");
    this.source.addEventListener("snapshot", (e) => this.snapshot(JSON.parse(e.data)));
    this.source.addEventListener("changes", (e) => this.changes(JSON.parse(e.data)));
    this.source.addEventListener("error", () => this.onUpdate(this, "reconnecting"));
  }

  // Closes the stream; what it sent and the map has not been handed yet is dropped.
  stop() {
    this.live = false;
    this.source?.close();
    this.pending.clear();
  }

  snapshot(message) {
    if (!this.live) return;
    this.replace(message.vessels);
    this.seq = message.seq;
    this.updatedAt = message.now;
    this.onUpdate(this, "snapshot", message.vessels);
  }

  // The whole picture becomes `rows` (the stream's vessel rows): one setData.
  replace(rows) {
    this.positions.clear();
    this.pending.clear();
    for (const row of rows) this.positions.set(row.mmsi, [row.lon, row.lat]);
    this.busy = true;
    this.map.getSource("vessels").setData({ type: "FeatureCollection", features: rows.map(feature) });
    this.density();
  }

  changes(message) {
    if (!this.live) return;
    for (const row of message.upsert) {
      this.positions.set(row.mmsi, [row.lon, row.lat]);
      this.pending.set(row.mmsi, row);
    }
    for (const mmsi of message.remove) {
      this.positions.delete(mmsi);
      this.pending.set(mmsi, null);
    }
    this.flush();
    this.density();
    this.seq = message.seq;
    this.updatedAt = message.now;
    this.onUpdate(this, "changes", message.upsert);
  }

  // Dots below the dots layer's zoom range for a dense fleet, icons at every zoom otherwise.
  density() {
    const dense = this.positions.size > DENSE;
    if (dense === this.dense || !this.map.getLayer("vessels-dots")) return;
    this.dense = dense;
    const below = this.map.getLayer("vessels-dots").maxzoom;
    this.map.setLayoutProperty("vessels-dots", "visibility", dense ? "visible" : "none");
    this.map.setLayerZoomRange("vessels", dense ? below : 0, 24);
  }

  // Hands what changed to the map, unless it is still drawing the last diff.
  flush() {
    if (this.busy || this.pending.size === 0) return;
    const add = [], remove = [];
    for (const [mmsi, row] of this.pending) {
      if (row === null) remove.push(mmsi);
      else add.push(feature(row)); // `add` replaces a feature of the same id
    }
    this.pending.clear();
    this.busy = true;
    this.map.getSource("vessels").updateData({ remove, add });
  }
}
