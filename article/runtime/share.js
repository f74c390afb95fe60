// A figure's settings in the URL fragment, so a link restores them:
//   #fig-paths:sample=2,steps=8,variation=0.65
export function readShared(id) {
  const m = decodeURIComponent(location.hash.slice(1)).match(new RegExp(`^${id}:(.*)$`));
  if (!m) return {};
  const out = {};
  for (const part of m[1].split(",")) {
    const [k, v] = part.split("=");
    if (k && v !== undefined) out[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

export function writeShared(id, settings) {
  const text = Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(",");
  history.replaceState(null, "", `#${id}:${text}`);
}
