"""The worker protocol's Python side (engine.protocol) in CPython: every request checked once and
the same way, errors as one sentence, replies in the shape the worker copies to JS."""
import json

import numpy as np
import pytest

from engine import protocol
from engine import weights as W
from tests.helpers import random_line, random_weights


@pytest.fixture
def served():
    protocol.init(W.dumps(random_weights(hidden=8, mixtures=3), "f4"))
    return protocol


def reply(served, kind, payload):
    return list(served.handle(kind, payload))


LINE = random_line(12).astype(np.float32).ravel()
WITH_TEMPERATURE = {
    "continue": {"session": "s", "append": LINE, "n": 5, "seed": 1},
    "generate": {"session": "g", "n": 5, "seed": 1},
    "paths": {"strokes": LINE, "n_paths": 3, "steps": 2, "seed": 1},
}


@pytest.mark.parametrize("kind", sorted(WITH_TEMPERATURE))
@pytest.mark.parametrize("temperature", [None, 0, -1, float("nan"), "warm"])
def test_every_sampling_request_checks_its_temperature(served, kind, temperature):
    payload = dict(WITH_TEMPERATURE[kind])
    if temperature is not None:
        payload["temperature"] = temperature
    with pytest.raises(ValueError, match="temperature"):
        reply(served, kind, payload)


@pytest.mark.parametrize("kind", sorted(WITH_TEMPERATURE))
def test_sampling_requests_answer_with_a_valid_temperature(served, kind):
    out = reply(served, kind, {**WITH_TEMPERATURE[kind], "temperature": 0.5})
    assert out[-1][0] == "result"
    if kind == "paths":
        progress = [d for k, d in out if k == "progress"]
        assert sum(d["count"] for d in progress) == len(LINE) // 3
        assert all(d["branches"].size == d["count"] * 3 * 2 * 3 for d in progress)
    else:
        assert out[-1][1]["strokes"].shape == (15,)


def test_bad_requests_become_one_sentence_and_the_worker_keeps_serving(served):
    for kind, payload in [("nope", {}), ("nll", {"strokes": [0, 0, 0, np.nan, 0, 0]}), ("generate", [1, 2])]:
        res = served.next_reply(served.start(kind, payload))
        assert res[0] == "error"
        message = json.loads(res[1])["message"]
        assert message and "Traceback" not in message and "\n" not in message
    kind, data, names, arrays = served.next_reply(served.start("nll", {"strokes": LINE}))
    assert kind == "result" and np.isfinite(json.loads(data)["nll"]) and names == []
