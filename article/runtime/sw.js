// The site's service worker (served as sw.js at the site's root; builder/offline.py writes the
// build into it). It keeps every file of one build, each checked against the build's manifest
// (sha256 and size) before it is kept, and serves them cache-first, so the article reads offline
// after one visit. Each page, and every worker the page starts, is served from the build the page
// started with; a new build is used from the next page load on, never mid-page.
// Why it works so: docs/design.md, "Offline and locked down".
"use strict";

const SITE = {}; // the build writes the manifest and the policy here
const PREFIX = "handwriting-build-"; // one cache per build: PREFIX + the build's hash
const CACHE = PREFIX + SITE.build;
const META = "handwriting-meta"; // which build each page and worker started with; the reader's live-figure setting
const SCOPE = new URL(self.registration.scope);
const LANES = 4; // files fetched at once while precaching
const FORGET_MS = 10000; // a record of a client that no longer exists is dropped once this old (a page starts well within it)
const builds = new Map(); // client id → build (the records in META, read once per client)

const at = (path) => new URL(path, SCOPE).href;
const metaKey = (name) => at(`__meta/${name}`);
const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

// Installing = precaching every file of this build. Only a complete, verified copy takes over:
// an install that fails (offline, a file that does not match) leaves the previous build in charge,
// and the next page load tries again, keeping the files already verified.
self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

// Taking over at once is safe: open pages keep the build they started with (respond() below), and
// every later page load gets this one. A waiting worker would wait until every tab of the site
// closed, which a reload never does.
self.addEventListener("activate", (event) => event.waitUntil(tidy()));

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" && request.method !== "HEAD") return;
  const url = new URL(request.url);
  // other origins, and paths outside the site, go to the network untouched: never cached or served
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  event.respondWith(respond(event, url).catch(() => fetch(request))); // storage trouble: the network, as without a worker
});

async function precache() {
  if (await liveOff()) throw new Error("the reader keeps downloads off on this connection: the update waits");
  const cache = await caches.open(CACHE);
  const kept = new Set((await cache.keys()).map((r) => r.url)); // verified by an earlier, interrupted try
  const todo = Object.entries(SITE.files).filter(([path]) => !kept.has(at(path)));
  const lane = async () => {
    while (todo.length) {
      const [path, [sha256, size]] = todo.shift();
      await cache.put(at(path), await verified(path, sha256, size));
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

// A file as a Response to keep, if its bytes are the manifest's: first what the HTTP cache holds,
// revalidated (the page has just downloaded most files), then the server's own bytes. A short or
// corrupt download is never kept. Kept responses carry the policy, which is how the page and its
// workers get it from hosts that cannot send headers.
async function verified(path, sha256, size) {
  for (const mode of ["no-cache", "reload"]) {
    try {
      const response = await fetch(at(path), { cache: mode });
      if (!response.ok) continue;
      const body = await response.arrayBuffer();
      if (body.byteLength !== size || hex(await crypto.subtle.digest("SHA-256", body)) !== sha256) continue;
      return new Response(body, {
        headers: {
          "content-type": response.headers.get("content-type") || "application/octet-stream",
          "content-length": String(size),
          "content-security-policy": SITE.csp,
          "x-handwriting-build": SITE.build,
        },
      });
    } catch (e) {
      // the network failed mid-file: try the next way, then give up on this install
    }
  }
  throw new Error(`${path} does not match the build's manifest`);
}

// A page load is served by this build; anything else by the build its page or worker started with
// (a worker inherits its page's). A page this worker did not serve (loaded before it was installed)
// stays on the network, and so do the workers it starts (the browser sends their requests here
// too). A file the build's cache lacks comes from the network.
async function respond(event, url) {
  const { request } = event;
  const navigate = request.mode === "navigate";
  const build = navigate ? SITE.build : await buildOf(event.clientId);
  if (event.resultingClientId) event.waitUntil(remember(event.resultingClientId, build));
  if (navigate) event.waitUntil(tidy());
  let path = decodeURIComponent(url.pathname.slice(SCOPE.pathname.length));
  if (navigate && path === "") path = "index.html";
  let hit;
  if (build && (navigate || !url.search) && await caches.has(PREFIX + build)) {
    hit = await (await caches.open(PREFIX + build)).match(at(path));
  }
  if (!hit) return fetch(request);
  return request.method === "HEAD" ? new Response(null, { headers: hit.headers }) : hit;
}

// The build a page or worker started with; null: the network.
async function buildOf(id) {
  if (!id) return null;
  if (!builds.has(id)) {
    const record = await (await caches.open(META)).match(metaKey(`client/${id}`));
    builds.set(id, record ? (await record.json()).build : null);
  }
  return builds.get(id);
}

function remember(id, build) {
  builds.set(id, build);
  const record = new Response(JSON.stringify({ build, at: Date.now() }));
  return caches.open(META).then((meta) => meta.put(metaKey(`client/${id}`), record));
}

// Drop the records of pages and workers that are gone, then every build's cache that no open page
// uses (this build's is kept). Nothing is deleted while a newer build installs: its cache is not
// yet in use by anyone.
async function tidy() {
  const registration = self.registration;
  if (registration.installing || registration.waiting) return;
  const meta = await caches.open(META);
  const inUse = new Set([SITE.build]);
  for (const request of await meta.keys()) {
    const id = request.url.split("/__meta/client/")[1];
    if (!id) continue;
    const record = await (await meta.match(request)).json();
    if (await self.clients.get(id) || Date.now() - record.at < FORGET_MS) {
      if (record.build) inUse.add(record.build);
    }
    else {
      await meta.delete(request);
      builds.delete(id);
    }
  }
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && !inUse.has(name.slice(PREFIX.length))) await caches.delete(name);
  }
}

// The page's setting (runtime/offline.js writes it here): "on", "off", or none, when a connection
// that asks to save data means off.
async function liveOff() {
  const record = await (await caches.open(META)).match(metaKey("live"));
  const setting = record ? await record.text() : null;
  if (setting) return setting === "off";
  return Boolean(self.navigator.connection && self.navigator.connection.saveData);
}
