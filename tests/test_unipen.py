"""The UNIPEN reader (corpora.unipen) on hand-written fixture files in tests/fixtures/unipen (never
copies of the shared data), plus one check on the real sample normalised by engine.hands."""
from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

import corpora
from corpora import iam, unipen
from engine import hands
from tests.conftest import need_shared

FIX = Path(__file__).parent / "fixtures" / "unipen"


@pytest.fixture(scope="module")
def segments():
    return {s.text: s for s in unipen.load(FIX)}


def test_includes_resolve_from_the_include_folder_and_beside_the_file(segments):
    # data/8/mm/w1/page.dat includes mm/mm.doc and mm/data/w1/*.dat from include/
    assert sorted(segments) == ["ab", "b c d", "c, d", "in inches", "second set"]
    ab = segments["ab"]
    assert (ab.set, ab.file, ab.line, ab.quality, ab.level) == ("mm", "data/8/mm/w1/page.dat", 4, "GOOD", "TEXT")
    assert segments["in inches"].set == "inch"
    # bad/outer.dat includes inner.dat beside it: the error found there names inner.dat
    with pytest.raises(ValueError, match=r"bad/inner\.dat:4:"):
        unipen.parse(FIX, "bad/outer.dat")


def test_pen_blocks_give_strokes_in_mm_y_down(segments):
    # components 0 (3 points) and 1 (2 points) at 10 points per mm, the third column ignored
    np.testing.assert_allclose(segments["ab"].strokes, [[1, -1, 0], [1, 1, 1], [1, 0, 0], [1, 2, 1]])


def test_pen_up_blocks_count_as_components_but_are_not_ink_and_empty_blocks_do_not_count(segments):
    # 2 is a pen-up block with a point (skipped), 3 a one-point pen-down block (a dot), then an
    # empty pen-up and an empty pen-down block that take no number, so 4 is the 4-point stroke
    np.testing.assert_allclose(segments["c, d"].strokes, [[1, 0, 0], [1, -1, 0], [1, -1, 0], [1, -1, 1]])


def test_point_level_delineation(segments):
    # 0:1-4:2 = component 0 from its point 1, components 1–3 whole, component 4 up to its point 2
    np.testing.assert_allclose(segments["b c d"].strokes,
                               [[1, 1, 1], [1, 0, 0], [1, 2, 1], [1, -2, 1], [1, 0, 0], [1, -1, 0], [1, -1, 1]])
    assert segments["b c d"].quality == "?"


def test_start_set_restarts_the_numbering_and_segments_continue_on_the_next_line(segments):
    seg = segments["second set"]  # ".SEGMENT TEXT 0-1" then 'GOOD "second set"' on the next line
    assert seg.quality == "GOOD" and seg.line == 10
    np.testing.assert_allclose(seg.strokes, [[0.5, 1, 1], [0.5, -1, 0], [1, 0, 1]])


def test_levels_other_than_text_on_request():
    words = unipen.parse(FIX, "data/8/mm/w1/page.dat", level="WORD")
    assert [w.text for w in words] == ["a"] and words[0].level == "WORD"
    np.testing.assert_allclose(words[0].strokes, [[1, -1, 0], [1, 1, 1]])


def test_units_per_inch_and_per_mm(segments):
    # 254 points per inch in x = 10 per mm; 508 per inch in y = 20 per mm
    np.testing.assert_allclose(segments["in inches"].strokes, [[1, -1, 1], [2, 2, 0], [1, 0, 1]])


def test_y_points_up_in_unipen_and_down_in_the_output():
    flipped = {s.text: s.strokes for s in unipen.load(FIX)}
    raw = {s.text: s.strokes for s in unipen.load(FIX, y_up=False)}
    for text in flipped:
        np.testing.assert_allclose(raw[text][:, 1], -flipped[text][:, 1])
        np.testing.assert_array_equal(raw[text][:, [0, 2]], flipped[text][:, [0, 2]])


def test_a_tar_archive_reads_like_the_folder(tmp_path, segments):
    archive = tmp_path / "sample.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for sub in ("data", "include"):
            tar.add(FIX / sub, arcname=sub)
    from_tar = {s.text: s for s in unipen.load(archive)}
    assert sorted(from_tar) == sorted(segments)
    for text, seg in segments.items():
        np.testing.assert_array_equal(from_tar[text].strokes, seg.strokes)


@pytest.mark.parametrize("name, line, what", [
    ("point.dat", 6, "not a point"),
    ("columns.dat", 7, "2 values, .COORD declares 3"),
    ("missing_include.dat", 4, "nowhere/header.doc: file not found"),
    ("range.dat", 8, "needs component 1, the set has 1"),
    ("quote.dat", 8, "without a closing quote"),
    ("no_units.dat", 6, "no .X_/.Y_POINTS_PER_MM"),
    ("negative_units.dat", 3, "must be positive"),
    ("data_first.dat", 2, "data before any keyword"),
    ("cycle.dat", 2, "include cycle"),  # cycle.dat → cycle_inner.dat → cycle.dat: found in the inner file
    ("delineation.dat", 8, "bad delineation '0-a'"),
    ("backwards.dat", 12, "runs backwards"),
])
def test_malformed_files_name_the_file_and_line(name, line, what):
    with pytest.raises(ValueError) as err:
        unipen.parse(FIX, f"bad/{name}")
    message = str(err.value)
    where = "bad/cycle_inner.dat:2:" if name == "cycle.dat" else f"bad/{name}:{line}:"
    assert message.startswith(where) and what in message, message


