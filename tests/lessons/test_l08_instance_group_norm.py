"""Notebook 08's experiments against closed forms and hand computations."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l08_instance_group_norm import experiments as ig
from normlib.conv import conv_net


@pytest.mark.parametrize("a, b", [(0.5, 0.3), (2.0, -0.4), (0.25, 0.0)])
def test_instance_norm_removes_contrast_and_brightness(a, b):
    x = ig.photo_tensor(step=8).astype(np.float64)
    y = nl.instance_norm(ig.adjust(x, a, b), eps=1e-5)
    # closed form: IN(a x + b) = (x − μ) / √(σ² + ε/a²)
    mu, var = x.mean(axis=(2, 3), keepdims=True), x.var(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-5 / a ** 2), atol=1e-10)
    np.testing.assert_allclose(nl.instance_norm(ig.adjust(x, a, b), eps=0), nl.instance_norm(x, eps=0), atol=1e-9)


def test_clipping_breaks_the_invariance():
    x = ig.photo_tensor(step=8)
    clipped = ig.adjust(x, 2.0, -0.4, clip=True)
    assert clipped.min() == 0 and clipped.max() == 1
    assert np.abs(nl.instance_norm(clipped) - nl.instance_norm(x)).max() > 0.1


def test_group_stats_by_hand():
    x = np.random.default_rng(0).standard_normal((2, 6, 3, 3))
    mean, var = ig.group_stats(x, 3)
    assert mean.shape == (2, 3)
    for n in range(2):
        for g in range(3):
            block = x[n, 2 * g:2 * g + 2]
            assert np.isclose(mean[n, g], block.mean()) and np.isclose(var[n, g], block.var())
    np.testing.assert_allclose(ig.group_stats(x, 6)[0], x.mean(axis=(2, 3)))     # G = C: instance norm
    np.testing.assert_allclose(ig.group_stats(x, 1)[1][:, 0], x.reshape(2, -1).var(axis=1))   # G = 1: layer norm


def test_paper_numbers():
    assert ig.PAPER_BATCH == (32, 16, 8, 4, 2)
    assert ig.PAPER_ERROR["bn"][-1] == 34.7 and ig.PAPER_ERROR["gn"][0] == 24.1


def test_sweep_sees_the_same_examples_at_every_batch_size():
    s = ig.batch_size_sweep(batch_sizes=(4, 8), norms=("gn",), epochs=1)
    assert s.steps == (1348 // 4, 1348 // 8)
    assert all(abs(k * B - 1348) < B for k, B in zip(s.steps, s.batch_sizes))
    assert np.all((s.error["gn"] >= 0) & (s.error["gn"] <= 100))


def test_precise_bn_averages_the_batch_statistics():
    d = nl.load_digits(images=True)
    model = conv_net("bn", channels=4)
    X = d.X_train[:512]
    precise = nl.precise_bn(model, X, batch_size=256)
    h = model.layers[0].forward(X)                                  # conv 1 output, the BN 1 input
    expected = np.mean([h[:256].mean(axis=(0, 2, 3)), h[256:].mean(axis=(0, 2, 3))], axis=0)
    np.testing.assert_allclose(precise.layers[1].running_mean, expected, atol=1e-5)
    assert not precise.training and np.all(model.layers[1].running_mean == 0)     # original untouched


@pytest.mark.parametrize("call, words", [
    (lambda: ig.adjust(np.ones((1, 3, 2, 2)), contrast=0), ["contrast", "> 0"]),
    (lambda: ig.adjust(np.ones((1, 3, 2, 2)), brightness=np.inf), ["brightness", "finite"]),
    (lambda: ig.group_stats(np.ones((2, 6, 3, 3)), 4), ["num_groups", "divisible"]),
    (lambda: ig.group_stats(np.ones((2, 6)), 2), ["x must have shape (N, C, *spatial)"]),
])
def test_bad_input_messages(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value)
