"""Training pipeline: a tiny run that learns on XML files the tests write, and parity
between the PyTorch model and the engine on the same exported weights."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the [train] extra (make test installs it)")

import engine  # noqa: E402
from corpora import iam  # noqa: E402
from engine import strokes as S  # noqa: E402
from engine import weights as W  # noqa: E402
from training import checkpoints, export, train  # noqa: E402
from training.model import HandwritingModel, log_density, split_outputs  # noqa: E402
from tests.helpers import CORPUS_TEXTS  # noqa: E402


def test_tiny_training_run_lowers_the_loss(corpus, tmp_path):
    args = ["--data", str(corpus), "--train-split", str(corpus / "train.txt"), "--val-split", str(corpus / "val.txt"),
            "--run-dir", str(tmp_path / "run"), "--compact", str(tmp_path / "compact.pt"), "--epochs", "4",
            "--batch", "4", "--window", "20", "--hidden", "32", "--mixtures", "3", "--lr", "1e-2",
            "--warmup", "1", "--quiet"]
    meta = train.main(args)
    curve = [c["val_nll"] for c in meta["curve"]]
    assert len(curve) == 4 and curve[-1] < curve[0] - 0.2, curve
    first = train.main(args[:-1] + ["--epochs", "5", "--resume", "--quiet"])  # continues, not restarts
    assert first["epoch"] == 5 and len(first["curve"]) == 5
    assert [ph["epochs"] for ph in first["phases"]] == [[1, 4], [5, 5]]  # the model card's stretches
    assert first["phases"][0]["device"].startswith("CPU") and first["phases"][0]["hyperparameters"]["batch"] == 4
    state, _ = export.load_checkpoint(tmp_path / "compact.pt")
    assert engine.Model(export.to_weights(state)).hidden == 32


def test_training_is_deterministic_for_a_seed(corpus, tmp_path):
    def run(d):
        return train.main(["--data", str(corpus), "--train-split", str(corpus / "train.txt"),
                           "--val-split", str(corpus / "val.txt"), "--run-dir", str(tmp_path / d), "--compact", "",
                           "--epochs", "1", "--batch", "4", "--window", "20", "--hidden", "16", "--mixtures", "2",
                           "--quiet"])["curve"][0]["val_nll"]
    assert run("a") == run("b")


def test_torch_and_engine_agree_on_exported_weights():
    torch.manual_seed(0)
    net = HandwritingModel(hidden=24, mixtures=4).double()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.2)  # every parameter matters, biases included
    line = np.random.default_rng(0).normal(size=(50, 3))
    line[:, 2] = np.random.default_rng(1).random(50) < 0.1
    exported = W.load(W.dumps(export.to_weights(net.state_dict()), "f4"))
    model = engine.Model(exported, dtype=np.float64)
    # f4 rounds the double weights: rebuild torch from the same rounded weights for the comparison
    net.load_state_dict({k: v.float().double() for k, v in net.state_dict().items()})
    with torch.no_grad():
        y, _, hs = net(torch.from_numpy(line[None, :-1]))
        eos_logit, log_pi, mu, log_sigma, rho = split_outputs(y[0])
        lp = log_density(y[0], torch.from_numpy(line[1:]))
    mix = model.run(line[:-1]).mixture
    np.testing.assert_allclose(mix.pi, log_pi.exp().numpy(), atol=1e-5)
    np.testing.assert_allclose(mix.mu, mu.numpy(), atol=1e-5)
    np.testing.assert_allclose(mix.sigma, log_sigma.exp().numpy(), atol=1e-5)
    np.testing.assert_allclose(mix.rho, rho.numpy(), atol=1e-5)
    np.testing.assert_allclose(mix.eos, torch.sigmoid(eos_logit).numpy(), atol=1e-5)
    assert engine.nll(model, line) == pytest.approx(-lp.mean().item(), abs=1e-5)


def test_augment_changes_training_lines_only_by_a_bounded_affine_map():
    line = np.array([[1.0, 2.0, 0], [3.0, -1.0, 1], [0.5, 0.0, 0]], np.float32)
    rng = np.random.default_rng(0)
    assert train.augment(line, rng, 0.0) is line
    out = train.augment(line, rng, 0.1)
    np.testing.assert_array_equal(out[:, 2], line[:, 2])
    assert not np.allclose(out[:, :2], line[:, :2])
    ratio = out[:, 1] / np.where(line[:, 1] == 0, 1, line[:, 1])
    assert np.all(np.abs(ratio[line[:, 1] != 0] - ratio[0]) < 1e-6) and np.exp(-0.1) <= ratio[0] <= np.exp(0.1)


def test_dropout_is_training_only():
    torch.manual_seed(0)
    plain, dropped = HandwritingModel(16, 2), HandwritingModel(16, 2, dropout=0.5)
    dropped.load_state_dict(plain.state_dict())  # dropout adds no parameters: same checkpoint format
    x = torch.randn(2, 7, 3)
    dropped.eval()
    torch.testing.assert_close(dropped(x)[0], plain(x)[0])
    dropped.train()
    assert not torch.allclose(dropped(x)[0], plain(x)[0])


def test_a_run_past_its_best_epoch_says_so_in_the_card(tmp_path):
    from training import card
    model = HandwritingModel(8, 2)
    phase = {"device": "CPU, 1 threads", "epochs": [1, 3], "seconds": 60.0, "torch": "x",
             "hyperparameters": {"batch": 4, "lr": 1e-3, "epochs": 9, "time_schedule": False, "dropout": 0.1, "augment": 0.2}}
    checkpoints.save_compact(tmp_path / "c.pt", model, {"epoch": 3, "phases": [phase]})
    checkpoints.note_ran_to(tmp_path / "c.pt", {"epoch": 9, "curve": [{"val_nll": -1.5, "train_nll": -1.7}]})
    _, meta = export.load_checkpoint(tmp_path / "c.pt")
    assert meta["phases"][0]["ran_to"] == {"epoch": 9, "val_nll": -1.5, "train_nll": -1.7}
    table = card.phase_table({"phases": meta["phases"], "epochs": 3, "train_seconds": 60, "hyperparameters": {}})
    assert "| 1–3 | CPU, 1 thread | 1 min | 4 | 0.001 | cosine over 9 epochs | dropout 0.1, random stretch and slant ±0.2 |" in table
    assert "ran on to epoch 9, where validation was -1.500 and training -1.700" in table


def test_breakdown_by_kind_of_point_adds_up_to_the_nll():
    from training.evaluate import KINDS, breakdown, kinds_of
    line = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 1], [5, 2, 0], [0, 0, 0], [0, 3, 0], [2, 2, 0]], float)
    # predicted points 1..6: one axis still, resting, stroke start (after the lift), resting, one axis, moving
    assert kinds_of(line).tolist() == [2, 1, 0, 1, 2, 3]
    lp = [np.array([-1.0, 2.0, -5.0, 3.0, 0.5, 1.0])]
    parts = breakdown([line], lp)
    assert list(parts) == list(KINDS)
    assert sum(p["contribution"] for p in parts.values()) == pytest.approx(-lp[0].mean(), abs=1e-3)
    assert parts["pen resting"] == {"share": round(2 / 6, 4), "nll": -2.5, "contribution": round(-5 / 6, 4)}


def test_dequantized_lines_move_offsets_by_under_half_a_tablet_unit():
    from training.evaluate import dequantized
    line = np.array([[0, 0, 0], [0.5, -0.25, 1], [0, 0, 0]], np.float32)
    out = dequantized([line], seed=3)[0]
    assert out[:, 2].tolist() == line[:, 2].tolist() and out is not line
    moved = np.abs(out[:, :2] - line[:, :2]) * S.RAW_UNITS
    assert np.all(moved <= 0.5) and np.all(moved > 0)  # every offset leaves the grid
    np.testing.assert_array_equal(out, dequantized([line], seed=3)[0])


def test_card_says_which_model_leads_on_which_kind():
    from training import card
    from training.evaluate import KINDS
    ours = {n: {"share": 0.25, "nll": -2.0} for n in KINDS}
    ref = {n: {"share": 0.25, "nll": -1.0 if n == "pen moving" else -3.0} for n in KINDS}
    c = {"breakdown": ours, "nll_quantized": -1.6, "nll_dequantized": -1.58,
         "reference_2016": {"nll": -1.73, "nll_dequantized": -1.55, "breakdown": ref}}
    row, text = card.kinds_section(c)
    assert row == "| the 2016 article's model, same lines | -1.7300 |"
    assert "the 2016 model scores better on stroke start, pen resting, one axis still (75% of points), ours on pen moving" in text
    assert "ours is ahead by 0.030 nats per point" in text
    assert card.kinds_section({"breakdown": ours}) == ("", "")


def test_without_rests_keeps_every_position_and_pen_lift():
    line = np.array([[0, 0, 0], [1, 2, 0], [0, 0, 0], [0, 0, 0], [3, -1, 1], [0, 0, 1], [0, 0, 0], [2, 2, 0]], np.float32)
    out = train.without_rests(line)
    assert out.tolist() == [[0, 0, 0], [1, 2, 0], [3, -1, 1], [0, 0, 1], [2, 2, 0]]
    ends = lambda x: np.cumsum(x[:, :2], axis=0)[x[:, 2] == 1]  # noqa: E731
    np.testing.assert_array_equal(ends(out), ends(line))
    np.testing.assert_array_equal(np.cumsum(out[:, :2], axis=0)[-1], np.cumsum(line[:, :2], axis=0)[-1])


def test_stall_rates_tell_a_hovering_model_from_a_moving_one():
    from engine.model import layout
    from tests.helpers import random_weights
    rates = {}
    for name, mu in (("hovers", 0.0), ("moves", 1.0)):
        w = random_weights(hidden=8, mixtures=3)
        s = layout(3)
        w.W_out[:] = 0  # the mixture ignores the state: every step is drawn around mu with sigma e^-6
        w.b_out[s["mu_x"]], w.b_out[s["log_sigma_x"]], w.b_out[s["log_sigma_y"]] = mu, -6.0, -6.0
        w.b_out[s["mu_y"]] = 0.0
        w.meta.update({"gate_order": W.GATE_ORDER, "forget_bias": 1.0, "input_scale": [1.0, 1.0]})
        rates[name] = export.stall_rates(w, temperatures=(0.5,), lines=4, points=30)
    assert rates["hovers"] == ({"0.5": 1.0}, {"0.5": 4})
    assert rates["moves"] == ({"0.5": 0.0}, {"0.5": 0})


def test_cell_outputs_are_the_engines_and_leave_resting_targets_out():
    from training.refit import cell_outputs
    torch.manual_seed(0)
    net = HandwritingModel(hidden=12, mixtures=2)
    line = np.array([[0, 0, 0], [1, 2, 0], [0, 0, 0], [0, 3, 0], [0, 0, 1], [2, -1, 0]], np.float32)
    ds = iam.Dataset(["long", "short"], [line, line[:3]], [])
    H, T = cell_outputs(net, ds, keep_rests=True, dtype=np.float64, progress=False)
    # lines run shortest first: the short line's 2 predicted points, then the long line's 5
    np.testing.assert_array_equal(T, np.concatenate([line[1:3], line[1:]]))
    run = engine.Model(export.to_weights(net.state_dict())).run(line[:-1].astype(np.float64))
    np.testing.assert_allclose(H[2:], run.h, atol=1e-5)  # whole lines from a zero state, as the engine runs them
    np.testing.assert_allclose(H[:2], run.h[:2], atol=1e-5)
    H2, T2 = cell_outputs(net, ds, keep_rests=False, dtype=np.float64, progress=False)
    assert T2.tolist() == [[1, 2, 0], [1, 2, 0], [0, 3, 0], [0, 0, 1], [2, -1, 0]]  # a lift on the spot is no rest
    np.testing.assert_allclose(H2[1:], run.h[[0, 2, 3, 4]], atol=1e-5)


def test_head_refit_lowers_validation_and_keeps_the_cells(corpus, tmp_path):
    from training import refit
    compact = tmp_path / "compact.pt"
    train.main(["--data", str(corpus), "--train-split", str(corpus / "train.txt"), "--val-split", str(corpus / "val.txt"),
                "--run-dir", str(tmp_path / "run"), "--compact", str(compact), "--epochs", "3", "--batch", "4",
                "--window", "20", "--hidden", "32", "--mixtures", "3", "--lr", "1e-2", "--warmup", "1",
                "--dropout", "0.5", "--quiet"])
    before, meta0 = export.load_checkpoint(compact)
    refit.main(["--checkpoint", str(compact), "--data", str(corpus), "--train-split", str(corpus / "train.txt"),
                "--val-split", str(corpus / "val.txt"), "--passes", "3", "--batch", "64", "--lr", "1e-2",
                "--threads", "1", "--quiet"])
    after, meta1 = export.load_checkpoint(compact)
    for k in before:
        if k.startswith("lstm."):
            torch.testing.assert_close(after[k], before[k])  # the cells are frozen
    assert not torch.equal(after["head.weight"], before["head.weight"])
    assert meta1["curve"][-1]["val_nll"] < meta0["curve"][-1]["val_nll"]
    assert meta1["phases"][-1]["head_only"] and meta1["phases"][-1]["epochs"][0] == meta0["epoch"] + 1
    again = train.main(["--data", str(corpus), "--train-split", str(corpus / "train.txt"), "--val-split",
                        str(corpus / "val.txt"), "--run-dir", str(tmp_path / "run2"), "--compact", str(compact),
                        "--epochs", str(meta1["epoch"] + 1), "--batch", "4", "--window", "20", "--hidden", "32",
                        "--mixtures", "3", "--lr", "1e-6", "--dropout", "0.5", "--resume", "--quiet"])
    _, meta2 = export.load_checkpoint(compact)  # training on from a refit is kept, to be refit in turn
    assert again["epoch"] == meta2["epoch"] == meta1["epoch"] + 1 and not meta2["phases"][-1].get("head_only")
    from training import card
    table = card.phase_table({"phases": meta1["phases"], "epochs": meta1["epoch"], "train_seconds": 1,
                              "hyperparameters": {}})
    assert "| 64 points | 0.01 | cosine over 3 epochs | output layer only, refit on the frozen cells' outputs, " \
           "resting points left out |" in table


def test_tiny_synthesis_run_learns_resumes_mid_epoch_and_exports(corpus, tmp_path):
    from engine import synthesis
    from training import export_synthesis, train_synthesis
    args = ["--data", str(corpus), "--texts", str(corpus), "--train-split", str(corpus / "train.txt"),
            "--val-split", str(corpus / "val.txt"), "--run-dir", str(tmp_path / "run"),
            "--compact", str(tmp_path / "c.pt"), "--batch", "2", "--window", "20", "--hidden", "16",
            "--window-k", "2", "--mixtures", "3", "--lr", "1e-2", "--warmup", "1", "--threads", "1", "--quiet"]
    meta = train_synthesis.main(args + ["--epochs", "3", "--min-step", "0", "--no-dequantize"])
    curve = [c["val_nll"] for c in meta["curve"]]
    assert len(curve) == 3 and curve[-1] < curve[0] - 0.1, curve
    assert all(math.isfinite(c["text_gain"]) for c in meta["curve"])  # measured at every epoch's end
    assert meta["model"]["alphabet"] == "".join(sorted(set("".join(iam.normalise_text(t) for t in CORPUS_TEXTS[:10]))))
    assert meta["epoch"] == 3 and meta["batch"] == 0 and meta["phases"][-1]["to_epoch"] == 3
    more = train_synthesis.main(args + ["--epochs", "4", "--resume"])  # goes on from the full checkpoint
    assert more["epoch"] == 4 and len(more["curve"]) == 4 and len(more["phases"]) == 2
    assert [(p["hyperparameters"]["min_step"], p["hyperparameters"]["dequantize"]) for p in more["phases"]] == \
        [(0.0, False), (0.3, True)]  # each stretch records how its lines were fed
    (tmp_path / "run" / "full.pt").unlink()  # now from the compact one, as a fresh clone would
    again = train_synthesis.main(args + ["--epochs", "5", "--resume"])
    assert again["epoch"] == 5 and len(again["phases"]) == 3
    straight = train_synthesis.main(args[:-1] + ["--epochs", "2", "--run-dir", str(tmp_path / "a"), "--compact", ""])
    part = train_synthesis.main(args[:-1] + ["--epochs", "2", "--run-dir", str(tmp_path / "b"), "--compact", "",
                                             "--max-steps", "6"])
    assert part["epoch"] == 0 and 0 < part["batch"] < 5  # stopped inside the first epoch
    resumed = train_synthesis.main(args[:-1] + ["--epochs", "2", "--run-dir", str(tmp_path / "b"), "--compact", "",
                                                "--resume"])
    assert resumed["curve"][-1]["val_nll"] == pytest.approx(straight["curve"][-1]["val_nll"], abs=1e-6)
    out = export_synthesis.main(["--checkpoint", str(tmp_path / "c.pt"), "--out", str(tmp_path / "s.hwlstm")])
    synth = synthesis.load(out)
    assert synth.hidden == 16 and synth.alphabet == meta["model"]["alphabet"]
    strokes, window = engine.write(synth, "line 3", bias=1.0, seed=0)
    assert len(strokes) and window.shape == (len(strokes), 7)


def test_synthesis_training_dequantizes_its_lines_with_the_noise_it_is_given(corpus):
    import torch

    from training import train_synthesis as T
    a = T.parse_args(["--data", str(corpus), "--texts", str(corpus), "--train-split", str(corpus / "train.txt"),
                      "--val-split", str(corpus / "val.txt"), "--quiet"])
    train, _, alphabet = T.load_data(a)
    torch.manual_seed(0)
    model = T.build_model({"model": {"alphabet": alphabet, "hidden": 8, "layers": 2, "window_k": 2, "mixtures": 3}}, "cpu")
    kept = train.lines[0].copy()
    plain = T.run_batch(model, train, [0, 1], 20, "cpu")
    noisy = [T.run_batch(model, train, [0, 1], 20, "cpu", noise=np.random.default_rng(5)) for _ in range(2)]
    assert noisy[0] == noisy[1] and noisy[0][1] == plain[1] and noisy[0][0] != plain[0]  # same points, moved
    np.testing.assert_array_equal(train.lines[0], kept)  # the noise goes on a copy, fresh each batch


def test_synthesis_training_feeds_a_share_of_lines_after_the_line_before_them(corpus):
    from training import train_synthesis as T
    a = T.parse_args(["--data", str(corpus), "--texts", str(corpus), "--train-split", str(corpus / "train.txt"),
                      "--val-split", str(corpus / "val.txt"), "--quiet"])
    train, _, alphabet = T.load_data(a)
    assert [T.line_key(n)[1] for n in train.names] == list(range(1, 11))
    assert train.previous() == [-1, *range(9)]  # line k follows line k - 1 of the same form
    del train.names[4], train.lines[4], train.texts[4], train.chars[4]  # line 5 left out: line 6 has none before it
    assert train.previous() == [-1, 0, 1, 2, -1, 4, 5, 6, 7]
    space = T.encode(" ", alphabet)[0]
    alone = train.with_pairs(np.random.default_rng(0), 0.0, space)
    assert alone.texts == train.texts and all(x is y for x, y in zip(alone.lines, train.lines))
    both = train.with_pairs(np.random.default_rng(0), 1.0, space)
    for i, p in enumerate(train.previous()):
        if p < 0:
            assert both.texts[i] == train.texts[i] and both.lines[i] is train.lines[i]
            continue
        assert both.texts[i] == train.texts[p] + " " + train.texts[i]
        assert both.chars[i] == T.encode(both.texts[i], alphabet)
        np.testing.assert_array_equal(both.lines[i], np.concatenate([train.lines[p], train.lines[i]]))
    some = [train.with_pairs(np.random.default_rng(s), 0.5, space) for s in (1, 1, 2)]
    paired = [[len(t) > len(u) for t, u in zip(v.texts, train.texts)] for v in some]
    assert paired[0] == paired[1] and 0 < sum(paired[2]) < 7  # drawn by the generator it is given
    assert train.texts[1] == T.load_data(a)[0].texts[1]  # the lines themselves are left as they were


def test_a_resumed_synthesis_run_goes_on_from_the_same_fraction_of_its_epoch_at_another_batch_size():
    from training.train_synthesis import batch_in_epoch
    meta = {"epoch": 14, "batch": 23, "phases": [{"to_epoch": 14.138}]}  # 23 of 167 batches of 64 lines
    assert batch_in_epoch(meta, 167) == 23 and batch_in_epoch(meta, 84) == 12 and batch_in_epoch(meta, 333) == 46
    assert batch_in_epoch({**meta, "batch": 0}, 84) == 0 and batch_in_epoch({**meta, "phases": []}, 84) == 23
    assert batch_in_epoch({**meta, "phases": [{"to_epoch": 14.999}]}, 84) == 83  # never past the epoch's last batch


def test_the_synthesis_card_says_how_each_stretch_fed_its_lines_and_what_its_cosine_spanned():
    from training.card_synthesis import _cosine, _fed
    gpu = {"epochs": 100000, "time_schedule": True, "max_minutes": 4.5, "min_step": 0.1, "dequantize": True, "pairs": 0.8}
    assert _cosine(gpu) == "its 4.5 minutes" and _cosine({"epochs": 21, "time_schedule": False}) == "21"
    assert _fed(gpu) == "steps under 0.1 merged, dequantized, 80% of those with a line before them fed after it"
    assert _fed({"min_step": 0.0, "dequantize": False}) == "as recorded"


def test_text_partners_pair_neighbours_by_text_length():
    from training.train_synthesis import text_partners
    texts = ["a", "bbbb", "cc", "ddddd", "eee"]  # by length: a cc eee bbbb ddddd
    assert text_partners(texts) == [2, 4, 0, 1, 1]  # a-cc, eee-bbbb, the odd one out (ddddd) takes bbbb's
    assert text_partners(["x", "yy"]) == [1, 0] and text_partners(["solo"]) == [0]


@pytest.mark.parametrize("mode", ["unconditional", "synthesis"])
def test_device_script_trains_each_model_from_a_pack(corpus, tmp_path, mode):
    """training/device.sh end to end on tiny data, in a scratch copy of the layout it expects
    (the repository's packages, .data/ with a pack, the starting checkpoint), CPU only."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    work = tmp_path / "repo"
    (work / "training").mkdir(parents=True)
    for f in (root / "training").glob("*.py"):
        shutil.copy(f, work / "training" / f.name)
    shutil.copy(root / "training" / "device.sh", work / "training" / "device.sh")
    for pkg in ("engine", "corpora"):
        (work / pkg).symlink_to(root / pkg)
    (work / ".data").mkdir()
    iam.pack(corpus, [corpus / "train.txt", corpus / "val.txt"], work / ".data" / "iam.npz", progress=False, texts=corpus)
    for split in ("train", "val"):
        shutil.copy(corpus / f"{split}.txt", work / ".data" / ("training_set.txt" if split == "train" else "validation_set.txt"))
    tiny = "--batch 2 --window 20 --hidden 8 --mixtures 2"
    if mode == "unconditional":  # it resumes from a committed checkpoint: make a tiny one
        train.main(["--data", str(corpus), "--train-split", str(corpus / "train.txt"), "--val-split", str(corpus / "val.txt"),
                    "--run-dir", str(tmp_path / "r"), "--compact", str(work / "training" / "checkpoint.pt"),
                    "--epochs", "1", *tiny.split(), "--quiet"])
        args = ["0.05", tiny]
    else:
        args = ["synthesis", "0.05", tiny + " --window-k 2"]
    env = {**os.environ, "OUT_DIR": str(tmp_path / "out"), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PYTHONPATH": str(work)}
    res = subprocess.run(["bash", "training/device.sh", *args], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    name = "checkpoint" if mode == "unconditional" else "synthesis"
    out = checkpoints.read_compact(tmp_path / "out" / f"{name}-1.pt")
    assert out["meta"]["phases"], out["meta"].keys()
    assert (tmp_path / "out" / "logs.tar").stat().st_size > 0
    if mode == "unconditional":
        assert "refit" in res.stdout
