// Page entry: start the live figures (as the page opens, or when the reader asks on a connection
// that saves data), the model worker, and the service worker that keeps the site for offline reading.
import { model } from "./client.js";
import { fallBack } from "./figure.js";
import { addSetting, keepOffline, liveOnLoad, offerLive } from "./offline.js";
import { figureSettings, sharedFigure } from "./share.js";

const base = new URL(".", document.baseURI);
const roots = [...document.querySelectorAll("figure[data-figure]")];

// The page runs from http(s): the line for a downloaded copy opened from file:// (where module
// scripts cannot run) is not for this reader.
for (const note of document.querySelectorAll(".file-note")) note.remove();

function mount(root) {
  const kind = root.dataset.figure;
  import(`../figures/${kind}/${kind}.js`).then((m) => {
    m.mount(root, figureSettings(root, m.shared)); // what a link gives, valid under the figure's schema, wins
    if (model.status === "failed") fallBack(root, new Error(model.failure));
  }).catch(() => {
    const status = root.querySelector(".status");
    if (status) status.textContent = "This figure's script could not load; the picture shows what the model wrote at build time.";
  });
}

let started = false;
let withdrawOffer = () => {};
function startLive() {
  if (started) return;
  started = true;
  withdrawOffer();
  roots.forEach(mount);
  model.start(base);
  // the service worker's precache starts once the model is ready: the HTTP cache then holds most of it
  model.ready.then(() => keepOffline(base), (err) => roots.forEach((root) => fallBack(root, err)));
}

addSetting(startLive);
if (liveOnLoad()) startLive();
else withdrawOffer = offerLive(roots, startLive);

const sharedId = sharedFigure();
if (sharedId !== null) {
  const shared = document.getElementById(sharedId);
  if (shared) shared.scrollIntoView();
  else console.warn(`Shared link: no figure ${JSON.stringify(sharedId.slice(0, 40))} on this page, ignored`);
}
