"""Notebook 07's code against independent references: finite differences, hand computations,
closed forms and invariances that must hold."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l07_layer_norm_rnn import invariance
from normlib.lessons.l07_layer_norm_rnn import small_batch
from normlib.lessons.l07_layer_norm_rnn import transformer
from normlib.lessons.l07_layer_norm_rnn.rnn import (RNN, LastStep, blank_rows, digit_sequences, rnn_classifier,
                                                    rnn_experiment, train_rnn)

RNG = np.random.default_rng(7)
X = RNG.standard_normal((5, 4, 3))


def _ln(a, eps=1e-5):
    return (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps)


# -- the RNN and BPTT ------------------------------------------------------------------------------
@pytest.mark.parametrize("norm, mode", [(None, "train"), ("layer", "train"), ("batch", "train"),
                                        ("batch", "eval")])
def test_bptt_matches_finite_differences(norm, mode):
    rnn = RNN(3, 6, norm=norm, rng=1, dtype=np.float64)
    rnn.forward(X)                                   # running statistics for the eval case
    if mode == "eval":
        rnn.eval()
    errors = nl.check_gradients(rnn, X)
    assert set(errors) == {"x", "w_xh", "w_hh", "bias"} | ({"gain"} if norm else set())
    assert max(errors.values()) < 1e-7, errors


def test_classifier_gradients_through_last_step():
    model = rnn_classifier("layer", hidden=5, n_in=3, n_out=4, seed=2)
    for layer in model.layers:                       # float64 copies of the parameters
        for name, value, _ in layer.parameters():
            setattr(layer, name, value.astype(np.float64))
    y = np.array([0, 1, 2, 3, 1])
    loss = lambda: nl.softmax_cross_entropy(model.forward(X), y)[0]
    _, dlogits = nl.softmax_cross_entropy(model.forward(X), y)
    model.backward(dlogits)
    w = model[0].w_hh
    assert nl.rel_error(model[0].dw_hh, nl.numerical_gradient(loss, w)) < 1e-7


def test_ln_rnn_forward_is_eq_4_by_hand():
    rnn = RNN(3, 6, norm="layer", rng=3, dtype=np.float64)
    rnn.gain[:] = np.linspace(0.5, 1.5, 6)
    rnn.bias[:] = np.linspace(-0.3, 0.3, 6)
    h = rnn.forward(X)
    h_prev = np.zeros((5, 6))
    for t in range(4):
        a = X[:, t] @ rnn.w_xh.T + h_prev @ rnn.w_hh.T
        h_prev = np.tanh(rnn.gain * _ln(a) + rnn.bias)
        np.testing.assert_allclose(h[:, t], h_prev, atol=1e-12)
        np.testing.assert_allclose(rnn.summed_inputs[:, t], a, atol=1e-12)


def test_ln_rnn_does_not_depend_on_the_batch_but_bn_rnn_does():
    ln = RNN(3, 6, norm="layer", rng=4, dtype=np.float64)
    np.testing.assert_allclose(ln.forward(X)[:1], ln.forward(X[:1]), atol=1e-12)
    bn = RNN(3, 6, norm="batch", rng=4, dtype=np.float64)
    assert not np.allclose(bn.forward(X)[:2], bn.forward(X[:2]), atol=1e-3)


def test_bn_rnn_statistics_per_step_and_running_estimates():
    rnn = RNN(3, 6, norm="batch", rng=5, dtype=np.float64, momentum=0.1)
    h = rnn.forward(X)
    z = np.arctanh(h)                                # = x̂ (gain 1, bias 0)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)      # per step and unit
    np.testing.assert_allclose(z.var(axis=0), 1, atol=1e-3)
    a = rnn.summed_inputs
    np.testing.assert_allclose(rnn.running_mean, 0.1 * a.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(rnn.running_var, 0.9 + 0.1 * a.var(axis=0, ddof=1), atol=1e-12)
    # eval on a longer sequence: steps beyond the 4 trained ones reuse step 4's statistics
    rnn.eval()
    X6 = np.concatenate([X, X[:, :2]], axis=1)
    h6 = rnn.forward(X6)
    a6 = rnn.summed_inputs[:, 5]
    expected = np.tanh((a6 - rnn.running_mean[3]) / np.sqrt(rnn.running_var[3] + 1e-5))
    np.testing.assert_allclose(h6[:, 5], expected, atol=1e-12)


def test_dtype_is_preserved_and_errors_name_the_parameter():
    rnn = RNN(3, 4, norm="layer", rng=0)
    assert rnn.forward(X.astype(np.float32)).dtype == np.float32
    assert rnn.backward(np.ones((5, 4, 4), np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="norm must be None, 'layer' or 'batch'"):
        RNN(3, 4, norm="instance")
    with pytest.raises(ValueError, match=r"expects x of shape \(N, T, 3\)"):
        rnn.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="dh must have the shape"):
        rnn.backward(np.zeros((5, 4, 3)))
    with pytest.raises(ValueError, match="momentum must be in"):
        RNN(3, 4, momentum=0.0)
    with pytest.raises(ValueError, match="more than 1 value"):
        RNN(3, 4, norm="batch").forward(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="LastStep expects"):
        LastStep().forward(np.zeros((2, 3)))


def test_rnn_experiment_is_read_only_and_blank_rows_prepend_rows():
    r = rnn_experiment(steps=3, eval_every=3)
    with pytest.raises(ValueError):
        r.loss["plain"][0] = 0.0
    with pytest.raises(TypeError):
        r.models["plain"] = None
    _, _, Xt, _ = digit_sequences()
    Xk = blank_rows(Xt[:5], 3)
    assert Xk.shape == (5, 11, 8)
    np.testing.assert_array_equal(Xk[:, 3:], Xt[:5])
    d = nl.load_digits(dtype=np.float64)
    np.testing.assert_allclose(Xk[0, 0] * d.std[:8] + d.mean[:8], 0, atol=1e-12)   # a blank row
    with pytest.raises(ValueError, match="X must be sequences"):
        train_rnn("layer", Xt[:, 0], None)


def test_train_stack_warms_up_and_checks_its_input():
    from normlib.lessons.l07_layer_norm_rnn import train_stack
    h = train_stack("pre", 0.05, warmup=3, steps=4, depth=2)
    assert len(h.loss) == 4 and len(h.test_accuracy) == 1
    with pytest.raises(ValueError, match="placement must be"):
        train_stack("middle", 0.1)
    with pytest.raises(ValueError, match="warmup must be"):
        train_stack("pre", 0.1, warmup=-1)


def test_digit_sequences_are_image_rows():
    X, y, Xt, yt = digit_sequences()
    d = nl.load_digits(dtype=np.float64)
    assert X.shape[1:] == (8, 8) and len(Xt) == len(yt) and X.dtype == np.float64
    np.testing.assert_array_equal(X.reshape(len(X), 64), d.X_train)


# -- Table 1 ---------------------------------------------------------------------------------------
def test_invariance_table_equals_the_papers():
    table, changes = invariance.invariance_table()
    assert table == invariance.PAPER_TABLE_1
    for method, row in table.items():               # a clear margin on both sides of the threshold
        c = changes[method]
        assert np.all(c[np.array(row) == "Invariant"] < 1e-5) and np.all(c[np.array(row) == "No"] > 0.1)


def test_layer_norm_invariance_to_weight_recentering_by_hand():
    rng = np.random.default_rng(0)
    W, x, gamma = rng.standard_normal((5, 4)), rng.standard_normal((8, 4)), rng.standard_normal(4)
    # W + 1γᵀ adds γᵀx_n to every unit of example n: a per-example constant, which LN removes
    shifted = (W + gamma) @ x.T
    np.testing.assert_allclose(shifted - W @ x.T, np.tile(x @ gamma, (5, 1)), atol=1e-12)
    before = invariance.normalized_output("layer norm", W, x)
    np.testing.assert_allclose(invariance.normalized_output("layer norm", W + gamma, x), before, atol=1e-9)
    # the other reading, γ1ᵀ (a constant per *unit*), is not removed by LN
    c = rng.standard_normal((5, 1))                  # unit i's weights all shifted by c_i
    assert not np.allclose(invariance.normalized_output("layer norm", W + c, x), before, atol=1e-3)


def test_negative_scale_and_epsilon_break_invariance():
    table, _ = invariance.invariance_table(delta=-2.0)         # the sign flips ẑ
    assert table["layer norm"][0] == "No" and table["batch norm"][3] == "No"
    table, _ = invariance.invariance_table(delta=1e-3)         # σ² comparable to ε
    assert table["batch norm"][0] == "No" and table["weight norm"][0] == "Invariant"


def test_invariance_bad_names():
    with pytest.raises(ValueError, match="method must be one of"):
        invariance.normalized_output("group norm", np.eye(2), np.eye(2))
    with pytest.raises(ValueError, match="name must be one of"):
        invariance.transform("rotation", np.eye(2), np.eye(2))
    with pytest.raises(ValueError, match="W must be"):
        invariance.normalized_output("layer norm", np.eye(2), np.eye(3))


# -- small batches ---------------------------------------------------------------------------------
def test_random_batches_hold_distinct_examples():
    idx = small_batch.random_batches(20, 7, 50, 0)
    assert idx.shape == (50, 7) and all(len(set(row)) == 7 for row in idx) and idx.max() < 20
    with pytest.raises(ValueError, match="m .the batch size. must be at most"):
        small_batch.random_batches(5, 6, 1, 0)


def test_batch_statistics_follow_the_closed_forms():
    z = np.random.default_rng(1).standard_normal((300, 3)) * [1.0, 2.0, 0.5]
    s = small_batch.batch_statistics(z, (2, 8, 64), n_batches=4000, seed=2)
    np.testing.assert_allclose(s["std_mean"], s["std_mean_theory"], rtol=0.06)
    np.testing.assert_allclose(s["mean_var"], s["mean_var_theory"], rtol=0.06)
    # the closed forms themselves, by hand for m = 2: σ/√2·√(298/299) and σ²·½·300/299
    sigma2 = z.var(axis=0)
    np.testing.assert_allclose(s["std_mean_theory"][0], np.sqrt(sigma2 / 2 * 298 / 299))
    np.testing.assert_allclose(s["mean_var_theory"][0], sigma2 * 0.5 * 300 / 299)


def test_train_test_gap_shrinks_and_two_values_standardize_to_plus_minus_one():
    z = np.random.default_rng(3).standard_normal((500, 4))
    gap = small_batch.train_test_gap(z, (2, 8, 32, 128), n_batches=500)
    assert np.all(np.diff(gap) < 0)
    a = np.array([[0.3], [2.0]])
    np.testing.assert_allclose(nl.batch_norm(a), [[-1], [1]], atol=1e-5)


def test_train_mode_metrics_leave_the_model_unchanged_and_match_a_hand_computation():
    X, y, _, _ = small_batch.digits64()
    X, y = X[:40], y[:40]
    model = small_batch.norm_mlp("batch", seed=1)
    nl.fit(model, X, y, steps=20, batch_size=8, lr=0.05)
    bn = model[1]
    before = bn.running_mean.copy(), bn.running_var.copy(), bn.num_batches_tracked, model[0].weight.copy()
    loss, acc = small_batch.train_mode_metrics(model, X, y, 8, seed=3)
    np.testing.assert_array_equal(bn.running_mean, before[0])
    np.testing.assert_array_equal(bn.running_var, before[1])
    assert bn.num_batches_tracked == before[2] and model.training
    np.testing.assert_array_equal(model[0].weight, before[3])
    # by hand: each batch of 8 through the layers with its own batch statistics (biased variance)
    order = np.random.default_rng(3).permutation(40)
    losses, correct = [], 0
    for i in range(0, 40, 8):
        h = X[order[i:i + 8]]
        for lin, norm in ((model[0], model[1]), (model[3], model[4])):
            z = h @ lin.weight.T
            h = np.maximum(norm.gamma * (z - z.mean(0)) / np.sqrt(z.var(0) + norm.eps) + norm.beta, 0)
        logits = h @ model[6].weight.T + model[6].bias
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        t = y[order[i:i + 8]]
        losses.append(-np.log(p[np.arange(8), t]).mean())
        correct += (logits.argmax(1) == t).sum()
    assert abs(loss - np.mean(losses)) < 1e-10 and acc == correct / 40
    # layer norm has no batch statistics: training mode is eval mode
    ln = small_batch.norm_mlp("layer", seed=1)
    assert small_batch.train_mode_metrics(ln, X, y, 2)[1] == nl.accuracy(ln, X, y)
    with pytest.raises(ValueError, match="norm must be 'batch' or 'layer'"):
        small_batch.norm_mlp("group")
    with pytest.raises(ValueError, match="m must be"):
        small_batch.train_mode_metrics(model, X, y, 0)
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        small_batch.train_run("batch", 4, -1.0)


def test_measure_run_precise_statistics_are_the_population_statistics():
    X, y, Xt, yt = small_batch.digits64()
    model = small_batch.norm_mlp("batch", seed=2)
    nl.fit(model, X[:64], y[:64], steps=10, batch_size=4, lr=0.01)
    out = small_batch.measure_run(model, "batch", 4, (X[:64], y[:64], Xt, yt))
    assert set(out) == set(small_batch.METRICS)
    # layer 1's precise statistics are the mean and unbiased variance of W₁x over the data
    precise = nl.precise_bn(model, X[:64], batch_size=64)
    z = X[:64] @ model[0].weight.T
    np.testing.assert_allclose(precise[1].running_mean, z.mean(0), atol=1e-10)
    np.testing.assert_allclose(precise[1].running_var, z.var(0, ddof=1), rtol=1e-10)
    assert out["test_acc_precise"] == nl.accuracy(precise, Xt, yt)
    ln_out = small_batch.measure_run(small_batch.norm_mlp("layer"), "layer", 4, (X[:64], y[:64], Xt, yt))
    assert np.isnan(ln_out["test_acc_precise"])


def test_validation_split_is_held_out_of_the_training_set():
    X, y, Xv, yv = small_batch.digits64(validation=True)
    Xa, ya, _, _ = small_batch.digits64()
    assert len(X) + len(Xv) == len(Xa) and abs(len(Xv) / len(Xa) - 0.2) < 0.01
    np.testing.assert_array_equal(np.concatenate([X, Xv]), Xa)


def test_saved_results_are_read_only_and_complete():
    r = small_batch.small_batch_results()
    assert r.batch_sizes == small_batch.SWEEP_BATCH_SIZES and len(r.seeds) >= 3
    for norm in small_batch.SWEEP_NORMS:
        for k in small_batch.METRICS:
            assert r.per_seed[norm][k].shape == (len(r.batch_sizes), len(r.seeds))
        with pytest.raises(ValueError):
            r.mean[norm]["test_acc_eval"][0] = 0.0
        with pytest.raises(TypeError):
            r.lr[norm] = None
        # the chosen rate is on the grid, lr = c·m/32
        assert all(any(np.isclose(c, g) for g in small_batch.LR_GRID) for c in r.lr_c[norm])
    assert "long_runs" in r.provenance["command"]
    from normlib.lessons.l07_layer_norm_rnn.rnn import rnn_results
    rr = rnn_results()
    with pytest.raises(ValueError):
        rr["runs"]["0.1"]["plain"]["final_test_acc"][0] = 1.0


# -- post-LN vs pre-LN -----------------------------------------------------------------------------
@pytest.mark.parametrize("placement, norm", [("post", "layer"), ("pre", "layer"), ("pre", "rms"),
                                             ("post", "rms")])
def test_residual_block_gradients(placement, norm):
    block = transformer.ResidualBlock(4, 6, placement, norm, rng=0, dtype=np.float64)
    errors = nl.check_gradients(block, np.random.default_rng(1).standard_normal((5, 4)))
    assert max(errors.values()) < 1e-7, errors


def test_residual_block_forward_by_hand():
    x = np.random.default_rng(2).standard_normal((5, 4))
    post = transformer.ResidualBlock(4, 6, "post", rng=0, dtype=np.float64)
    F = lambda v: np.maximum(v @ post.fc1.weight.T + post.fc1.bias, 0) @ post.fc2.weight.T + post.fc2.bias
    np.testing.assert_allclose(post.forward(x), _ln(x + F(x)), atol=1e-12)
    pre = transformer.ResidualBlock(4, 6, "pre", rng=0, dtype=np.float64)
    np.testing.assert_allclose(pre.forward(x), x + F(_ln(x)), atol=1e-12)
    pre.fc2.weight[:] = 0                            # branch off: pre-LN is the identity
    np.testing.assert_array_equal(pre.forward(x), x)
    with pytest.raises(ValueError, match="placement must be 'post' or 'pre'"):
        transformer.ResidualBlock(4, 6, "middle")


def test_gradient_norms_post_ln_grow_toward_the_output_pre_ln_do_not():
    post = transformer.gradient_norms(depth=8, placement="post", seeds=range(2))
    pre = transformer.gradient_norms(depth=8, placement="pre", seeds=range(2))
    assert post[-1] / post[0] > 1.3 and pre[-1] / pre[0] < 1.0
    # one hand-made check of the quantity: the last block's ∂L/∂W₂ by finite differences
    model = transformer.residual_stack(2, d=4, hidden=5, placement="pre", seed=0)
    x, y = np.random.default_rng(0).standard_normal((6, 4)), np.arange(6) % 3
    loss = lambda: nl.softmax_cross_entropy(model.forward(x), y)[0]
    model.backward(nl.softmax_cross_entropy(model.forward(x), y)[1])
    w = model[1].fc2.weight
    assert nl.rel_error(model[1].fc2.dweight, nl.numerical_gradient(loss, w)) < 1e-7


# -- the batch-dependence explorer -----------------------------------------------------------------
def test_batch_explorer_draws_unit_categories_as_markers_without_lines():
    from normlib.lessons.l07_layer_norm_rnn.explorer import BatchDependenceExplorer
    ex = BatchDependenceExplorer()
    for artist in (ex.bn_train, ex.bn_eval, ex.beyond, ex.beyond_low, ex.ln):
        assert artist.get_linestyle() in ("None", "none", "", " ")
        assert artist.get_marker() not in (None, "None", "none", "")


def test_batch_explorer_marks_test_time_values_beyond_the_axis_at_its_edge():
    """BN at test time by hand, (c·z₀ − population mean) / population std: values inside the axis
    drawn where they are, the others as ▲ (above) or ▼ (below) at the edge — every unit once."""
    from normlib.lessons.l07_layer_norm_rnn.explorer import Z_LIMIT, BatchDependenceExplorer
    ex = BatchDependenceExplorer()
    for c in (1.0, 10.0):
        ex.update(batch_size=8, scale=c)
        expected = (c * ex.z[0] - ex.z.mean(0)) / ex.z.std(0)
        inside = np.abs(expected) <= Z_LIMIT
        np.testing.assert_allclose(ex.bn_eval.get_ydata(), expected[inside], rtol=1e-4)
        assert sorted(ex.beyond.get_xdata()) == sorted(np.flatnonzero(expected > Z_LIMIT))
        assert sorted(ex.beyond_low.get_xdata()) == sorted(np.flatnonzero(expected < -Z_LIMIT))
        assert (c == 10.0) == (not inside.all())
        lo, hi = ex.ax_out.get_ylim()
        assert all(lo < v < hi for v in np.concatenate([ex.beyond.get_ydata(), ex.beyond_low.get_ydata()]))


def test_batch_explorer_histogram_fills_its_count_axis_for_every_batch_size():
    """The tallest bin stays inside the count axis, and fills at least half of it, in every state."""
    from normlib.lessons.l07_layer_norm_rnn.explorer import BATCH_SIZES, SCALES, BatchDependenceExplorer
    ex = BatchDependenceExplorer()
    for m in BATCH_SIZES:
        for c in SCALES:
            ex.update(batch_size=m, scale=c)
            mu = ex.compute(m, c)[0][:, 0]
            counts = np.histogram(np.clip(mu, ex.bins[0], ex.bins[-1]), ex.bins)[0]
            assert counts.sum() == ex.n_batches
            top = ex.ax_mu.get_ylim()[1]
            assert 0.5 * top <= counts.max() <= top
