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

import engine
from engine import protocol
from engine import synthesis as S
from engine import weights as W
from tests.helpers import random_line, random_synthesis, random_weights


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


# -- the synthesis model: synthesis (load) and write (stream) -------------------------------------
@pytest.fixture
def writer(served):
    """The protocol with a small random synthesis model loaded, as fig-write loads it."""
    out = reply(served, "synthesis", {"weights": random_synthesis()})
    assert out[-1][1]["info"]["alphabet"] == " abcdehilnorstw,."
    return served


def streamed(writer, payload):
    """A write request's progress replies put back together: per line, its points and φ rows."""
    out = reply(writer, "write", payload)
    kind, result = out[-1]
    assert kind == "result"
    lines = result["lines"]
    points, window = [[] for _ in lines], [[] for _ in lines]
    for kind, d in out[:-1]:
        assert kind == "progress" and d["lines"] == lines
        assert d["points"].size % 3 == 0 and d["window"].size == d["points"].size // 3 * (len(lines[d["line"]]) + 1)
        points[d["line"]].append(d["points"].reshape(-1, 3))
        window[d["line"]].append(d["window"].reshape(-1, len(lines[d["line"]]) + 1))
    assert result["points"] == sum(sum(len(p) for p in line) for line in points)
    return lines, [np.concatenate(p) for p in points], [np.concatenate(w) for w in window]


def test_write_streams_what_engine_write_writes(writer):
    synth = engine.load_synthesis(random_synthesis())
    lines, points, window = streamed(writer, {"text": "the cat sat on a hat", "bias": 0.5, "seed": 4})
    want = engine.write(synth, "the cat sat on a hat", bias=0.5, seed=4)
    assert lines == ["the cat sat on a hat"]
    np.testing.assert_array_equal(points[0], want[0])
    np.testing.assert_allclose(window[0], want[1], rtol=1e-6)  # the replies carry float32


def test_a_long_text_is_written_line_by_line_each_with_its_seed(writer):
    text = "the cat sat on the hat, and the hat sat on the cat; " * 3
    synth = engine.load_synthesis(random_synthesis())
    lines, points, _ = streamed(writer, {"text": text, "bias": 1.0, "seed": 7})
    assert len(lines) > 1 and all(len(line) <= protocol.LINE_CHARS for line in lines)
    assert " ".join(lines) == " ".join(text.split())  # broken at spaces only
    for k, line in enumerate(lines):
        np.testing.assert_array_equal(points[k], engine.write(synth, line, bias=1.0, seed=7 + k)[0])


def test_a_readers_hand_is_normalised_before_priming(writer):
    from engine import hands
    from engine.strokes import from_points
    t = np.linspace(0, 6 * np.pi, 120)
    drawn = from_points([np.column_stack([40 * t, 300 + 60 * np.sin(t)])])  # canvas pixels: far from letter height
    synth = engine.load_synthesis(random_synthesis())
    payload = {"text": "a hat", "bias": 1.0, "seed": 2, "style": drawn.ravel(), "style_text": "the cat", "normalise": True}
    _, points, _ = streamed(writer, payload)
    np.testing.assert_array_equal(points[0], engine.write(synth, "a hat", 1.0, 2, style=(hands.normalise(drawn), "the cat"))[0])
    reading = [d for k, d in reply(writer, "write", payload) if k == "progress" and d["reading"]]
    assert len(reading) == len(hands.normalise(drawn)) // S.PRIME_CHUNK  # the hand's strokes are fed in steps a cancel can stop


BAD_WRITES = [
    ({"text": ""}, "empty"),
    ({"text": "   \n "}, "empty"),
    ({"text": "a" * 10_000}, "10,000 characters; the model writes at most 250"),
    ({"text": "😀🙂"}, "only characters the model never saw"),
    ({"text": "ΩЖ"}, "only characters the model never saw"),
    ({"text": "a" * protocol.LINE_CHARS + " ΩЖΩЖ"}, "line 2 of the text holds only characters"),
    ({"text": 12}, "must be a string"),
    ({"bias": float("nan")}, "bias must be a finite number"),
    ({"bias": -1}, "bias must be a finite number ≥ 0"),
    ({"bias": 50}, "bias must be at most 5"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"style": [], "style_text": "the cat", "normalise": True}, "too little handwriting to copy"),
    ({"style": [0, 0, 0, 1, 0, 0, 1, 0, 1], "style_text": "the cat", "normalise": True}, "cannot be used: the line has no height"),
    ({"style": [0, 0, 0, 1, 1, 0, 1, -1, 1], "style_text": "", "normalise": True}, "type what the handwriting says"),
    ({"style": [0, 0, 0, 1, np.nan, 0], "style_text": "the cat"}, "non-finite"),
    ({"style": random_line(protocol.MAX_STYLE + 1).ravel(), "style_text": "the cat"}, "too long to copy"),
]


@pytest.mark.parametrize("change,match", BAD_WRITES, ids=[m for _, m in BAD_WRITES])
def test_every_bad_write_is_one_sentence(writer, change, match):
    payload = {"text": "the cat", "bias": 1.0, "seed": 1, **change}
    kind, data, _, _ = writer.next_reply(writer.start("write", payload))
    message = json.loads(data)["message"]
    assert kind == "error" and match in message, message
    assert "Traceback" not in message and "\n" not in message
    assert reply(writer, "write", {"text": "hat", "bias": 1.0, "seed": 1})[-1][0] == "result"  # still serving


def test_write_before_the_synthesis_model_is_loaded_and_bad_weights_say_so(served):
    kind, data, _, _ = served.next_reply(served.start("write", {"text": "hello", "bias": 1.0}))
    assert kind == "error" and json.loads(data)["message"] == "the writing model is not loaded yet"
    for weights, match in [(b"", "no synthesis weights"), (W.dumps(random_weights(), "f4"), "not a synthesis model")]:
        kind, data, _, _ = served.next_reply(served.start("synthesis", {"weights": weights}))
        assert kind == "error" and match in json.loads(data)["message"]


def test_the_console_gets_synth_and_write_once_the_synthesis_model_is_loaded(served):
    before = list(served.handle("exec", {"code": "write"}))[-1][1]
    assert "NameError" in before["error"]
    reply(served, "synthesis", {"weights": random_synthesis()})
    out = list(served.handle("exec", {"code": "strokes, window = write('a hat', seed=1)\nshow(window.T)\n"
                                              "print(synth.alphabet)\nwindow.shape[1]"}))[-1][1]
    assert out["error"] == "" and out["output"].split("\n")[:2] == [" abcdehilnorstw,.", "6"]
    assert out["count"] == 1 and out["shown0_meta"]["kind"] == "heatmap"
    assert "write(text" in list(served.handle("exec", {"code": "print(help_text)"}))[-1][1]["output"]
