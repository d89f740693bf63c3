// Vessel icons drawn on a canvas, one per ship class and motion, so the style needs no
// sprite from anywhere: `vessel-<class>-moving` (an arrow pointing north, which the
// style rotates by course) and `vessel-<class>-still` (a disc).

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

// Adds the icon the map asks for (`styleimagemissing`), if it is a vessel icon.
export function addMissingIcon(map, id) {
  const match = /^vessel-([a-z]+)-(moving|still)$/.exec(id);
  if (!match || map.hasImage(id)) return;
  const colour = CLASS_COLOURS[match[1]] ?? CLASS_COLOURS.other;
  map.addImage(id, draw(colour, match[2] === "moving"), { pixelRatio: 2 });
}
