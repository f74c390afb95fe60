"""The stroke format: validation, polylines, SVG."""
import numpy as np
import pytest

import engine
from engine import strokes as S
from tests.helpers import random_weights


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
    model = engine.Model(random_weights())
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


def test_from_points_drops_the_first_position_and_lifts_at_stroke_ends():
    # two strokes of 3 and 2 points: 4 rows, the first from point 0 to point 1
    rows = S.from_points([[(10, 20), (11, 22), (12, 22)], np.zeros((0, 2)), [(15, 21), (15, 25)]])
    np.testing.assert_allclose(rows, [[1, 2, 0], [1, 0, 1], [3, -1, 0], [0, 4, 1]])
    assert rows.dtype == np.float64


@pytest.mark.parametrize("points, match", [
    ([], "fewer than two"),
    ([[(3.0, 4.0)]], "fewer than two"),
    ([np.zeros((0, 2)), [(1.0, 1.0)]], "fewer than two"),
    ([[(1.0, 2.0, 3.0)]], "shape"),
    ([[(1.0, 2.0), (np.inf, 0.0)]], "non-finite"),
    ([["a", "b"]], "numeric"),
])
def test_from_points_rejects_what_is_not_a_line(points, match):
    with pytest.raises(ValueError, match=match):
        S.from_points(points)
def test_small_steps_merge_into_the_next_point_and_every_position_stays():
    line = np.array([[0, 0, 0], [0.02, 0, 0], [0.03, 0, 0], [0.2, 0.1, 0], [0.01, 0, 1], [1, 1, 0], [0.01, 0, 0]], np.float32)
    out = S.merge_small_steps(line, 0.1)
    np.testing.assert_allclose(out, [[0, 0, 0], [0.25, 0.1, 0], [0.01, 0, 1], [1, 1, 0], [0.01, 0, 0]], atol=1e-6)
    kept = np.cumsum(line[:, :2], axis=0)[[0, 3, 4, 5, 6]]
    np.testing.assert_allclose(np.cumsum(out[:, :2], axis=0), kept, atol=1e-6)  # where the pen was, in order
    np.testing.assert_array_equal(S.merge_small_steps(line, 1e-9), line[[0, 1, 2, 3, 4, 5, 6]])


