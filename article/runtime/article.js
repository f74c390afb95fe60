// Page entry: start the live figures (as the page opens, or when the reader asks on a connection
// that saves data), the model worker, and the service worker that keeps the site for offline reading.
import { model } from "./client.js";
import { fallBack } from "./figure.js";
import { addSetting, keepOffline, liveOnLoad, offerLive } from "./offline.js";
import { readShared } from "./share.js";

const base = new URL(".", document.baseURI);
const roots = [...document.querySelectorAll("figure[data-figure]")];

// The page runs from http(s): the line for a downloaded copy opened from file:// (where module
// scripts cannot run) is not for this reader.
for (const note of document.querySelectorAll(".file-note")) note.remove();

function mount(root) {
  const kind = root.dataset.figure;
  const config = { ...JSON.parse(root.dataset.config || "{}"), ...readShared(root.id) }; // a shared link wins
  import(`../figures/${kind}/${kind}.js`).then((m) => {
    m.mount(root, config);
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

const shared = document.getElementById(decodeURIComponent(location.hash.slice(1)).split(":")[0]);
if (shared) shared.scrollIntoView();
