// Firefox (Debian's firefox-esr), headless, driven by puppeteer-core over WebDriver BiDi: the Gecko
// side of bench/engines.py, which starts this script and talks to it one JSON line each way.
//
//   node bench/gecko.mjs FIREFOX WIDTH HEIGHT LIMIT_MS
//   stdin:  {"op": "goto", "url": …} | {"op": "evaluate", "expression": …} | {"op": "click", "x", "y"}
//           | {"op": "draw", "strokes": [[[x, y], …], …]} | {"op": "preload", "script"} | {"op": "reload"}
//           | {"op": "errors"} | {"op": "close"}
//   stdout: {"ok": true, "value": …} or {"ok": false, "error": "…"}, one line per request, in turn.
//
// Coordinates are the viewport's CSS pixels. "errors" hands over (and forgets) the console errors
// the page logged since the last call (its uncaught errors: bench/engines.py WATCH, preloaded).
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const [executablePath, width, height, limit] = process.argv.slice(2);
const timeout = Number(limit);

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  protocolTimeout: timeout + 60_000, // a call's own limit (a wait) is LIMIT_MS; this one is longer
  defaultViewport: { width: Number(width), height: Number(height) },
});
const page = await browser.newPage();
page.setDefaultTimeout(timeout);
const errors = [];
page.on("console", (m) => { if (m.type() === "error") errors.push(`console error: ${m.text()}`); });

const ops = {
  preload: ({ script }) => page.evaluateOnNewDocument(script).then(() => null),
  goto: ({ url }) => page.goto(url, { waitUntil: "load" }).then(() => null),
  reload: () => page.reload({ waitUntil: "load" }).then(() => null),
  evaluate: ({ expression }) => page.evaluate(expression),
  click: ({ x, y }) => page.mouse.click(x, y),
  draw: async ({ strokes }) => {
    for (const [first, ...rest] of strokes) {
      await page.mouse.move(...first);
      await page.mouse.down();
      for (const point of rest) await page.mouse.move(...point);
      await page.mouse.up();
    }
  },
  errors: () => errors.splice(0),
  close: () => browser.close(),
};

const say = (reply) => process.stdout.write(JSON.stringify(reply) + "\n");
for await (const line of createInterface({ input: process.stdin })) {
  const { op, ...args } = JSON.parse(line);
  try {
    if (!(op in ops)) throw new Error(`unknown request ${op}`);
    say({ ok: true, value: (await ops[op](args)) ?? null });
  } catch (e) {
    say({ ok: false, error: String(e?.message ?? e) });
  }
  if (op === "close") break;
}
await browser.close().catch(() => {});
