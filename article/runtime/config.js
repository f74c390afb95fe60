// The values the page shares with the build, so each has one source: build.py page_config()
// writes them into <script type="application/json" id="page-config">, read here once.
const page = JSON.parse(document.getElementById("page-config").textContent);

export const PX_PER_UNIT = page.px_per_unit; // CSS px per article unit, as the static frames draw
export const PALETTE = page.palette; // {neg, mid, pos}: [r, g, b] of the heatmaps' diverging colours
export const PYODIDE_FILES = page.pyodide_files; // the files the worker checks before loading Pyodide
export const LIVE_BYTES = page.live_bytes; // gzip bytes the live figures download (the build sums them)
export const SYNTHESIS = page.synthesis; // the synthesis model's {weights, alphabet, max_text, line_chars}, or null where the site has none
