"""The engine against the 2016 model: recorded outputs of the original JavaScript and its NLL."""
import json

import numpy as np
import pytest

import engine
from tests.helpers import from_2016_raw


def _reference(reference_dir):
    return json.loads((reference_dir / "reference-outputs.json").read_text())


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-5), (np.float32, 1e-4)])
def test_recorded_steps_match(reference_dir, dtype, tol):
    model = engine.load_model(reference_dir / "b64_weights.json", dtype=dtype)
    for seq in _reference(reference_dir)["sequences"]:
        line = np.array(json.loads((reference_dir / seq["name"]).read_text()))[:seq["points"]]
        x = np.vstack([np.zeros((1, 3)), line])  # reference step t fed a zero row, then points 0..t-1
        run = model.run(x[:-1])
        mix = run.mixture
        np.testing.assert_array_equal(engine.activations(model, x[:-1]), run.c)
        for st in seq["steps"]:
            t = st["t"]
            got = {"h": run.h[t], "c": run.c[t], "pi": mix.pi[t], "mu1": mix.mu[t, :, 0],
                   "mu2": mix.mu[t, :, 1], "sigma1": mix.sigma[t, :, 0], "sigma2": mix.sigma[t, :, 1],
                   "corr": mix.rho[t], "eos": mix.eos[t]}
            for key, value in got.items():
                np.testing.assert_allclose(value, np.asarray(st[key]).reshape(np.shape(value)),
                                           rtol=0, atol=tol, err_msg=f"{seq['name']} t={t} {key}")
        assert engine.nll(model, x) == pytest.approx(seq["nll_per_point"], abs=1e-4)


def test_validation_data_nll(reference_dir):
    files = sorted((reference_dir / "validation-data").glob("*.json"))
    lines = [from_2016_raw(json.loads(f.read_text())) for f in files]
    assert len(files) == 167
    assert sum(len(x) - 1 for x in lines) == 106_447
    model = engine.load_model(reference_dir / "b64_weights.json")
    assert engine.nll(model, lines) == pytest.approx(-1.873, abs=1e-3)
