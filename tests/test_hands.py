"""engine.hands: the measures (line height, pen-down offsets), resampling and the normalisation of
a foreign hand to IAM-OnDB's letter height and spacing, on synthetic lines; and what it does with
the input a reader's canvas may give (any scale, one stroke, a dot, nothing): a ValueError or a
finite line, never NaN."""
from __future__ import annotations

import numpy as np
import pytest

from engine import hands
from engine.strokes import MAX_ABS, from_points, to_polylines, validate


def _zigzag(n_teeth=20, height=2.0, tooth=1.0, points_per_edge=10, drift=0.0):
    """One stroke zigzagging between y = 0 and y = height (plus drift·x), as (T, 3) rows."""
    xs, ys = [], []
    for k in range(n_teeth):
        up = np.linspace(0, 1, points_per_edge, endpoint=False)
        xs += list(k * tooth + up * tooth / 2) + list(k * tooth + tooth / 2 + up * tooth / 2)
        ys += list(up * height) + list(height - up * height)
    xy = np.column_stack([xs, ys])
    xy[:, 1] += drift * xy[:, 0]
    rows = np.zeros((len(xy) - 1, 3))
    rows[:, :2] = np.diff(xy, axis=0)
    rows[-1, 2] = 1
    return rows


def test_line_height_ignores_sampling_density_drift_and_scales_with_the_line():
    base = hands.line_height(_zigzag())
    assert base == pytest.approx(1.0, rel=0.02)  # the middle half of a 0..2 zigzag along the ink
    assert hands.line_height(_zigzag(points_per_edge=40)) == pytest.approx(base, rel=0.02)
    assert hands.line_height(_zigzag(drift=0.3)) == pytest.approx(base, rel=0.05)
    assert hands.line_height(_zigzag() * (3, 3, 1)) == pytest.approx(3 * base, rel=1e-9)


def _handwriting_points(seed=0, repeats=1):
    """A loopy six-stroke 'line' in mm as absolute points per stroke, sampled in time with a
    varying speed; each sample repeated ``repeats`` times, as a tablet that reports stale
    positions does."""
    rng = np.random.default_rng(seed)
    strokes = []
    x0 = 0.0
    for k in range(6):
        t = np.cumsum(rng.uniform(0.3, 1.7, 300)) * 0.06  # uneven speed along the stroke
        xy = np.column_stack([x0 + 0.8 * t + 1.5 * np.sin(2.1 * t), 3.0 * np.cos(2.1 * t) + 0.5 * np.sin(0.7 * t)])
        strokes.append(np.repeat(xy, repeats, axis=0))
        x0 = xy[-1, 0] + 4.0
    return strokes


def _handwriting_mm(seed=0, repeats=1):
    """The same line as (T, 3) rows, as the UNIPEN reader gives a line."""
    return from_points(_handwriting_points(seed, repeats))


@pytest.mark.parametrize("method", ["time", "arc", "auto"])
def test_normalise_reaches_the_target_height_and_spacing_and_keeps_stroke_ends(method):
    mm = _handwriting_mm()
    out = hands.normalise(mm, resample_method=method)
    validate(out)
    assert out.dtype == np.float32
    assert hands.line_height(out) == pytest.approx(hands.IAM_HEIGHT, rel=0.03)
    # arc length: each stroke gets a whole number of equal steps, so the median moves in jumps
    assert np.median(hands.pen_down_offsets(out)) == pytest.approx(hands.IAM_SPACING, rel=0.02 if method == "arc" else 0.005)
    before, after = to_polylines(mm), to_polylines(out)
    assert len(after) == len(before) == 6 and out[-1, 2] == 1
    # stroke ends (relative to the line's first point, which both start from) only scale
    ends_before = np.concatenate([np.array([a[0], a[-1]]) for a in before])[1:]
    ends_after = np.concatenate([np.array([b[0], b[-1]]) for b in after])[1:]
    scale = float((ends_before * ends_after).sum() / (ends_before ** 2).sum())
    np.testing.assert_allclose(ends_after, ends_before * scale, atol=1e-3)
    assert scale == pytest.approx(hands.IAM_HEIGHT / hands.line_height(mm), rel=0.1)
    lengths = hands.pen_down_offsets(out)
    if method == "arc":  # every offset about the target, the last of each stroke shorter or longer
        assert np.quantile(lengths, 0.9) < 1.1 * hands.IAM_SPACING
    else:  # time keeps the speed profile: a spread of offset lengths like IAM-OnDB's
        assert lengths.std() / lengths.mean() > 0.2


def test_auto_uses_arc_length_where_the_tablet_repeats_samples():
    stale = _handwriting_mm(repeats=3)  # two thirds of the pen-down offsets are zero
    assert hands.repeat_fraction(stale) > hands.REPEAT_LIMIT > hands.repeat_fraction(_handwriting_mm())
    np.testing.assert_array_equal(hands.normalise(stale), hands.normalise(stale, resample_method="arc"))
    np.testing.assert_array_equal(hands.normalise(_handwriting_mm()),
                                  hands.normalise(_handwriting_mm(), resample_method="time"))
    with pytest.raises(ValueError, match="method"):
        hands.resample(stale, method="fast")



def _pixels(scale=1.0, shift=(300.0, 140.0)):
    """The handwriting line as a canvas would give it: absolute points per stroke, shifted from the
    origin and ``scale`` times the millimetres."""
    return [(points + shift) * scale for points in _handwriting_points()]


