"""analysis.priming's measures on lines whose slant, height and width are known by construction:
a sheared line's slant is its shear, sizes scale with the line, the correlation is Pearson's."""
import numpy as np
import pytest

from analysis import priming
from engine.strokes import from_points


def _uprights(n=8, height=2.0, gap=1.0, shear=0.0, points=12):
    """``n`` narrow upright loops (down, a step right, up; pen lifted between) ``gap`` apart, y
    growing down the page, x then sheared by ``shear``·(height − y), so each loop's top leans right
    by ``shear`` per unit of height; as (T, 3) rows."""
    strokes = []
    for k in range(n):
        y = np.r_[np.linspace(0, height, points), np.linspace(height, 0, points)]
        x = k * gap + np.r_[np.zeros(points), np.full(points, 0.2)]
        strokes.append(np.column_stack([x + shear * (height - y), y]))
    return from_points(strokes)


@pytest.mark.parametrize("shear", [-0.3, 0.0, 0.2, 0.5])
def test_the_slant_of_a_sheared_line_is_its_shear(shear):
    assert priming.slant(_uprights(shear=shear)) == pytest.approx(np.degrees(np.arctan(shear)), abs=0.5)


def test_slant_ignores_size_and_the_moves_between_strokes():
    line = _uprights(shear=0.3)
    assert priming.slant(line * (3, 3, 1)) == pytest.approx(priming.slant(line), abs=1e-9)
    far = _uprights(gap=9.0, shear=0.3)  # long pen-up jumps do not count
    assert priming.slant(far) == pytest.approx(priming.slant(line), abs=1e-6)


def test_width_per_character_and_letter_height_follow_the_line():
    line = _uprights(n=8, gap=1.0)
    width = priming.width_per_char(line, "abcdefgh")
    assert width == pytest.approx(7.2 / 8)  # loops 0 to 7 apart, each 0.2 wide
    assert priming.width_per_char(line * (2, 2, 1), "abcdefgh") == pytest.approx(2 * width)
    measured = priming.measure(line, "abcdefgh")
    assert set(measured) == set(priming.MEASURES)
    assert priming.measure(line * (2, 2, 1), "abcdefgh")["letter height"] == pytest.approx(2 * measured["letter height"])


def test_correlation_is_pearsons():
    a = np.array([1.0, 2.0, 4.0, 7.0])
    assert priming.correlation(a, a) == pytest.approx(1.0)
    assert priming.correlation(a, 3 - 2 * a) == pytest.approx(-1.0)
    assert priming.correlation(a, [1.0, 3.0, 2.0, 5.0]) == pytest.approx(np.corrcoef(a, [1, 3, 2, 5])[0, 1])
    with pytest.raises(ValueError, match="constant"):
        priming.correlation(a, [2, 2, 2, 2])
    with pytest.raises(ValueError, match="same length"):
        priming.correlation(a, [1, 2])


def test_lines_that_copy_their_hands_follow_them_and_shuffled_ones_do_not():
    shears = [-0.2, 0.0, 0.1, 0.3, 0.5]
    hands = [priming.measure(_uprights(shear=s, height=2 + s), "abcdefgh") for s in shears]
    copied = [[priming.measure(_uprights(shear=s, height=2 + s, n=6), "abcdef")] for s in shears]
    r = priming.follows(hands, copied)
    assert r["slant"]["correlation"] == pytest.approx(1.0, abs=0.01)
    assert r["letter height"]["correlation"] == pytest.approx(1.0, abs=0.01)
    assert r["slant"]["slope"] == pytest.approx(1.0, abs=0.01)  # the copies slant as much as their hands
    halved = [[priming.measure(_uprights(shear=s / 2), "abcdef")] for s in shears]
    assert priming.follows(hands, halved)["slant"]["slope"] == pytest.approx(0.5, abs=0.05)
    reversed_ = priming.follows(hands, copied[::-1])
    assert reversed_["slant"]["correlation"] < -0.9
