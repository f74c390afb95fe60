"""The synthesis model: the engine's NumPy network against the PyTorch one it is trained as (float64,
every layer's h, κ, φ, w and the head's outputs for 50 steps), its weights file, write's stopping
rule, bias and priming, nll, and bad input. Random weights; the trained default has its own test."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import engine  # noqa: E402
from engine import synthesis as S  # noqa: E402
from tests.helpers import random_line  # noqa: E402
from training.export_synthesis import tensors_from  # noqa: E402
from training.synthesis import SynthesisModel, encode  # noqa: E402

ALPHABET = " ',-.abcdehilnorstwy"


def torch_model(layers=2, hidden=16, seed=0, K=3):
    torch.manual_seed(seed)
    m = SynthesisModel(ALPHABET, hidden=hidden, layers=layers, window=K, mixtures=4).double().eval()
    with torch.no_grad():  # livelier than the initialisation, so every term matters
        for p in m.parameters():
            p.add_(0.3 * torch.randn_like(p))
        m.window.bias[2 * K:].fill_(-2.0)  # the window moves a little each step
    return m


def engine_model(m, dtype=np.float64, encoding="f4"):
    return S.load(S.dumps(*tensors_from(m), encoding=encoding), dtype=dtype)


def default_weights_model():
    """The committed default weights as a float64 PyTorch network (their int8 values exactly)."""
    from engine import weights as W
    from training.export_synthesis import model_from
    if not engine.DEFAULT_SYNTHESIS.exists():
        pytest.fail(f"no default synthesis weights at {engine.DEFAULT_SYNTHESIS}")
    data = engine.DEFAULT_SYNTHESIS.read_bytes()
    meta, _ = W.read_container(data, ())
    synth = S.load(data)
    names = [f"layer{i}.{t}" for i in range(1, synth.n_layers + 1) for t in ("W", "b")] + ["window.W", "window.b", "W_out", "b_out"]
    return model_from(meta, W.read_container(data, names)[1])


@pytest.mark.parametrize("layers", [1, 2, 3, "default"])
def test_engine_matches_pytorch_step_by_step(layers):
    m = default_weights_model() if layers == "default" else torch_model(layers)
    layers = m.layers
    synth = engine_model(m)
    text = "the cat, it's here"
    x = random_line(50, seed=3)
    chars = torch.tensor([encode(text, m.alphabet)])
    onehot = m.one_hot(chars, torch.tensor([len(text)]))
    with torch.no_grad():
        y, _, ex = m(torch.from_numpy(x)[None].double(), onehot, trace=True)
    state, oh = synth.zero_state(1), synth.one_hot(text)
    for t in range(len(x)):
        step = synth.step(x[t:t + 1], state, oh)
        state = step.state
        for layer in range(layers):
            np.testing.assert_allclose(state.h[layer][0], ex["h"][layer][0, t].numpy(), atol=1e-6)
        np.testing.assert_allclose(state.kappa[0], ex["kappa"][0, t].numpy(), atol=1e-6)
        np.testing.assert_allclose(step.phi[0, :-1], ex["phi"][0, t].numpy(), atol=1e-6)
        np.testing.assert_allclose(state.w[0], ex["w"][0, t].numpy(), atol=1e-6)
        np.testing.assert_allclose(step.y[0], y[0, t].numpy(), atol=1e-6)
    assert ex["kappa"][0, -1].min() > ex["kappa"][0, 0].max()  # the window did move: a real test


def test_weights_survive_export_and_import():
    from training.export_synthesis import model_from
    m = torch_model(3)
    again = model_from(*tensors_from(m))
    for k, v in m.state_dict().items():
        if "bias_hh" not in k and "bias_ih" not in k:
            torch.testing.assert_close(again.state_dict()[k], v)
    x = torch.from_numpy(random_line(20, seed=1))[None]
    oh = m.one_hot(torch.tensor([encode("a cat", ALPHABET)]), torch.tensor([5]))
    with torch.no_grad():
        torch.testing.assert_close(again(x, oh)[0], m(x, oh)[0])


def test_weights_file_round_trip_and_errors():
    m = torch_model()
    meta, tensors = tensors_from(m)
    q8 = S.dumps(meta, tensors)
    synth = S.load(q8)
    assert synth.alphabet == ALPHABET and synth.n_layers == 2 and synth.hidden == 16 and synth.K == 3
    assert len(q8) < len(S.dumps(meta, tensors, encoding="f4")) / 3
    with pytest.raises(ValueError, match="not a synthesis model"):
        S.load(engine.weights.dumps(engine.weights.load(engine.DEFAULT_WEIGHTS)))
    bad = dict(tensors, **{"window.W": tensors["window.W"][:, :-1]})
    with pytest.raises(ValueError, match="window.W"):
        S.dumps(meta, bad)
    with pytest.raises(ValueError, match="corrupt header|not a .hwlstm"):
        S.load(q8[:12])
    with pytest.raises(ValueError, match="truncated"):
        S.load(q8[:-10])


def test_write_stops_past_the_text_and_returns_its_window():
    m = torch_model(seed=1)
    synth = engine_model(m, np.float32)
    strokes, window = engine.write(synth, "the cat", bias=0.5, seed=4)
    assert strokes.shape[1] == 3 and window.shape == (len(strokes), len("the cat") + 1)
    assert len(strokes) <= S.POINTS_PER_CHAR * 7
    again, _ = engine.write(synth, "the cat", bias=0.5, seed=4)
    np.testing.assert_array_equal(strokes, again)
    if len(strokes) < S.POINTS_PER_CHAR * 7:  # it stopped by the rule: past the end, pen lifted
        assert strokes[-1, 2] == 1 and window[-1, -1] > window[-1, :-1].max()


def test_write_stops_on_the_rule_when_the_window_races_ahead():
    m = torch_model(seed=2)
    with torch.no_grad():
        m.window.bias[2 * m.K:].fill_(1.0)  # κ moves ~e characters a step: past the text at once
        m.head.bias[0] = 20.0  # the pen always lifts
    strokes, window = engine.write(engine_model(m), "a cat", bias=0.0, seed=0)
    assert len(strokes) < 10 and strokes[-1, 2] == 1 and window[-1, -1] > window[-1, :-1].max()


def test_bias_sharpens_the_mixture():
    m = torch_model()
    synth = engine_model(m)
    y = np.random.default_rng(0).normal(size=(5, 1 + 6 * 4))
    mix0, mix2 = synth.mixture_of(S.biased(y, synth.slices, 0.0)), synth.mixture_of(S.biased(y, synth.slices, 2.0))
    np.testing.assert_allclose(mix2.sigma, mix0.sigma * np.exp(-2.0))
    assert np.all(mix2.pi.max(-1) >= mix0.pi.max(-1))
    for bad in (-0.1, float("nan"), float("inf"), "x"):
        with pytest.raises(ValueError, match="bias"):
            engine.write(synth, "a", bias=bad)


def test_priming_feeds_the_style_and_returns_only_new_points():
    m = torch_model(seed=1)
    synth = engine_model(m)
    style = random_line(30, seed=5)
    strokes, window = engine.write(synth, "cat", bias=1.0, seed=2, style=(style, "the dog"))
    assert window.shape[1] == len("cat") + 1 and len(strokes) <= S.POINTS_PER_CHAR * 3
    plain, _ = engine.write(synth, "cat", bias=1.0, seed=2)
    assert not np.array_equal(strokes[:5], plain[:5])
    line = random_line(40, seed=6)
    primed = engine.nll(synth, line, text="cat", style=(style, "the dog"))
    unprimed = engine.nll(synth, line, text="cat")
    assert np.isfinite(primed) and np.isfinite(unprimed) and primed != unprimed


def test_a_primed_line_starts_reading_at_its_text():
    """After the style, the window starts over at the text: with a window that barely moves, the
    first points written read the text's first character (not the style's, where it still is)."""
    m = torch_model(seed=1)
    with torch.no_grad():
        m.window.bias[2 * m.K:].fill_(-8.0)  # κ moves e⁻⁸ characters a step
    synth = engine_model(m)
    style_text = "the dog sat on a mat"
    full, offset, state, last = S._prime(synth, (random_line(30, seed=5), style_text), "cat")
    assert full == style_text + " cat" and offset == len(style_text) + 1
    np.testing.assert_array_equal(state.kappa, offset)
    assert last.state is state
    _, window = engine.write(synth, "cat", bias=1.0, seed=2, style=(random_line(30, seed=5), style_text))
    assert window[0].argmax() == 0 and window[0, 0] > 0.05 * window[0].sum() > 0


def test_a_model_fed_merged_steps_reads_a_style_so():
    """meta.min_step: the small steps of the style, and of the line scored, are merged before they
    are fed, as training fed its lines."""
    m = torch_model(seed=1)
    meta, tensors = tensors_from(m)
    merging = S.load(S.dumps({**meta, "min_step": 0.5}, tensors, encoding="f4"), dtype=np.float64)
    plain = engine_model(m)
    style = random_line(30, seed=5) * [0.3, 0.3, 1]  # many steps under 0.5
    merged = engine.strokes.merge_small_steps(style, 0.5)
    assert merging.min_step == 0.5 and plain.min_step == 0.0 and len(merged) < len(style)
    line = random_line(40, seed=6)
    got = engine.nll(merging, line, text="cat", style=(style, "the dog"))
    same = engine.nll(plain, engine.strokes.merge_small_steps(line, 0.5), text="cat", style=(merged, "the dog"))
    raw = engine.nll(plain, line, text="cat", style=(style, "the dog"))
    assert got == same and got != raw
    slow = line * [0.3, 0.3, 1]  # the line scored with steps under the floor too
    read = engine.strokes.merge_small_steps(slow, 0.5)
    assert len(read) < len(slow) and np.array_equal(merging.read(slow), read)
    assert engine.nll(merging, slow, text="cat") == engine.nll(plain, read, text="cat") != engine.nll(plain, slow, text="cat")
    np.testing.assert_array_equal(S.lines_log_densities(merging, [slow], ["cat"])[0],
                                  S.lines_log_densities(plain, [read], ["cat"])[0])


def _pen_down_steps(strokes):
    down = strokes[:, 2] == 0
    return np.hypot(strokes[down, 0], strokes[down, 1])


def test_write_draws_no_step_the_training_lines_lack():
    """meta.min_step: training merged pen-down steps shorter than that, so write redraws them."""
    m = torch_model(seed=1)
    meta, tensors = tensors_from(m)
    plain = engine_model(m)
    steps = np.concatenate([_pen_down_steps(engine.write(plain, "the cat sat", bias=0.0, seed=s)[0]) for s in range(4)])
    floor = float(np.median(steps))  # half of the plain model's pen-down steps are shorter
    merging = S.load(S.dumps({**meta, "min_step": floor}, tensors, encoding="f4"), dtype=np.float64)
    for seed in range(4):
        strokes, window = engine.write(merging, "the cat sat", bias=0.0, seed=seed)
        short = _pen_down_steps(strokes) < floor
        assert short.mean() < 0.02, f"seed {seed}: {short.mean():.1%} of the pen-down steps are under {floor:.3f}"
        assert len(window) == len(strokes)


def test_nll_depends_on_the_text_and_checks_input():
    synth = engine_model(torch_model())
    line = random_line(40, seed=7)
    assert engine.nll(synth, line, text="the cat") != engine.nll(synth, line, text="a dog")
    with pytest.raises(ValueError, match="needs the line's text"):
        engine.nll(synth, line)
    with pytest.raises(ValueError, match="for the synthesis model"):
        engine.nll(engine.load_model(), line, text="x")


@pytest.mark.parametrize("text, match", [("", "empty"), ("   ", "empty"), ("a" * (S.MAX_CHARS + 1), "at most"),
                                         ("ΩΩ ΩΩ", "only characters"), (None, "must be a string")])
def test_bad_texts_are_refused(text, match):
    synth = engine_model(torch_model())
    with pytest.raises(ValueError, match=match):
        engine.write(synth, text)


def test_unknown_characters_are_listed_and_written_as_the_stand_in():
    synth = engine_model(torch_model())
    assert engine.unknown_characters(synth, "the Ωcat Ω!") == ["Ω", "!"]
    assert synth.encode("aΩ")[1] == synth.A - 1
    strokes, window = engine.write(synth, "a Ω cat", seed=1)
    assert window.shape[1] == len("a Ω cat") + 1


def test_batched_nll_matches_line_by_line():
    synth = engine_model(torch_model(seed=3))
    lines = [random_line(n, seed=n) for n in (12, 30, 21)]
    texts = ["a cat", "the dog is here", "wet"]
    batched = S.lines_log_densities(synth, lines, texts)
    for line, text, got in zip(lines, texts, batched):
        state, oh, want = synth.zero_state(1), synth.one_hot(text), []
        for t in range(len(line) - 1):
            step = synth.step(line[t:t + 1], state, oh)
            state = step.state
            want.append(engine.model.log_density(synth.mixture_of(step.y), line[t + 1:t + 2])[0])
        np.testing.assert_allclose(got, want, atol=1e-9)


def test_evaluation_helpers_score_what_they_claim():
    from analysis.ocr import cer, render
    from training.evaluate_synthesis import _pace, ending_faults, fault_kinds
    assert cer("the cat", "the cat") == 0 and cer("tha cat", "the cat") == pytest.approx(1 / 7)
    assert cer("", "abc") == 1 and cer("abcd", "abc") == pytest.approx(1 / 3)
    img = render(np.array([[0, 0, 0], [2, 0, 1], [1, 1, 0], [0, 1, 1]]), px=10)
    assert img.dtype == np.uint8 and (img == 0).any() and (img == 255).any()
    assert (img == 0).sum() < img.size / 4  # ink is thin strokes, not a filled page
    text = "ab c"  # window columns: a, b, space, c, past the end
    good = np.eye(5)[[0, 0, 1, 1, 2, 3, 3, 4]]
    assert ending_faults(text, good, 8, 160, hold=63) == []
    assert ending_faults(text, np.eye(5)[[0, 1, 3, 0, 4]], 5, 160, 63) == ["went back"]
    assert ending_faults(text, np.eye(5)[[0, 3, 4]], 3, 160, 63) == ["skipped 'b'"]
    assert ending_faults(text, np.eye(5)[[0, 1, 1, 1, 3, 4]], 6, 160, hold=2) == ["held 'b' for 3 points"]
    assert ending_faults(text, good, 160, 160, 63) == ["ran out of points"]
    assert fault_kinds(ending_faults(text, np.eye(5)[[0, 1, 3, 0, 4]], 160, 160, 63)) == {
        "held": False, "out of order": True, "ran out": True}
    assert fault_kinds([]) == dict.fromkeys(("held", "out of order", "ran out"), False)
    pace = _pace([np.array([[3.0, 4.0, 0], [0, 0, 1]])], ["ab"])  # 2 points, a path of 5, over 2 characters
    assert pace == {"points_per_char": 1.0, "path_per_char": 2.5, "path_per_point": 2.5}


def test_window_holds_of_fed_lines_match_line_by_line():
    """evaluate_synthesis.window_holds (the hold rule on real lines): batched as one line at a time."""
    from training.evaluate_synthesis import window_holds
    m = torch_model(seed=3)
    meta, tensors = tensors_from(m)
    synth = S.load(S.dumps({**meta, "min_step": 0.3}, tensors, encoding="f4"), dtype=np.float64)
    lines, texts = [random_line(n, seed=n) for n in (12, 40, 25)], ["a cat", "the dog is here", "wet"]
    for x, text, got in zip(lines, texts, window_holds(synth, lines, texts)):
        fed = engine.strokes.merge_small_steps(x, 0.3)
        state, oh, arg = synth.zero_state(1), synth.one_hot(text), []
        for t in range(len(fed)):
            step = synth.step(fed[t:t + 1], state, oh)
            state = step.state
            arg.append(int(step.phi[0].argmax()))
        want = np.bincount(arg, minlength=len(text) + 1)[:len(text)]
        np.testing.assert_array_equal(got, want)
        assert got.sum() <= len(fed)
    assert sum(len(engine.strokes.merge_small_steps(x, 0.3)) for x in lines) < sum(map(len, lines))  # merged as fed
