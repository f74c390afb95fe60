"""The synthesis model's bars: which of its measurements pass, by one rule that the model card
(training/card_synthesis.py) prints and the build (builder/synthesis.py) gates fig-write on.

``python -m training.evaluate_synthesis`` writes the measurements into ``weights/synthesis.json``'s
``measured`` entry, one entry per bar, each named as in :data:`NAMES`. A record passes when every
bar is measured and each passes.
"""
from __future__ import annotations

from typing import NamedTuple

NAMES = ("text", "endings", "priming", "ocr")  # every bar a record must hold
GAIN = 0.05  # nats per point the own text must beat another line's by
NEAT_BIAS = 0.5  # from this bias up, no written line may fail its ending


class Bar(NamedTuple):
    name: str  # the measured entry's key
    label: str  # what it checks, in words
    measured: str  # what was measured, in words
    bar: str  # the rule, in words
    passed: bool


def _text(m: dict) -> Bar:
    return Bar("text", "uses the text", f"NLL own text {m['own_text']}, another line's {m['other_text']}: gain "
               f"{m['gain']} (unconditional model {m['unconditional']})", f"gain ≥ {GAIN}", m["gain"] >= GAIN)


def _endings(m: dict) -> Bar:
    failures = m["failures"]
    ok = all(v == 0 for k, v in failures.items() if float(k) >= NEAT_BIAS)
    return Bar("endings", f"good endings ({m['texts']} texts, first draws)",
               "failures by bias: " + ", ".join(f"{k}: {v}" for k, v in failures.items()) + _kinds(m) + _real_holds(m),
               f"0 at bias ≥ {NEAT_BIAS}", ok)


def _kinds(m: dict) -> str:
    """The failures by kind at each bias, and the pace the lines were written at, where measured."""
    if "kinds" not in m:
        return ""
    kinds = "; ".join(f"{b}: " + ", ".join(f"{k} {n}" for k, n in ks.items()) for b, ks in m["kinds"].items())
    pace = ", ".join(f"{k} {p['points_per_char']}" for k, p in m["pace"].items())
    return f" (by kind, {kinds}; points per character: {pace})"


def _real_holds(m: dict) -> str:
    """The hold rule on the validation lines themselves, where it was measured."""
    real = m.get("real_lines")
    return (f" (the validation lines themselves, fed: {real['over_hold']} of {real['lines']} hold a character "
            "longer than the limit)") if real else ""


def _priming(m: dict) -> Bar:
    ok = m["primed_own_writer"] < min(m["primed_other_writer"], m["unprimed"])
    return Bar("priming", f"priming adapts ({m['forms']} forms)", f"own writer {m['primed_own_writer']}, other writer "
               f"{m['primed_other_writer']}, unprimed {m['unprimed']}", "own lowest", ok)


def _ocr(m: dict) -> Bar:
    return Bar("ocr", f"legible ({m['lines']} lines, Tesseract)", f"CER model {m['cer_model']}, real lines {m['cer_real']}",
               "model ≤ real", m["cer_model"] <= m["cer_real"])


_RULES = {"text": _text, "endings": _endings, "priming": _priming, "ocr": _ocr}


def bars(measured: dict) -> list[Bar]:
    """The recorded bars (a record's ``measured`` entry), in the order of :data:`NAMES`; a bar
    not measured is left out. ValueError for an entry that lacks what its rule reads."""
    out = []
    for name in NAMES:
        if name in measured:
            try:
                out.append(_RULES[name](measured[name]))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ValueError(f"the synthesis record's {name!r} entry is malformed ({type(exc).__name__}: {exc})") from None
    return out


def failing(record: dict) -> str | None:
    """None when every bar is measured and passes; else one sentence naming the first that is not
    measured or fails (or what is wrong with the record)."""
    measured = record.get("measured") if isinstance(record, dict) else None
    if not isinstance(measured, dict):
        return "the synthesis model is not measured (its record has no 'measured' entry)"
    try:
        found = {b.name: b for b in bars(measured)}
    except ValueError as exc:
        return str(exc)
    for name in NAMES:
        if name not in found:
            return f"the synthesis model's bar {name!r} is not measured"
        if not found[name].passed:
            b = found[name]
            return f"the synthesis model fails its bar {name!r} ({b.label}: {b.measured}; bar: {b.bar})"
    return None
