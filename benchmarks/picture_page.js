// Instrumentation the picture benchmark adds to the page before its own scripts run
// (Playwright `add_init_script`, which the page's Content-Security-Policy does not apply
// to). It records, on the page's own clock (performance.now(), ms):
//   messages  - each vessel message: when it arrived (the EventSource handler began), when
//               the page's handler returned, its size and how many vessels it carried;
//   sent      - when the page handed vessels to the `vessels` source (setData, updateData);
//   contents  - when the `vessels` source had taken a change in (MapLibre's `sourcedata`
//               event with sourceDataType "content": the worker has indexed it);
//   loaded    - when the `vessels` source was fully loaded: everything handed over is in
//               the worker's index and every tile in view was cut from it;
//   renders   - every frame the map drew;
//   idles     - every `idle` event;
//   longtasks - main-thread tasks over 50 ms (PerformanceObserver "longtask");
//   lateness  - how late a callback scheduled every 50 ms ran (a proxy for input delay).
// `__BENCH__` is replaced by the benchmark with {naive: bool}: the naive peer handles
// each vessel message itself with a full setData of every vessel, what a map without
// diffs does (same page, same style: only the use of the vessels source differs).
(() => {
  if (location.pathname !== "/") return;
  const options = __BENCH__;
  const bench = {
    options, messages: [], sent: [], contents: [], loaded: [], renders: [], idles: [], longtasks: [], lateness: [],
    reset() {
      for (const key of ["messages", "sent", "contents", "loaded", "renders", "idles", "longtasks", "lateness"]) {
        this[key] = [];
      }
    },
  };
  window.__bench = bench;

  // The naive peer: every message becomes a full setData of every vessel (each a
  // feature with its whole row), instead of the page's own handling of changes.
  const all = new Map();
  const feature = (row) => ({
    type: "Feature", id: row.mmsi, geometry: { type: "Point", coordinates: [row.lon, row.lat] },
    properties: row,
  });
  function naive(type, event) {
    const message = JSON.parse(event.data);
    if (type === "snapshot") all.clear();
    for (const row of message.vessels ?? message.upsert) all.set(row.mmsi, feature(row));
    for (const mmsi of message.remove ?? []) all.delete(mmsi);
    window.__map.getSource("vessels").setData({ type: "FeatureCollection", features: [...all.values()] });
  }

  const addListener = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, listener, opts) {
    // Only the vessel stream is timed (and replaced for the naive peer); the alert and
    // sensor-contact streams send snapshots and changes of their own.
    const vessels = new URL(this.url).pathname === "/api/picture/stream";
    if (!vessels || (type !== "snapshot" && type !== "changes")) {
      return addListener.call(this, type, listener, opts);
    }
    const timed = function (event) {
      const arrived = performance.now();
      if (options.naive && type === "changes") naive(type, event);
      else listener.call(this, event);
      if (options.naive && type === "snapshot") naive(type, event);
      bench.messages.push({ type, arrived, handled: performance.now(), bytes: event.data.length });
    };
    return addListener.call(this, type, timed, opts);
  };

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) bench.longtasks.push([entry.startTime, entry.duration]);
  }).observe({ type: "longtask", buffered: true });

  const PROBE_MS = 50;
  let expected = performance.now() + PROBE_MS;
  const probe = () => {
    const now = performance.now();
    bench.lateness.push([now, now - expected]);
    expected = now + PROBE_MS;
    setTimeout(probe, PROBE_MS);
  };
  setTimeout(probe, PROBE_MS);

  function hook(map) {
    map.on("render", () => bench.renders.push(performance.now()));
    map.on("sourcedata", (e) => {
      if (e.sourceId !== "vessels") return;
      if (e.sourceDataType === "content") bench.contents.push(performance.now());
      // Runs before the page's own listener, which may hand the next diff over at once.
      if (map.isSourceLoaded("vessels")) bench.loaded.push(performance.now());
    });
    map.on("idle", () => bench.idles.push(performance.now()));
    // Registered before the page's own `load` handler, so before the vessel feed starts.
    map.once("load", () => {
      const source = map.getSource("vessels");
      for (const method of ["setData", "updateData"]) {
        const original = source[method].bind(source);
        source[method] = (data) => { bench.sent.push(performance.now()); return original(data); };
      }
    });
  }

  let map;
  Object.defineProperty(window, "__map", {
    configurable: true,
    get() { return map; },
    set(value) { map = value; hook(value); },
  });
})();
