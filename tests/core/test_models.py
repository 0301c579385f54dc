"""normlib.models and normlib.probe against hand-built references."""

import numpy as np
import pytest

import normlib as nl
from normlib.models import mlp, sigmoid_mlp
from normlib.probe import layer_inputs


def test_mlp_is_the_layers_drawn_in_order_from_one_generator():
    rng = np.random.default_rng(4)
    by_hand = [nl.Linear(64, 20, init="he", bias=False, rng=rng), nl.Linear(20, 10, init="xavier", rng=rng)]
    model = mlp((20,), norm="ln", activation="relu", init="he", out_init="xavier", seed=4)
    assert [type(l).__name__ for l in model.layers] == ["Linear", "LayerNorm", "ReLU", "Linear"]
    np.testing.assert_array_equal(model[0].weight, by_hand[0].weight)
    np.testing.assert_array_equal(model[3].weight, by_hand[1].weight)
    assert model[0].bias is None and model[3].bias is not None


def test_mlp_options():
    m = mlp((5, 4), norm="bn", affine=False, dropout=0.2, dtype=np.float64)
    assert [type(l).__name__ for l in m.layers] == ["Linear", "BatchNorm", "Sigmoid", "Dropout"] * 2 + ["Linear"]
    assert m[1].gamma is None and m[0].weight.dtype == np.float64
    assert sigmoid_mlp()[0].bias is not None and sigmoid_mlp("bn")[0].bias is None and len(sigmoid_mlp()) == 7


@pytest.mark.parametrize("kwargs, words", [(dict(norm="gn"), "norm must be"), (dict(activation="tanh"), "activation must be"),
                                           (dict(dropout=1.0), "dropout"), (dict(after_norm=lambda rng: None), "after_norm needs")])
def test_mlp_explains_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        mlp(**kwargs)


def test_layer_inputs_match_a_hand_computation_and_change_nothing():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 64))
    model = mlp((6, 5), norm="bn", activation="relu", init="he", seed=1, dtype=np.float64)
    model[1].gamma[:] = 2.0
    model[1].running_mean[:] = 0.5
    before = [l.running_mean.copy() for l in model.layers if isinstance(l, nl.BatchNorm)]
    got = layer_inputs(model, X, nl.ReLU)
    z1 = X @ model[0].weight.T
    h1 = 2.0 * (z1 - z1.mean(0)) / np.sqrt(z1.var(0) + 1e-5)
    np.testing.assert_allclose(got[0], h1, atol=1e-12)
    z2 = np.maximum(h1, 0) @ model[3].weight.T
    np.testing.assert_allclose(got[1], (z2 - z2.mean(0)) / np.sqrt(z2.var(0) + 1e-5), atol=1e-12)
    after = [l.running_mean for l in model.layers if isinstance(l, nl.BatchNorm)]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert all(getattr(l, "_cache", None) is None for l in model.layers)
    assert len(layer_inputs(model, X, nl.BatchNorm)) == 2
