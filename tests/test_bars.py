"""engine.bars: the one rule for whether the synthesis model's record passes, which the model card
prints and the build gates fig-write on."""
import copy

import pytest

from engine import bars
from tests.helpers import PASSING_RECORD


def test_a_record_passes_when_every_bar_is_measured_and_passes():
    assert bars.failing(PASSING_RECORD) is None
    assert [b.name for b in bars.bars(PASSING_RECORD["measured"])] == list(bars.NAMES)
    assert all(b.passed for b in bars.bars(PASSING_RECORD["measured"]))


FAILS = [  # (a change to the passing record, the sentence's telling words)
    (lambda m: m["text"].update(gain=0.049), "fails its bar 'text'"),
    (lambda m: m["endings"]["failures"].update({"0.5": 1}), "fails its bar 'endings'"),
    (lambda m: m["priming"].update(primed_own_writer=-2.0), "fails its bar 'priming'"),  # ties the other writer
    (lambda m: m["priming"].update(primed_own_writer=-2.05), "fails its bar 'priming'"),  # beats other, not unprimed
    (lambda m: m["ocr"].update(cer_model=0.45), "fails its bar 'ocr'"),
    (lambda m: m.pop("ocr"), "bar 'ocr' is not measured"),
    (lambda m: m["text"].pop("gain"), "'text' entry is malformed"),
]


@pytest.mark.parametrize("change,words", FAILS, ids=[w for _, w in FAILS])
def test_each_bar_that_fails_or_is_missing_is_named(change, words):
    record = copy.deepcopy(PASSING_RECORD)
    change(record["measured"])
    sentence = bars.failing(record)
    assert sentence and words in sentence and "\n" not in sentence


def test_endings_below_the_neat_bias_do_not_count():
    record = copy.deepcopy(PASSING_RECORD)
    record["measured"]["endings"]["failures"]["0.0"] = 40
    assert bars.failing(record) is None


@pytest.mark.parametrize("record", [{}, {"measured": None}, [], "x"])
def test_a_record_without_measurements_is_not_measured(record):
    assert "not measured" in bars.failing(record)


def test_the_endings_row_tells_the_kinds_of_failure_and_the_pace_where_measured():
    record = copy.deepcopy(PASSING_RECORD)
    endings = record["measured"]["endings"]
    endings.pop("kinds", None), endings.pop("pace", None)  # a record measured before either was
    assert "by kind" not in bars.bars(record["measured"])[1].measured
    endings["kinds"] = {"0.5": {"held": 2, "out of order": 1, "ran out": 0}}
    endings["pace"] = {"validation lines": {"points_per_char": 19.4}, "bias 0.5": {"points_per_char": 24.1}}
    row = [b for b in bars.bars(record["measured"]) if b.name == "endings"][0].measured
    assert "0.5: held 2, out of order 1, ran out 0" in row and "validation lines 19.4, bias 0.5 24.1" in row
