// Vessel icons drawn on a canvas, one per ship class and motion, so the style needs no
// sprite from anywhere: `vessel-<class>-moving` (an arrow pointing north, which the
// style rotates by course) and `vessel-<class>-still` (a disc). Sensor contacts get
// `contact-<sensor>`: a hollow shape and a colour of their own per kind of sensor, so a
// radar plot never looks like a vessel (filled) and kinds tell apart without colour.

export const CLASS_COLOURS = {
  cargo: "#2ecc71",
  tanker: "#e74c3c",
  passenger: "#3498db",
  fishing: "#e67e22",
  pleasure: "#9b59b6",
  sar: "#f1c40f",
  other: "#bdc3c7",
};

const SIZE = 32; // pixels, drawn at pixelRatio 2: 16 CSS pixels on the map

function draw(colour, moving) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIZE;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = colour;
  ctx.strokeStyle = "#0b1d2e";
  ctx.lineWidth = 2;
  ctx.beginPath();
  if (moving) {
    ctx.moveTo(SIZE / 2, 2);
    ctx.lineTo(SIZE - 7, SIZE - 4);
    ctx.lineTo(SIZE / 2, SIZE - 10);
    ctx.lineTo(7, SIZE - 4);
    ctx.closePath();
  } else {
    ctx.arc(SIZE / 2, SIZE / 2, SIZE / 4, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.stroke();
  return ctx.getImageData(0, 0, SIZE, SIZE);
}

// Sensor kinds in the legend's order, with their colour and outline shape.
export const SENSOR_STYLES = {
  radar: { colour: "#00d2ff", shape: "diamond" },
  patrol: { colour: "#7bed9f", shape: "triangle" },
  aircraft: { colour: "#ffa502", shape: "cross" },
  satellite: { colour: "#c56cf0", shape: "square" },
  ground_radar: { colour: "#eccc68", shape: "hexagon" },
  camera: { colour: "#ff6b81", shape: "ring" },
  other: { colour: "#dfe4ea", shape: "ring" },
};

function outline(ctx, shape, size) {
  const c = size / 2;
  const r = size / 2 - 4;
  ctx.beginPath();
  if (shape === "diamond") {
    ctx.moveTo(c, c - r); ctx.lineTo(c + r, c); ctx.lineTo(c, c + r); ctx.lineTo(c - r, c);
    ctx.closePath();
  } else if (shape === "triangle") {
    ctx.moveTo(c, c - r); ctx.lineTo(c + r, c + r * 0.8); ctx.lineTo(c - r, c + r * 0.8);
    ctx.closePath();
  } else if (shape === "cross") {
    ctx.moveTo(c - r, c); ctx.lineTo(c + r, c); ctx.moveTo(c, c - r); ctx.lineTo(c, c + r);
  } else if (shape === "square") {
    ctx.rect(c - r * 0.8, c - r * 0.8, r * 1.6, r * 1.6);
  } else if (shape === "hexagon") {
    for (let k = 0; k < 6; k++) {
      const a = (Math.PI / 3) * k;
      ctx[k ? "lineTo" : "moveTo"](c + r * Math.cos(a), c + r * Math.sin(a));
    }
    ctx.closePath();
  } else {
    ctx.arc(c, c, r * 0.8, 0, 2 * Math.PI);
  }
}

// A contact symbol on a canvas of `size` pixels (also the legend's swatch).
export function drawContact(sensor, size = SIZE) {
  const { colour, shape } = SENSOR_STYLES[sensor] ?? SENSOR_STYLES.other;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 5;
  ctx.strokeStyle = "#0b1d2e"; // a dark halo first, so the shape reads on land and sea
  outline(ctx, shape, size);
  ctx.stroke();
  ctx.lineWidth = 3;
  ctx.strokeStyle = colour;
  outline(ctx, shape, size);
  ctx.stroke();
  return canvas;
}

// Adds the icon the map asks for (`styleimagemissing`), if it is a vessel or contact icon.
export function addMissingIcon(map, id) {
  const contact = /^contact-([a-z_]+)$/.exec(id);
  if (contact && !map.hasImage(id)) {
    const canvas = drawContact(contact[1]);
    map.addImage(id, canvas.getContext("2d").getImageData(0, 0, SIZE, SIZE), { pixelRatio: 2 });
    return;
  }
  const match = /^vessel-([a-z]+)-(moving|still)$/.exec(id);
  if (!match || map.hasImage(id)) return;
  const colour = CLASS_COLOURS[match[1]] ?? CLASS_COLOURS.other;
  map.addImage(id, draw(colour, match[2] === "moving"), { pixelRatio: 2 });
}
