// fig-write's sheet: the written lines, drawn at a person's pace as the model's points arrive, and
// under them the window φ of one line, one labelled row per character and one past its end, each
// column the window when the pen first reached that column's x. Pointing at the ink lights up the
// character it was written for (the argmax of φ at that point); pointing at a row, or choosing it
// with the arrow keys, lights up the ink written while that character held the window.
import { fitCanvas, clearCanvas, inkStyle, color } from "../../runtime/draw.js";

const PACE = 60; // points drawn a second at most: IAM-OnDB's writers make 66 a second while the pen is down, 31 over a line with its pauses (medians of 20 lines)
export const GUTTER = 40; // px: the row labels' column (write.css; frame.py draws alike)
const MARGIN = 14; // px between the labels and where the pen starts
const ROW = 11; // px: one character's row of the window (write.css .row-labels span)
const UNITS_PER_CHAR = 4.5; // article units of x a written character takes, about (the UNIPEN lines: 3.4 to 6.4): the scale is chosen before the line exists
const MIN_SCALE = 6; // px per article unit: below it letters get hard to read, so the sheet scrolls instead
const MAX_SCALE = 12; // px per article unit (IAM-OnDB's letter height, 2.4 units, is then 29 px)
const LINE_UNITS = 9; // article units a written line takes at least, top to bottom (IAM-OnDB's letter height is 2.4)
const MAX_LINE_UNITS = 60; // a line that wanders further up or down than this is cut off at the edges
const NEAR = 24; // px: a pointer this close to the ink picks its nearest point
const HIGHLIGHT = "#d62728";
const LEVELS = Array.from({ length: 64 }, (_, i) => color(i / 63)); // the palette's teal half: φ scaled to [0, 1]

export const rowLabel = (ch) => (ch === " " ? "␣" : ch); // as frame.py labels the rows

export class Sheet {
  // `known`: the characters the model knows (others are labelled as unknown); onPick(text) says
  // what is picked, for the readout.
  constructor(root, known, onPick) {
    this.root = root;
    this.known = known;
    this.onPick = onPick;
    const live = root.querySelector(".live");
    this.box = live.querySelector(".sheet");
    this.inner = live.querySelector(".sheet-inner");
    this.ink = live.querySelector("canvas.ink");
    this.heat = live.querySelector("canvas.heat");
    this.mark = live.querySelector("canvas.mark");
    this.labels = live.querySelector(".row-labels");
    this.lines = [];
    this.scale = MAX_SCALE;
    this.pick = null; // {line, u}: the character lit up
    this.labelled = -1; // the line whose rows the labels show
    this.budget = 0;
    this.last = 0;
    fitCanvas(this.ink, () => this.drawInk());
    fitCanvas(this.mark, () => this.drawMark());
    this.listen();
    requestAnimationFrame((t) => this.frame(t));
  }

