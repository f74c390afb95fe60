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
