"""fig-console's static frame: the line its first example draws, and the examples its buttons run."""
import json
from pathlib import Path

import engine
from builder.frames import fit_origin, svg

EXAMPLES = Path(__file__).resolve().parent / "examples.json"


def console_examples(claims: dict, synthesis: bool = False) -> list[dict]:
    """The console's runnable examples (examples.json beside this file); an example that names a
    cell claim gets that claim's cell (``{cell}`` in its label and code), and is left out when the
    claims do not hold it; one that needs the synthesis model (``"needs": "synthesis"``) is left out
    when the site does not ship it."""
    out = []
    for ex in json.loads(EXAMPLES.read_text()):
        code = "".join(ex["code"])
        if ex.get("needs") == "synthesis" and not synthesis:
            continue
        if "claim" in ex:
            if ex["claim"] not in claims:
                continue
            cell = claims[ex["claim"]]["cell"]
            out.append({"label": ex["label"].format(cell=cell), "code": code.format(cell=cell)})
        else:
            out.append({"label": ex["label"], "code": code})
    return out


def frame(model, settings: dict, inputs) -> dict:
    pts, _ = engine.generate(model, 300, 0.6, seed=1)  # what the first example draws
    origin = fit_origin(pts, 900.0, 160.0)
    return {"examples_json": json.dumps(console_examples(inputs.claims, inputs.synthesis is not None)).replace("</", "<\\/"),
            "svg": svg([(pts, origin, "ink")], 900.0, 160.0, "A line the model wrote: what the console's first example draws")}
