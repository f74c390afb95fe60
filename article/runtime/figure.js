// The parts every live figure is built from: going live once the model is ready, Play buttons,
// sliders, buttons, visibility, and the counters the page's tests read from the figure's data-*.
import { model } from "./client.js";

export function prefersReducedMotion() {
  return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// Hide the figure's static frame (what the model wrote at build time) and show its live part.
export function goLive(root) {
  root.querySelector(".frame.static")?.setAttribute("hidden", "");
  root.querySelector(".live")?.removeAttribute("hidden");
  root.dataset.live = "true";
}

// Static frame → "loading" → live, for one figure root: `onReady` starts the live figure once the
// model is ready. Returns say(text), which writes the figure's status line.
export function attachFigure(root, onReady) {
  const status = root.querySelector(".status");
  const say = (text) => { if (status) status.textContent = text; };
  if (model.status !== "ready") say("Loading the model…");
  model.ready.then(() => {
    say("");
    goLive(root);
    onReady({ say });
  }, (err) => fallBack(root, err));
  return say;
}

// The model could not start: the figure keeps (or gets back) its static frame and says so in one line.
export function fallBack(root, err) {
  root.querySelector(".frame.static")?.removeAttribute("hidden");
  root.querySelector(".live")?.setAttribute("hidden", "");
  delete root.dataset.live;
  const status = root.querySelector(".status");
  if (status) status.textContent = `The live figure could not start (${err.message}); the picture shows what the model wrote when this page was built.`;
}

// A Play/Pause toggle: `playing` says its state, onToggle(playing) follows each press.
export function playButton(button, playing, onToggle = () => {}) {
  const state = {
    playing,
    set(on) {
      state.playing = on;
      button.textContent = on ? "Pause" : "Play";
      button.setAttribute("aria-pressed", String(on));
    },
  };
  state.set(playing);
  button.addEventListener("click", () => { state.set(!state.playing); onToggle(state.playing); });
  return state;
}

// A range input set to `value`, its value shown in the <output> after it.
export function slider(input, value) {
  const show = () => { input.nextElementSibling.textContent = input.value; };
  input.value = value;
  show();
  input.addEventListener("input", show);
  return input;
}

export function onClick(root, selector, handler) {
  root.querySelector(selector).addEventListener("click", handler);
}

// onChange(visible) each time the figure scrolls onto or off the screen.
export function whenVisible(root, onChange) {
  new IntersectionObserver((entries) => onChange(entries[0].isIntersecting)).observe(root);
}

// One more of something, in the figure's data-* (the tests wait on these).
export function count(root, key) {
  root.dataset[key] = String(Number(root.dataset[key] || 0) + 1);
}
