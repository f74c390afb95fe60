"""The worker protocol's Python side (engine.protocol) in CPython: every request checked once and
the same way, errors as one sentence, replies in the shape the worker copies to JS, the README's
table of requests as the handlers are, a fresh console after a new model."""
import ast
import inspect
import json
import re
import textwrap
from pathlib import Path

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


README = Path(__file__).resolve().parent.parent / "README.md"
CLIENT_ONLY = {"init"}  # answered by the worker itself (article/runtime/worker.js), not by a handler


def readme_requests() -> dict[str, tuple[set[str], set[str]]]:
    """The README's "Worker protocol" table: type → (the payload's names, the words of its result)."""
    section = README.read_text(encoding="utf-8").split("## Worker protocol", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.fullmatch(r"\| `(\w+)` \| (.*) \| (.*) \|", line.strip())
        if m:
            names = {n.strip() for span in re.findall(r"`([^`]*)`", m[2]) for n in span.split(",")}
            rows[m[1]] = (names, set(re.findall(r"\w+", m[3])))
    return rows


def handler_names(handler) -> tuple[set[str], set[str]]:
    """What a handler reads from its payload (``p.get("name")``, ``p["name"]``) and the names of the
    dicts it builds (its replies)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    payload = tree.body[0].args.args[0].arg
    reads, replies = set(), set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == payload):
            reads.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == payload:
            reads.add(node.slice.value)
        elif isinstance(node, ast.Dict):
            replies |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return reads, replies


def test_the_readme_lists_the_requests_the_handlers_serve():
    rows = readme_requests()
    assert set(rows) - CLIENT_ONLY == set(protocol.HANDLERS)
    for kind, handler in protocol.HANDLERS.items():
        reads, replies = handler_names(handler)
        payload, result = rows[kind]
        assert payload == reads, f"README's {kind} payload {sorted(payload)}; the handler reads {sorted(reads)}"
        assert replies <= result, f"README's {kind} result does not name {sorted(replies - result)}"


def test_the_table_check_reads_what_a_handler_reads_and_replies():
    def handle_demo(p):
        yield "result", {"ms": p.get("batch", 1) + p["steps"]}
    assert handler_names(handle_demo) == ({"batch", "steps"}, {"ms"})


def test_a_new_model_gets_a_new_console():
    """The console's namespace holds the model it was made with: a new init makes it anew."""
    protocol.init(W.dumps(random_weights(hidden=8, mixtures=3), "f4"))
    first = list(protocol.handle("exec", {"code": "mine = 1\nmodel.hidden"}))[-1][1]
    protocol.init(W.dumps(random_weights(hidden=12, mixtures=3), "f4"))
    second = list(protocol.handle("exec", {"code": "model.hidden"}))[-1][1]
    assert first["output"].strip() == "8" and second["output"].strip() == "12"
    assert "NameError" in list(protocol.handle("exec", {"code": "mine"}))[-1][1]["error"]
