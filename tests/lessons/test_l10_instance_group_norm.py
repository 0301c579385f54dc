"""Notebook 10's experiments against closed forms and hand computations."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l10_instance_group_norm import experiments as ig
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


def test_schedule_sees_the_same_examples_at_every_batch_size():
    for B in (2, 4, 8, 16, 32):
        steps, decay, lr = ig.schedule(B, epochs=30, base_lr=0.2, n_train=1348)
        assert steps == 30 * 1348 // B and abs(steps * B - 30 * 1348) < B      # 30 epochs at every B
        assert decay == int(2 / 3 * steps) and np.isclose(lr, 0.2 * B / 32)    # linear scaling rule


def test_train_model_is_one_fit_with_a_step_decay(monkeypatch):
    d = ig.digits()
    X, y = d.X_train[:320], d.y_train[:320]
    steps, decay, lr = ig.schedule(16, epochs=2, base_lr=0.2, n_train=320)      # 40 steps, ÷10 after 26
    calls = []

    def recording_fit(*args, **kwargs):
        calls.append(kwargs)
        return nl.fit(*args, **kwargs)

    monkeypatch.setattr(ig, "fit", recording_fit)
    model = conv_net("bn", channels=4, groups=2, seed=0, dtype=np.float64)
    losses = ig.train_model(model, 16, X, y, epochs=2, base_lr=0.2, seed=3)
    (kw,) = calls                                                          # one run of fit, all the steps
    assert kw["steps"] == steps == 40 and kw["seed"] == 3 and len(losses) == 40
    assert [kw["lr"](s) for s in (1, decay, decay + 1, steps)] == [lr, lr, lr / 10, lr / 10]
    # the same batches as a constant-rate run until the decay: the losses agree up to the first step
    # that the smaller rate has moved (the loss of step decay + 1 is taken before its update)
    plain = conv_net("bn", channels=4, groups=2, seed=0, dtype=np.float64)
    constant = nl.fit(plain, X, y, steps=decay + 2, batch_size=16, lr=lr, momentum=0.9, seed=3).loss
    np.testing.assert_array_equal(losses[:decay + 1], constant[:decay + 1])
    assert losses[decay + 1] != constant[decay + 1]


def test_sweep_results_are_read_only_and_gn_does_not_care_about_the_mode():
    s, model = ig.run_sweep(batch_sizes=(4, 8), norms=("bn", "gn"), seeds=(0, 1), epochs=1, base_lr=0.1,
                            keep=("bn", 4, 1))
    assert s.steps == (1348 // 4, 1348 // 8)
    assert s.metrics["gn"]["val_error"].shape == (2, 2) and model is not None
    for k in ig.METRICS:
        assert not s.metrics["bn"][k].flags.writeable
    with pytest.raises(TypeError):
        s.metrics["bn"]["val_error"] = None
    with pytest.raises(ValueError):
        s.metrics["bn"]["val_error"][0, 0] = 0.0
    # GN normalizes each example on its own: training mode = eval mode, precise BN does not apply
    np.testing.assert_allclose(s.metrics["gn"]["train_error_train_mode"], s.metrics["gn"]["train_error_eval"])
    np.testing.assert_array_equal(s.metrics["gn"]["val_error_precise"], s.metrics["gn"]["val_error"])
    # every error is a whole number of the 449 held-out digits
    counts = s.metrics["bn"]["val_error"] * 449 / 100
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)


def test_measure_run_leaves_the_running_averages_alone():
    d = ig.digits()
    model, losses = ig.train_conv("bn", 16, d.X_train[:320], d.y_train[:320], epochs=1, base_lr=0.1)
    before = model.layers[1].running_mean.copy()
    m = ig.measure_run(model, losses, 16, d)
    np.testing.assert_array_equal(model.layers[1].running_mean, before)
    assert set(m) == set(ig.METRICS) and np.isclose(m["train_loss"], np.mean(losses[-1348 // 16:]))


def test_saved_gn_weights_give_the_saved_error():
    """The weights the explorer shows are those of the saved run: they reproduce its error."""
    r = ig.load_results()
    g = r.gn_model
    j, i = r.sweep.batch_sizes.index(g["batch_size"]), r.sweep.seeds.index(g["seed"])
    d = ig.digits()
    err = 100 * np.mean(ig.trained_model().forward(d.X_test).argmax(axis=1) != d.y_test)
    assert err == pytest.approx(r.sweep.metrics["gn"]["val_error"][i, j], abs=1e-6)
    assert not g["parameters"][0].flags.writeable


def test_set_parameters_round_trip():
    a, b = conv_net("gn", groups=4, seed=1, dtype=np.float64), conv_net("gn", groups=4, seed=2, dtype=np.float64)
    ig.set_parameters(b, ig.parameters_of(a))
    for (_, p, _), (_, q, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
    with pytest.raises(ValueError, match="must hold 8 arrays"):
        ig.set_parameters(b, [])


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
    (lambda: ig.schedule(0), ["batch_size", "positive integer"]),
    (lambda: ig.schedule(8, base_lr=-1), ["base_lr", "> 0"]),
    (lambda: ig.train_conv("ln", 8, np.ones((8, 1, 8, 8)), np.zeros(8, int)), ["norm", "'bn' or 'gn'"]),
    (lambda: ig.run_sweep(seeds=()), ["seeds", "integers ≥ 0"]),
])
def test_bad_input_messages(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value)


# ---- the explorers' pictures: what they draw, checked against independent computations ----------

@pytest.fixture(scope="module")
def gn_explorer():
    from normlib.lessons.l10_instance_group_norm.explorer import GroupNormExplorer
    return GroupNormExplorer.small()


def test_group_norm_explorer_shows_two_different_digits(gn_explorer):
    d = ig.digits()
    assert len(set(gn_explorer.labels)) == 2
    np.testing.assert_array_equal(gn_explorer.labels, d.y_test[list(gn_explorer.index)])


@pytest.mark.parametrize("groups, example, channel", [(1, 0, 5), (2, 1, 3), (4, 0, 7), (8, 1, 2)])
def test_group_norm_explorer_colours_exactly_one_set(gn_explorer, groups, example, channel):
    """One colour = one set: the non-grey cells are exactly the chosen example's group holding the
    chosen channel (Wu & He's group of channel c: ⌊c·G/C⌋); the heading gives that set's μ and σ."""
    ex = gn_explorer.update(groups=groups, example=example, channel=channel)
    C = ex.C
    for n, strip in enumerate(ex.strips):
        rgb = np.asarray(strip.get_array())                                  # (C, H·W, 3)
        coloured = np.ptp(rgb, axis=2) > 0.02                                # grey: R = G = B
        expected = np.zeros(coloured.shape, bool)
        if n == example:
            expected[np.arange(C) * groups // C == channel * groups // C] = True
        np.testing.assert_array_equal(coloured, expected)
    # the heading: the coloured set's size, μ and σ, computed here over its channels and positions
    per = C // groups
    g = channel // per
    vals = ex.maps[example, g * per:(g + 1) * per]
    heading = ex.heading.get_text()
    assert f"{per * vals[0].size} values" in heading
    assert f"μ = {vals.mean():.1f}, σ = {vals.std():.1f}" in heading
    # the group boundaries: G − 1 lines per example
    assert all(len(b.get_segments()) == groups - 1 for b in ex.bounds)


def test_instance_norm_explorer_histogram_fits_its_default_state():
    from normlib.lessons.l10_instance_group_norm.explorer import InstanceNormExplorer
    ex = InstanceNormExplorer()
    ex.update(contrast=0.5, brightness=0.3, saturate=False)
    ax = ex.h_in.axes
    top = ax.get_ylim()[1]
    assert 0.75 * top < ex.h_in.get_data().values.max() <= top          # the default's peak fills the axes
    assert "off scale" not in ex.heading.get_text() and "unchanged" in ex.heading.get_text()
    ex.update(contrast=0.25)                                              # 4× taller peak: reported
    assert "input histogram peak off scale" in ex.heading.get_text()
    ex.update(contrast=2.0, brightness=-0.4, saturate=True)
    assert "clipping destroyed information" in ex.heading.get_text()