def _lifted(rows):
    """``rows`` with the pen lifted on the last one."""
    rows = rows.copy()
    rows[-1, 2] = 1
    return rows


def test_resampling_splits_rows_into_points_that_from_points_joins_back():
    rows = _handwriting_mm()
    np.testing.assert_allclose(from_points(hands._points_of(rows)), rows, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-6, 0.01, 37.8, 1e4])
def test_normalise_does_not_depend_on_the_scale_or_place_it_is_drawn_at(scale):
    """mm (the UNIPEN reader), canvas pixels or article units: the same line at letter height. The
    step that gives the spacing is found by iteration, so a last-digit difference in the input may
    stop it a step earlier or later: the point count and the scale vary by a few per cent."""
    reference = hands.normalise(_handwriting_mm())
    out = hands.normalise(from_points(_pixels(scale)))
    assert len(out) == pytest.approx(len(reference), rel=0.05)
    assert hands.line_height(out) == pytest.approx(hands.IAM_HEIGHT, rel=0.03)
    assert np.median(hands.pen_down_offsets(out)) == pytest.approx(hands.IAM_SPACING, rel=0.005)
    ends = [np.concatenate([p[[0, -1]] for p in to_polylines(x)]) for x in (reference, out)]
    np.testing.assert_allclose(ends[1], ends[0], atol=0.03 * np.ptp(ends[0]))


def test_one_stroke_and_a_line_in_the_engine_format():
    one = from_points(_pixels()[:1])
    out = hands.normalise(one)
    assert len(to_polylines(out)) == 1 and out[-1, 2] == 1
    assert hands.line_height(out) == pytest.approx(hands.IAM_HEIGHT, rel=0.03)
    again = hands.normalise(out)  # already at IAM-OnDB's height and spacing: about the same again
    assert hands.line_height(again) == pytest.approx(hands.IAM_HEIGHT, rel=0.03)
    assert len(again) == pytest.approx(len(out), rel=0.05)


@pytest.mark.parametrize("rows, match", [
    (np.zeros((0, 3)), "empty"),
    ([[0.0, np.nan, 0]], "non-finite"),
    ([[1.0, 1.0]], "shape"),
    ([[1.0, 2.0, 1]], "no height"),  # two points: one offset, which starts the line
    (np.tile([[0.0, 0.0, 0]], (50, 1)), "no height"),  # every point in one place
    (np.tile([[1.0, 0.5, 0]], (50, 1)), "no height|too flat"),  # a straight stroke: its baseline is the line
    (from_points([[(k, 0.0)] for k in range(20)]), "no height"),  # dots only: no pen-down movement
    (from_points([np.column_stack([np.arange(1000.0), 1e-9 * (np.arange(1000) % 2)])]),
     "too flat"),  # a line 1000 long and 1e-9 high: at letter height 10^12 long
    (np.r_[_lifted(_handwriting_mm()[:80] * 1e-6), [[MAX_ABS / 2, 0, 0]], _handwriting_mm()[:80] * 1e-6],
     "too far apart"),  # two small pieces of writing, the second half a million units to the right
    (from_points([np.array([(0.0, 0.0), (0.1, 0.3), (0.2, 0.0), (0.3, 0.3)]) + (50 * k, 40 * (k % 2))
                  for k in range(3)]),
     "height stays"),  # three small zigzags far apart: at letter height each is one offset, no height left
])
def test_normalise_rejects_what_has_no_letter_height(rows, match):
    with pytest.raises(ValueError, match=match):
        hands.normalise(rows)


@pytest.mark.parametrize("kwargs, match", [
    ({"height": 0}, "height"), ({"height": np.nan}, "height"), ({"spacing": -1}, "spacing"),
    ({"resample_method": "fast"}, "method"),
])
def test_normalise_rejects_bad_targets(kwargs, match):
    with pytest.raises(ValueError, match=match):
        hands.normalise(_handwriting_mm(), **kwargs)


@pytest.mark.parametrize("spread, lines_at_least", [(1.0, 0.95), (300.0, 0.0)])
def test_drawn_input_gives_a_finite_line_or_a_value_error(spread, lines_at_least):
    """Random scribbles a reader might leave: 1 to 4 strokes of 1 to 60 points (random walks,
    some with every point repeated, some single dots) at scales from 1e-9 to 1e5, along a line
    (``spread`` 1: strokes side by side) or scattered far apart for their size (300). Each gives
    a finite float32 line in the engine's format at the letter height, or a ValueError that says
    what is wrong; along a line nearly all give a line."""
    rng = np.random.default_rng(7)
    trials, made = 200, 0
    for trial in range(trials):
        scale = 10.0 ** rng.uniform(-9, 5)
        strokes, x = [], 0.0
        for _ in range(rng.integers(1, 5)):
            pts = np.cumsum(rng.normal(size=(int(rng.integers(1, 60)), 2)), axis=0)
            if rng.random() < 0.3:
                pts = np.repeat(pts, 2, axis=0)
            pts += (x, spread * rng.normal())
            x = pts[:, 0].max() + spread * rng.uniform(0, 2)
            strokes.append(pts * scale)
        try:
            out = hands.normalise(from_points(strokes))
        except ValueError as err:
            assert str(err).startswith(("normalise:", "points:")), err
            continue
        made += 1
        assert out.dtype == np.float32 and np.isfinite(out).all(), trial
        validate(out)
        assert abs(hands.line_height(out) / hands.IAM_HEIGHT - 1) <= hands.HEIGHT_TOLERANCE, trial
    assert made >= lines_at_least * trials
