"""The measurements behind engine.hands: IAM-OnDB's letter height and spacing, and how UNIPEN fares.

    python -m analysis.hands iam [--split training]    # the targets engine.hands.IAM_HEIGHT, IAM_SPACING
    python -m analysis.hands unipen [--data PATH]      # per writers' set: repeats, resampling, NLL, height

``iam`` measures the split's lines as :func:`iam_statistics` does. ``unipen`` reads the UNIPEN
sample and, per set, gives the fraction of zero pen-down offsets (the tablet repeating a position,
what sends ``"auto"`` to arc length), the default model's median NLL per point with the lines
resampled in time and by arc length, next to IAM-OnDB validation lines', and how close the
normalised lines come to the target height. Both need ``../shared`` and take minutes (run them
under the heavy lock); what they gave is in docs/design.md, "Foreign hands".
"""
from __future__ import annotations

import argparse
import json

import numpy as np

import engine
from corpora import CACHE, iam, unipen
from engine.hands import IAM_HEIGHT, REPEAT_LIMIT, line_height, normalise, pen_down_offsets, repeat_fraction


def iam_statistics(lines) -> dict:
    """The normalisation targets of a list of (T, 3) IAM-OnDB lines (article units): ``height``
    (median :func:`engine.hands.line_height`) and ``spacing`` (median pen-down offset, all lines
    pooled), with quartiles and the spread of the offsets, and the percentiles of the lines'
    fraction of zero pen-down offsets, for the record."""
    heights = np.array([line_height(x) for x in lines])
    offsets = np.concatenate([pen_down_offsets(x) for x in lines])
    repeats = np.array([repeat_fraction(x) for x in lines])
    return {"lines": len(lines), "height": float(np.median(heights)),
            "height_quartiles": np.quantile(heights, [0.25, 0.75]).tolist(),
            "spacing": float(np.median(offsets)), "spacing_quartiles": np.quantile(offsets, [0.25, 0.75]).tolist(),
            "spacing_cv": float(offsets.std() / offsets.mean()),
            "repeats_median_p99_max": np.quantile(repeats, [0.5, 0.99, 1.0]).tolist()}


def line_nlls(model, lines) -> np.ndarray:
    """Each line's NLL per predicted point under ``model`` (lines with no predicted point left out)."""
    return np.array([-float(a.mean()) for a in engine.point_log_densities(model, lines) if len(a)])


def iam_validation_nlls(model) -> np.ndarray:
    """:func:`line_nlls` of the IAM-OnDB validation lines (``../shared``; cached once parsed)."""
    ds = iam.load_split(iam.DEFAULT_ARCHIVE, iam.split_file("validation"), cache_dir=CACHE, progress=False)
    return line_nlls(model, ds.lines)


def unipen_summary(segments, model, reference_nll: float) -> dict:
    """Per writers' set: lines, the range of zero-offset fractions, how many lines ``"auto"``
    resamples by arc length, the median NLL per point resampled in time and by arc length, and
    how far from ``IAM_HEIGHT`` the ``"auto"`` result's height stays at the most."""
    out = {"iam_validation_median_nll": round(reference_nll, 3), "sets": {}}
    for name in sorted({s.set for s in segments}):
        mm = [s.strokes for s in segments if s.set == name]
        repeats = [repeat_fraction(x) for x in mm]
        arc = np.array(repeats) > REPEAT_LIMIT
        lines = {m: [normalise(x, resample_method=m) for x in mm] for m in ("time", "arc")}
        auto = [lines["arc" if a else "time"][k] for k, a in enumerate(arc)]
        out["sets"][name] = {
            "lines": len(mm), "repeats_min_max": [round(min(repeats), 3), round(max(repeats), 3)],
            "auto_arc": int(arc.sum()),
            **{f"median_nll_{m}": round(float(np.median(line_nlls(model, lines[m]))), 3) for m in lines},
            "auto_height_error_max": round(max(abs(line_height(x) / IAM_HEIGHT - 1) for x in auto), 4)}
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["iam", "unipen"])
    p.add_argument("--split", default="training", help="IAM-OnDB split for iam")
    p.add_argument("--data", default=str(unipen.DEFAULT_ARCHIVE), help="UNIPEN folder or archive for unipen")
    a = p.parse_args(argv)
    if a.command == "iam":
        ds = iam.load_split(iam.DEFAULT_ARCHIVE, iam.split_file(a.split), cache_dir=CACHE, progress=False)
        print(json.dumps(iam_statistics(ds.lines), indent=1))
    else:
        model = engine.load_model()
        reference = float(np.median(iam_validation_nlls(model)))
        print(json.dumps(unipen_summary(unipen.load(a.data), model, reference), indent=1))


if __name__ == "__main__":
    main()
