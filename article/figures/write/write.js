// fig-write: type a text and the synthesis model (Graves 2013, §5) writes it, live, point by
// point, in the hand chosen: its own, a UNIPEN writer's, or the reader's; under the ink, where it
// read (sheet.js). The model loads once the page's first model is ready, when the figure comes
// near the screen or on Write; it runs in the model worker ("synthesis" and "write" requests).
import { model, flatten } from "../../runtime/client.js";
import { SYNTHESIS } from "../../runtime/config.js";
import { attachFigure, slider, count } from "../../runtime/figure.js";
import { WritingPad } from "../../runtime/pad.js";
import { loadSamples } from "../../runtime/samples.js";
import { writeShared } from "../../runtime/share.js";
import { Sheet } from "./sheet.js";

// What a link may set (runtime/share.js): the text, the hand (the picker's option value, taken
// only if the picker has it), the Neatness and the seed of the draw.
export const shared = {
  text: { type: "text", maxLength: SYNTHESIS ? SYNTHESIS.max_text : 0 },
  hand: { type: "text", maxLength: 8 },
  neatness: { type: "number", min: 0, max: 2 },
  seed: { type: "integer", min: 0, max: 2 ** 31 - 1, default: 1 },
};

// An error reply's sentence as the figure shows it.
const sentence = (m) => m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? "" : ".");
const quoted = (chars) => chars.map((c) => `‘${c}’`).join(", ");

export async function mount(root, config) {
  const $ = (selector) => root.querySelector(selector);
  const input = $("input.text"), note = $(".text-note"), hand = $("select.hand");
  const buttons = { write: $("button.write"), stop: $("button.stop"), again: $("button.again"), save: $("button.save") };
  if (config.text !== undefined) input.value = config.text;
  const neatness = slider($("input.neatness"), config.neatness);
  const known = new Set(SYNTHESIS.alphabet);
  const hands = (await loadSamples(config)).filter((s) => s.human && s.text); // lines people wrote, with their text
  hands.forEach((s, i) => hand.add(new Option(s.label, String(i))));
  hand.add(new Option("my handwriting", "mine"));
  if ([...hand.options].some((o) => o.value === String(config.hand))) hand.value = String(config.hand);
  const pad = new WritingPad($("canvas.pad"));
  const showOwn = () => { $(".own").hidden = hand.value !== "mine"; };
  hand.addEventListener("change", showOwn);
  showOwn();
  $("button.clear-own").addEventListener("click", () => pad.clear());
  const readout = $(".readout");
  const sheet = new Sheet(root, known, (text) => { readout.textContent = text; });
  let job = null, seed = config.seed, written = false;
  const say = attachFigure(root, () => {
    $(".frame.static").hidden = false; // the build's line stays until the reader writes
    pad.enabled = true;
    setBusy(false);
    loadWhenNear(root);
  });

  // The limit and the characters the model never saw, said next to the field before writing.
  function describe() {
    const chars = [...input.value], max = SYNTHESIS.max_text, per = SYNTHESIS.line_chars;
    const unknown = [...new Set(chars.filter((c) => !known.has(c) && !/\s/.test(c)))];
    let text = chars.length > max
      ? `${chars.length.toLocaleString("en")} characters: the model writes at most ${max} at a time.`
      : `${chars.length} of ${max} characters${chars.length > per ? `, written in lines of up to ${per}` : ""}.`;
    if (unknown.length) text += ` The model never saw ${quoted(unknown)}; it writes a stand-in for ${unknown.length > 1 ? "each" : "it"}.`;
    note.textContent = text;
  }
  input.addEventListener("input", describe);
  describe();

  function setBusy(busy) {
    buttons.stop.disabled = !busy;
    buttons.again.disabled = busy || !written;
    buttons.save.disabled = !written;
  }

  // The request's hand: the model's own (nothing), a human line (already at IAM-OnDB's letter
  // height and spacing), or the pad's strokes with their typed text (normalised by the worker).
  function style() {
    if (hand.value === "own") return {};
    if (hand.value === "mine") return { style: flatten(pad.rows), style_text: $("input.own-text").value, normalise: true };
    const line = hands[Number(hand.value)];
    return { style: line.strokes, style_text: line.text };
  }

  async function write(again) {
    stop();
    if (again) seed++;
    const mine = {};
    job = mine;
    writeShared(root.id, { text: input.value, hand: hand.value, neatness: neatness.value, seed });
    root.dataset.seed = String(seed);
    root.dataset.points = "0"; // points drawn of this write
    setBusy(true);
    try {
      if (!model.synthesis) say("Loading the model that writes a given text…");
      await model.loadSynthesis();
      if (job !== mine) return;
      say(hand.value === "own" ? "" : "Reading the hand…");
      let first = true;
      mine.request = model.request("write", { text: input.value, bias: Number(neatness.value), seed, ...style() }, {
        onProgress: (msg) => {
          if (job !== mine || msg.reading) return;
          if (first) { // the first points: the new line replaces the old picture
            first = false;
            $(".frame.static").hidden = true;
            $(".sheet-controls").hidden = false;
            sheet.reset(msg.lines);
            written = true;
            say("");
          }
          sheet.add(msg);
        },
      });
      const result = await mine.request.promise;
      if (job !== mine) return;
      root.dataset.peaks = sheet.lines[0].arg.join(",");
      root.dataset.lines = String(result.lines.length);
      count(root, "writes");
    } catch (err) {
      if (job === mine && !err.cancelled) { say(sentence(err.message)); count(root, "errors"); }
    } finally {
      if (job === mine) { job = null; setBusy(false); }
    }
  }

  // Stop: the request is cancelled and the pen stops where it is.
  function stop() {
    if (job && job.request) job.request.cancel();
    job = null;
    sheet.stop();
    setBusy(false);
  }

  function save() {
    const url = URL.createObjectURL(new Blob([sheet.svg()], { type: "image/svg+xml" }));
    const a = document.createElement("a");
    a.href = url; a.download = "handwriting.svg";
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    count(root, "saves");
  }

  $("form.write-form").addEventListener("submit", (e) => { e.preventDefault(); write(false); }); // Write, or Enter in the field
  buttons.stop.addEventListener("click", stop);
  buttons.again.addEventListener("click", () => write(true));
  buttons.save.addEventListener("click", save);
  setBusy(false);
}

// The synthesis model loads when the figure comes within a screen of the viewport (a failure is
// said on Write, which asks again).
function loadWhenNear(root) {
  new IntersectionObserver((entries, observer) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    model.loadSynthesis().catch(() => {});
  }, { rootMargin: "100% 0px" }).observe(root);
}
