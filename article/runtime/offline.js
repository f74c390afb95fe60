// The page's side of reading offline and of metered connections: whether the live figures start
// on load (the reader's setting, else off when the connection asks to save data), the setting's
// control at the top of the article, the "Run the live figures" buttons, the service worker that
// keeps the site for offline reading, and the note that a newer version is available.
import { LIVE_BYTES } from "./config.js";

const KEY = "handwriting.live"; // localStorage: "on" | "off"; absent, the connection decides
const META = "handwriting-meta"; // the service worker reads the setting from here (runtime/sw.js)

const html = document.documentElement;
export const liveSize = `${(LIVE_BYTES / 1e6).toFixed(1)} MB`;

function stored() {
  try {
    return localStorage.getItem(KEY);
  } catch (e) {
    return null; // storage refused (a private mode, a policy): the connection decides
  }
}

// Whether the live figures start as the page opens.
export function liveOnLoad() {
  const setting = stored();
  if (setting) return setting === "on";
  return !(navigator.connection && navigator.connection.saveData);
}

function store(on) {
  try {
    localStorage.setItem(KEY, on ? "on" : "off");
  } catch (e) {
    // not remembered; this visit still follows the control
  }
  // the service worker cannot read localStorage: an update it would precache waits while this is off
  if (self.caches) {
    caches.open(META).then((c) => c.put(new URL("__meta/live", document.baseURI), new Response(on ? "on" : "off")))
      .catch(() => {});
  }
}

// The control at the top of the article: a checkbox for starting the live figures on load.
// Checking it while they are off starts them now; unchecking keeps this visit's running.
export function addSetting(startLive) {
  const p = document.createElement("p");
  p.className = "live-setting";
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = liveOnLoad();
  const note = document.createElement("span");
  note.className = "live-setting-note";
  note.setAttribute("role", "status");
  label.append(box, ` Start the live figures when the page opens (downloads ${liveSize})`);
  p.append(label, note);
  box.addEventListener("change", () => {
    store(box.checked);
    if (box.checked) startLive();
    note.textContent = box.checked ? "" : " They stay off from your next visit.";
  });
  document.querySelector(".byline").after(p);
  return box;
}

// In place of each live figure's controls, one button that starts them all.
export function offerLive(roots, startLive) {
  const boxes = roots.map((root) => {
    const div = document.createElement("div");
    div.className = "controls run-live";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `Run the live figures (${liveSize})`;
    button.addEventListener("click", () => startLive());
    div.append(button);
    root.querySelector(".status").before(div);
    return div;
  });
  return () => boxes.forEach((b) => b.remove());
}

// Register the service worker (after the model is ready: the HTTP cache then holds most of what it
// keeps) and follow it: <html data-offline="ready"> once a complete copy of a build is kept, and,
// on a page that a service worker served, the note that a newer build has taken over.
export function keepOffline(base) {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  const servedByWorker = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => { if (servedByWorker) noteNewer(); });
  navigator.serviceWorker.register(new URL("sw.js", base), { scope: base.href }).then((reg) => {
    if (!reg) return; // a browser (or test harness) that blocks service workers answers with nothing
    const mark = () => {
      if (reg.active && reg.active.state === "activated") html.dataset.offline = "ready";
      else if (!reg.active && !reg.installing && !reg.waiting) html.dataset.offline = "failed"; // the precache did not complete
    };
    const follow = (worker) => worker && worker.addEventListener("statechange", mark);
    mark();
    follow(reg.active);
    follow(reg.installing);
    reg.addEventListener("updatefound", () => follow(reg.installing));
  }, () => { html.dataset.offline = "unavailable"; });
}

function noteNewer() {
  if (document.querySelector(".update-note")) return;
  const p = document.createElement("p");
  p.className = "update-note";
  p.setAttribute("role", "status");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "reload";
  button.addEventListener("click", () => location.reload());
  p.append("A newer version of this article is available — ", button);
  document.body.append(p);
}
