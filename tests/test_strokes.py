"""The stroke format: validation, pointer input, polylines, SVG, the 2016 JSON forms."""
import numpy as np
import pytest

import engine
from engine import strokes as S


def test_from_pointer_units_spacing_and_pen_lifts():
    strokes = [[(10, 10), (11, 10), (28, 10), (46, 10)], [(100, 50), (118, 50)]]
    x = S.from_pointer(strokes, px_per_unit=18, min_spacing=5)
    # (11, 10) is closer than 5 px to (10, 10) and dropped; the first row is the origin
    np.testing.assert_allclose(x, [[0, 0, 0], [1, 0, 0], [1, 0, 1], [3, 2.2222222, 0], [1, 0, 1]], atol=1e-6)


def test_from_pointer_keeps_the_real_end_of_a_stroke():
    x = S.from_pointer([[(0, 0), (18, 0), (20, 0)]], px_per_unit=18, min_spacing=5)
    lines = S.to_polylines(x)
    np.testing.assert_allclose(lines[0][-1], [20 / 18, 0])
    assert x[-1, 2] == 1


@pytest.mark.parametrize("bad,match", [
    ([[(0, 0), (float("nan"), 3)]], "non-finite"),
    ([[(0, 0), (1e12, 3)]], "larger"),
    ([], "empty"),
    ([[]], "empty"),
    ([["a", "b"]], "pairs"),
])
def test_from_pointer_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        S.from_pointer(bad, px_per_unit=18)


def test_from_pointer_cap_on_points():
    huge = [[(i * 10.0, 0.0) for i in range(100_000)]]
    with pytest.raises(ValueError, match="limit"):
        S.from_pointer(huge, px_per_unit=18)


@pytest.mark.parametrize("bad,match", [
    ([[0, 0, 0], [np.nan, 1, 0]], "non-finite"),
    ([[0, 0, 0], [np.inf, 1, 0]], "non-finite"),
    ([[0, 0], [1, 1]], "shape"),
    (np.zeros((2, 3, 1)), "shape"),
    (np.zeros((0, 3)), "empty"),
    ([[0, 0, 0.5]], "pen_lift"),
    ([[0, 0, 2]], "pen_lift"),
    ([["x", 0, 0]], "numeric"),
])
def test_validate_rejects(bad, match):
    with pytest.raises(ValueError, match=match):
        S.validate(bad)


def test_validate_point_limit_is_configurable():
    x = np.zeros((30, 3))
    S.validate(x, max_points=30)
    with pytest.raises(ValueError, match="limit of 29"):
        S.validate(x, max_points=29)
    with pytest.raises(ValueError, match="limit"):
        S.validate(np.zeros((S.MAX_POINTS + 1, 3)))


def test_public_api_rejects_bad_strokes():
    model = engine.Model(__import__("tests.test_engine", fromlist=["random_weights"]).random_weights())
    for fn in (lambda s: engine.feed(model, s), lambda s: engine.nll(model, s),
               lambda s: engine.activations(model, s), lambda s: engine.continue_strokes(model, s, 5, 0.5)):
        with pytest.raises(ValueError):
            fn([[0, 0, 0], [np.nan, 0, 0]])
        with pytest.raises(ValueError):
            fn(np.zeros((0, 3)))


def test_polylines_and_svg():
    x = np.array([[1, 1, 0], [1, 0, 1], [2, 0, 0], [0, 1, 1]], float)
    lines = S.to_polylines(x, origin=(10, 20))
    np.testing.assert_allclose(lines[0], [[11, 21], [12, 21]])
    np.testing.assert_allclose(lines[1], [[14, 21], [14, 22]])
    assert S.to_svg_path(x, scale=2, digits=0) == "M2 2 L4 2 M8 2 L8 4"


def test_2016_forms_round_trip():
    raw = [[214, 511, 0], [3, -7, 0], [4, -3, 1], [190, -95, 0], [-4, 8, 1]]
    x = S.from_2016_raw(raw)
    np.testing.assert_allclose(x, np.array(raw[1:]) / [40, 40, 1])
    assert S.to_2016_raw(x, start=(214, 511)) == raw
    assert S.from_2016_scaled(S.to_2016_scaled(x)).tolist() == x.tolist()
    with pytest.raises(ValueError, match="start row"):
        S.from_2016_raw([[1, 2, 0]])