def test_a_missing_source_or_entry_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no such folder or archive"):
        unipen.load(tmp_path / "absent")
    with pytest.raises(ValueError, match=r"bad/absent\.dat: no such file"):
        unipen.parse(FIX, "bad/absent.dat")


def test_load_normalised_is_engine_hands_normalise_of_the_millimetres(tmp_path):
    # a written file (not a copy of the data): two loopy strokes, 20 points per mm, y up
    t = np.linspace(0, 12, 200)
    strokes = [np.column_stack([x0 + 2 * t + 6 * np.sin(t), 8 * np.cos(t)]) for x0 in (0, 40)]
    page = tmp_path / "data" / "8" / "set" / "w" / "p.dat"
    page.parent.mkdir(parents=True)
    blocks = "".join(".PEN_DOWN\n" + "".join(f"{x * 20:.0f} {y * 20:.0f}\n" for x, y in s) + ".PEN_UP\n"
                     for s in strokes)
    page.write_text(f".X_POINTS_PER_MM 20\n.Y_POINTS_PER_MM 20\n{blocks}.SEGMENT TEXT 0-1 OK \"loops\"\n")
    (mm,) = unipen.load(tmp_path)
    assert mm.text == "loops" and mm.set == "set" and len(mm.strokes) == 399
    for args in ({}, {"resample_method": "arc"}):
        (seg,) = unipen.load(tmp_path, normalised=True, **args)
        np.testing.assert_array_equal(seg.strokes, hands.normalise(mm.strokes, **args))
        assert seg.strokes.dtype == np.float32 and (seg.text, seg.set) == (mm.text, mm.set)
    assert not np.array_equal(unipen.load(tmp_path, normalised=True, resample_method="arc")[0].strokes,
                              unipen.load(tmp_path, normalised=True)[0].strokes)


def _ks(a, b_sorted) -> float:
    """Two-sample Kolmogorov–Smirnov statistic: the largest gap between the empirical CDFs.

    ``b_sorted`` (the large pool) is sorted once by the caller. Between two values of ``a`` its
    CDF is constant and the pool's only grows, so the gap is largest just at or just before a
    value of ``a``: those are the only places looked at.
    """
    a = np.sort(a)
    gaps = [np.searchsorted(a, a, side) / len(a) - np.searchsorted(b_sorted, a, side) / len(b_sorted)
            for side in ("left", "right")]
    return float(np.abs(gaps).max())


def test_real_unipen_lines_have_iam_like_offsets_after_normalisation(iam_dir):
    """The measure: the two-sample Kolmogorov–Smirnov statistic between one line's pen-down
    offset lengths and those of all IAM-OnDB validation lines pooled.

    The bound comes from IAM-OnDB itself, in this test: its own validation lines score a median
    of about 0.13 and a 95th percentile of about 0.29 against their pool (lines differ in writer
    and speed). Every UNIPEN line resampled in time must stay under that 95th percentile and their
    median under IAM's median (measured: 0.04–0.24, median 0.09). Lines resampled by arc length
    (``dar``, whose tablet repeats samples) have a spike of equal offsets by construction
    (statistic ≈ 0.5): for them only the median spacing is checked.
    """
    source = need_shared("data", "unipen") / unipen.DEFAULT_ARCHIVE.name
    val = iam.load_split(iam_dir / "lineStrokes-all.tar.xz", iam_dir / "splits" / "validation_set.txt",
                         cache_dir=corpora.CACHE, progress=False)
    pool = np.sort(np.concatenate([hands.pen_down_offsets(x) for x in val.lines]))
    iam_ks = np.array([_ks(hands.pen_down_offsets(x), pool) for x in val.lines])
    bound, typical = np.quantile(iam_ks, 0.95), np.median(iam_ks)
    assert 0.2 < bound < 0.4 and 0.08 < typical < 0.2  # what the docstring says of IAM-OnDB

    timed, arc_sets = [], set()
    for seg in unipen.load(source):
        out = hands.normalise(seg.strokes)
        lengths = hands.pen_down_offsets(out)
        assert np.median(lengths) == pytest.approx(hands.IAM_SPACING, rel=0.02), seg.text
        if hands.repeat_fraction(seg.strokes) > hands.REPEAT_LIMIT:
            arc_sets.add(seg.set)
        else:
            timed.append(_ks(lengths, pool))
    assert arc_sets == {"dar"} and len(timed) >= 150
    assert max(timed) < bound, (max(timed), bound)
    assert np.median(timed) < typical, (np.median(timed), typical)
