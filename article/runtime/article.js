// Page entry: start the model worker and mount every figure on the page.
import { model } from "./client.js";
import { readShared } from "./share.js";

const base = new URL(".", document.baseURI);

for (const root of document.querySelectorAll("figure[data-figure]")) {
  const kind = root.dataset.figure;
  const config = { ...JSON.parse(root.dataset.config || "{}"), ...readShared(root.id) }; // a shared link wins
  import(`../figures/${kind}/${kind}.js`).then((m) => m.mount(root, config)).catch(() => {
    const status = root.querySelector(".status");
    if (status) status.textContent = "This figure's script could not load; the picture shows what the model wrote at build time.";
  });
}

model.start(base);
const shared = document.getElementById(decodeURIComponent(location.hash.slice(1)).split(":")[0]);
if (shared) shared.scrollIntoView();