  // A new write of these lines' texts: the sheet empties and takes a scale that fits the longest.
  reset(texts) {
    this.lines = texts.map((text) => ({ text, xs: [], ys: [], lift: [], phi: [], arg: [], top: [], frontier: [], shown: 0,
      lo: -LINE_UNITS / 2, hi: LINE_UNITS / 2, oy: 0 }));
    this.pick = null;
    this.onPick("");
    this.box.hidden = false;
    const width = this.box.clientWidth - GUTTER - 2 * MARGIN;
    const longest = Math.max(...texts.map((t) => [...t].length));
    this.scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, width / (longest * UNITS_PER_CHAR)));
    this.inner.style.width = "";
    this.layout();
    this.labelled = -1;
    this.drawInk();
    this.drawHeat();
  }

  // A progress reply of the write: new points (flat, T × 3) and their φ rows for line msg.line.
  add(msg) {
    const line = this.lines[msg.line], cols = [...line.text].length + 1, n = msg.points.length / 3;
    let x = line.xs.length ? line.xs[line.xs.length - 1] : 0, y = line.ys.length ? line.ys[line.ys.length - 1] : 0;
    for (let i = 0; i < n; i++) {
      x += msg.points[3 * i]; y += msg.points[3 * i + 1];
      const phi = msg.window.slice(i * cols, (i + 1) * cols);
      let arg = 0;
      for (let u = 1; u < cols; u++) if (phi[u] > phi[arg]) arg = u;
      line.xs.push(x); line.ys.push(y); line.lift.push(msg.points[3 * i + 2] > 0.5);
      line.phi.push(phi); line.arg.push(arg); line.top.push(phi[arg] > 0 ? phi[arg] : 1);
      line.frontier.push(Math.max(x, line.frontier.length ? line.frontier[line.frontier.length - 1] : x));
    }
  }

  // Each line's band, one under the other: as tall as the line's ink reaches up and down (at least
  // LINE_UNITS), the pen starting at its oy. The ink canvas takes their height.
  layout() {
    let top = 4;
    for (const line of this.lines) {
      line.oy = top - line.lo * this.scale;
      top += (line.hi - line.lo) * this.scale;
    }
    this.ink.style.height = `${Math.ceil(top + 4)}px`;
  }

  // Stop: what is not drawn yet is dropped.
  stop() {
    for (const line of this.lines) {
      for (const key of ["xs", "ys", "lift", "phi", "arg", "top", "frontier"]) line[key].length = line.shown;
    }
  }

  get drawnPoints() { return this.lines.reduce((n, line) => n + line.shown, 0); }

  get pending() { return this.lines.some((line) => line.shown < line.xs.length); }

  // Where point t of line k is drawn, in the ink canvas' CSS px.
  at(k, t) {
    const line = this.lines[k], s = this.scale;
    return { x: GUTTER + MARGIN + line.xs[t] * s, y: line.oy + line.ys[t] * s };
  }

  // The line being drawn: the last one with ink.
  get drawing() {
    let k = 0;
    this.lines.forEach((line, i) => { if (line.shown) k = i; });
    return k;
  }

  // The line the window shows: the picked one, else the one being drawn.
  get view() { return this.pick ? this.pick.line : this.drawing; }

  frame(now) {
    const dt = this.last ? Math.min(now - this.last, 100) : 0;
    this.last = now;
    this.budget = Math.min(this.budget + (dt * PACE) / 1000, 8);
    let drew = false, taller = false;
    for (let k = 0; k < this.lines.length && this.budget >= 1; k++) {
      const line = this.lines[k];
      while (line.shown < line.xs.length && this.budget >= 1) {
        const y = line.ys[line.shown];
        if (y - 1 < line.lo || y + 1 > line.hi) { // the band grows (up to MAX_LINE_UNITS)
          line.lo = Math.max(Math.min(line.lo, y - 1), line.hi - MAX_LINE_UNITS);
          line.hi = Math.min(Math.max(line.hi, y + 1), line.lo + MAX_LINE_UNITS);
          taller = true;
        }
        this.drawPoint(k, line.shown++);
        this.budget -= 1;
        drew = true;
      }
      if (line.shown < line.xs.length) break; // later lines wait for this one
    }
    if (!this.pending) this.budget = Math.min(this.budget, 1);
    if (taller) { this.layout(); this.drawInk(); }
    if (drew) {
      this.widen();
      this.follow();
      this.drawHeat();
      this.root.dataset.points = String(this.drawnPoints);
    }
    requestAnimationFrame((t) => this.frame(t));
  }

  // The sheet grows sideways (and scrolls) when the ink reaches its right edge.
  widen() {
    let right = 0;
    for (const line of this.lines) if (line.shown) right = Math.max(right, line.frontier[line.shown - 1]);
    const need = GUTTER + 2 * MARGIN + right * this.scale;
    if (need > this.inner.clientWidth) this.inner.style.width = `${Math.ceil(need + 120)}px`;
  }

  // Where the sheet scrolls (a narrow screen), it follows the pen as it writes.
  follow() {
    const box = this.box, k = this.drawing, line = this.lines[k];
    if (box.scrollWidth <= box.clientWidth || !line || !line.shown) return;
    const x = this.at(k, line.shown - 1).x;
    if (x > box.scrollLeft + box.clientWidth - 40) box.scrollLeft = x - box.clientWidth / 2;
    else if (x < box.scrollLeft + GUTTER + 20) box.scrollLeft = Math.max(0, x - box.clientWidth / 2);
  }

  drawPoint(k, t, ctx = this.ink.getContext("2d")) {
    const line = this.lines[k];
    if (t === 0 || line.lift[t - 1]) return; // the pen was up on the way to point t
    const a = this.at(k, t - 1), b = this.at(k, t);
    const lit = this.pick && this.pick.line === k && line.arg[t] === this.pick.u;
    inkStyle(ctx, 2, lit ? HIGHLIGHT : "#222");
    ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
  }

  drawInk() {
    const ctx = clearCanvas(this.ink);
    this.lines.forEach((line, k) => { for (let t = 0; t < line.shown; t++) this.drawPoint(k, t, ctx); });
  }

  // The view line's window: rows labelled with its characters, each column the φ of the first
  // drawn point whose pen reached that x, scaled to that point's largest value.
  drawHeat() {
    const k = this.view, line = this.lines[k];
    if (!line) return;
    const chars = [...line.text], rows = chars.length + 1;
    if (this.labelled !== k) {
      this.label(k, chars);
      if (!this.pick) this.onPick(this.describe());
    }
    const cols = Math.max(1, this.inner.clientWidth - GUTTER);
    this.heat.style.width = `${cols}px`;
    this.heat.style.height = `${rows * ROW}px`;
    this.heat.width = cols; this.heat.height = rows;
    const ctx = this.heat.getContext("2d"), img = ctx.createImageData(cols, rows);
    let t = 0;
    for (let c = 0; c < cols; c++) {
      const x = (c + 0.5 - MARGIN) / this.scale;
      while (t < line.shown && line.frontier[t] < x) t++;
      const phi = x >= 0 && t < line.shown ? line.phi[t] : null;
      for (let r = 0; r < rows; r++) {
        const rgb = LEVELS[phi ? Math.round((phi[r] / line.top[t]) * (LEVELS.length - 1)) : 0], i = 4 * (r * cols + c);
        img.data[i] = rgb[0]; img.data[i + 1] = rgb[1]; img.data[i + 2] = rgb[2]; img.data[i + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.drawMark();
  }

  label(k, chars) {
    this.labelled = k;
    const spans = [...chars, "end"].map((ch, u) => {
      const span = document.createElement("span");
      span.textContent = u < chars.length ? rowLabel(ch) : "end";
      if (u < chars.length && ch !== " " && !this.known.has(ch)) span.className = "unknown";
      return span;
    });
    this.labels.replaceChildren(...spans);
  }

  // The picked character's row, outlined over the window.
  drawMark() {
    const ctx = clearCanvas(this.mark);
    [...this.labels.children].forEach((span, u) => span.classList.toggle("on", !!this.pick && this.pick.u === u));
    if (!this.pick || this.pick.line !== this.view) return;
    ctx.strokeStyle = HIGHLIGHT; ctx.lineWidth = 1.5;
    ctx.strokeRect(0.75, this.pick.u * ROW + 0.75, this.mark.getBoundingClientRect().width - 1.5, ROW - 1.5);
  }

  // Light up character u of line k (null: nothing).
  select(k, u) {
    const same = this.pick && k !== null && this.pick.line === k && this.pick.u === u;
    if (same || (!this.pick && k === null)) return;
    this.pick = k === null ? null : { line: k, u };
    this.drawInk();
    this.drawHeat();
    this.onPick(this.describe());
  }

  describe() {
    if (!this.pick) return this.lines.length > 1 ? `The window of line ${this.view + 1} of ${this.lines.length}: point at a line to see its own.` : "";
    const line = this.lines[this.pick.line], chars = [...line.text], u = this.pick.u;
    const points = line.arg.slice(0, line.shown).filter((a) => a === u).length;
    const which = this.lines.length > 1 ? ` of line ${this.pick.line + 1}` : "";
    if (u === chars.length) return `Past the end${which}: ${points} points written after the window left the text.`;
    return `“${chars[u]}”, character ${u + 1} of ${chars.length}${which}: ${points} points written while the window rested on it.`;
  }

  // The drawn point nearest to (x, y) in the ink canvas, within NEAR px: {line, t}, or null.
  nearest(x, y) {
    let best = null, d2 = NEAR * NEAR;
    this.lines.forEach((line, k) => {
      for (let t = 0; t < line.shown; t++) {
        const p = this.at(k, t), d = (p.x - x) ** 2 + (p.y - y) ** 2;
        if (d < d2) { d2 = d; best = { line: k, t }; }
      }
    });
    return best;
  }

  listen() {
    const onInk = (e) => {
      const r = this.ink.getBoundingClientRect(), hit = this.nearest(e.clientX - r.left, e.clientY - r.top);
      if (hit) this.select(hit.line, this.lines[hit.line].arg[hit.t]);
    };
    this.ink.addEventListener("pointermove", onInk);
    this.ink.addEventListener("pointerdown", onInk);
    const onHeat = (e) => {
      const r = this.heat.getBoundingClientRect(), k = this.view, line = this.lines[k];
      if (!line) return;
      const u = Math.floor((e.clientY - r.top) / ROW);
      if (u >= 0 && u <= [...line.text].length) this.select(k, u);
    };
    this.heat.addEventListener("pointermove", onHeat);
    this.heat.addEventListener("pointerdown", onHeat);
    for (const el of [this.ink, this.heat]) el.addEventListener("pointerleave", () => this.select(null));
    this.heat.addEventListener("keydown", (e) => this.key(e));
    this.heat.addEventListener("blur", () => this.select(null));
  }

  // Arrow keys on the window: up and down choose a character, left and right a line.
  key(e) {
    if (!this.lines.length) return;
    const step = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[e.key];
    if (!step) return;
    e.preventDefault();
    const k = Math.max(0, Math.min(this.lines.length - 1, (this.pick ? this.pick.line : this.view) + step[0]));
    const last = [...this.lines[k].text].length;
    const u = Math.max(0, Math.min(last, this.pick ? this.pick.u + step[1] : 0));
    this.select(k, u);
  }

  // The drawn lines as an SVG file of paths (one per line; a move where the pen lands after a
  // lift), in px at the sheet's scale: what a pen plotter draws.
  svg() {
    const paths = [];
    let x1 = 0, y1 = 0;
    this.lines.forEach((line, k) => {
      let d = "";
      for (let t = 0; t < line.shown; t++) {
        const p = this.at(k, t), up = t === 0 || line.lift[t - 1];
        d += `${up ? "M" : "L"}${p.x.toFixed(1)} ${p.y.toFixed(1)}`;
        x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y);
      }
      if (d) paths.push(`<path d="${d}"/>`);
    });
    const w = Math.ceil(x1 + MARGIN), h = Math.ceil(y1 + MARGIN);
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" `
      + `viewBox="0 0 ${w} ${h}"><g fill="none" stroke="#000" stroke-width="2" stroke-linecap="round" `
      + `stroke-linejoin="round">${paths.join("")}</g></svg>\n`;
  }
}
