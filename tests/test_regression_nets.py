"""Quan & Dong's CNNs and the torch regressor: shapes, parameter counts, epoch chosen on validation rows."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

from mer_core.errors import ParameterError
from mer_core.models.nets import count_parameters
from mer_core.models.regression_nets import REGRESSION_NETS, build_regression_net
from mer_core.models.torch_estimator import TorchRegressor


@pytest.mark.parametrize("name", sorted(REGRESSION_NETS))
def test_nets_map_a_40_band_spectrogram_to_valence_and_arousal(name):
    net = build_regression_net(name, 2, (40, 1292))
    assert net(torch.zeros(3, 40, 1292)).shape == (3, 2)


def test_the_deeper_model_has_fewer_parameters_as_the_paper_says():
    one, two = (count_parameters(build_regression_net(n, 2, (40, 1292))) for n in ("quan_dong_1", "quan_dong_2"))
    assert two < one
    # model 1 by hand: conv 40*32*8+32, conv 32*16*8+16, dense (16*78)*64+64, head 64*2+2 (1292 -> 1285 -> 321 -> 314 -> 78)
    assert one == (40 * 32 * 8 + 32) + (32 * 16 * 8 + 16) + (16 * 78 * 64 + 64) + (64 * 2 + 2)


def test_too_short_inputs_and_unknown_nets_are_clear_errors():
    with pytest.raises(ParameterError, match="too short"):
        build_regression_net("quan_dong_2", 2, (40, 50))
    with pytest.raises(ParameterError, match="unknown regression net"):
        build_regression_net("nope", 2, (40, 1292))


def toy(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8, 64)).astype(np.float32)
    X[:, :2] += np.linspace(-1, 1, n)[:, None, None]  # the first bands carry the first target
    Y = np.stack([np.linspace(1, 9, n), rng.uniform(1, 9, n)], axis=1)
    return X, Y


def test_regressor_learns_keeps_the_best_validation_epoch_and_is_repeatable(torch_one_thread):
    X, Y = toy()
    order = np.random.default_rng(1).permutation(len(X))
    tr, va, te = order[:54], order[54:72], order[72:]
    model = TorchRegressor("quan_dong_1", net_params={"hidden": 16}, epochs=25, batch_size=16, random_state=0)
    model.fit(X[tr], Y[tr], validation=(X[va], Y[va]))
    val = [r["val_loss"] for r in model.history_]
    assert model.best_epoch_ == int(np.argmin(val)) + 1 and model.n_epochs_ == 25
    pred = model.predict(X[te])
    assert pred.shape == (len(te), 2)
    assert np.corrcoef(pred[:, 0], Y[te, 0])[0, 1] > 0.5  # the learnable target is learned
    again = clone(model).fit(X[tr], Y[tr], validation=(X[va], Y[va])).predict(X[te])
    np.testing.assert_allclose(again, pred, rtol=1e-5, atol=1e-5)


def test_single_target_and_no_validation(torch_one_thread):
    X, Y = toy()
    model = TorchRegressor("quan_dong_1", epochs=2, random_state=0).fit(X, Y[:, 0])
    assert model.best_epoch_ is None and model.predict(X).shape == (len(X),)
    with pytest.raises(ParameterError, match="NaN"):
        TorchRegressor(epochs=1).fit(X, np.where(np.arange(len(X)) == 3, np.nan, Y[:, 0]))
