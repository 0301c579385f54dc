"""Notebook 09's code against independent references: hand computations, finite differences and
invariances that must hold (Table 1 of the layer-norm paper; post-LN vs pre-LN residual stacks)."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l09_layer_norm_transformers import invariance, transformer


def _ln(a, eps=1e-5):
    return (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps)


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


def test_train_stack_warms_up_and_checks_its_input():
    from normlib.lessons.l09_layer_norm_transformers import train_stack
    h = train_stack("pre", 0.05, warmup=3, steps=4, depth=2)
    assert len(h.loss) == 4 and h.eval_steps == [0, 4] and len(h.test_accuracy) == 2
    with pytest.raises(ValueError, match="placement must be"):
        train_stack("middle", 0.1)
    with pytest.raises(ValueError, match="warmup must be"):
        train_stack("pre", 0.1, warmup=-1)


def test_train_stack_first_steps_match_hand_written_sgd_with_warm_up():
    """Reference: the first two steps by hand — step 1 at lr/warmup (momentum's velocity starts as the
    gradient), step 2 at 2·lr/warmup — on the same seeded batches and network."""
    from normlib.lessons.l09_layer_norm_transformers import train_stack
    lr, warmup, seed = 0.2, 4, 3
    data = nl.load_digits(seed=seed, dtype=np.float64)
    model = transformer.residual_stack(2, 64, 128, "pre", "layer", seed=seed)
    batches = nl.minibatches(len(data.X_train), 32, seed)
    velocity, losses = {}, []
    for step in (1, 2, 3):
        idx = next(batches)
        loss, dlogits = nl.softmax_cross_entropy(model.forward(data.X_train[idx]), data.y_train[idx])
        losses.append(loss)
        model.backward(dlogits)
        for name, p, g in model.parameters():
            velocity[name] = 0.9 * velocity.get(name, 0.0) + g
            p -= lr * (step / warmup) * velocity[name]
    h = train_stack("pre", lr, warmup=warmup, steps=3, depth=2, seed=seed)
    np.testing.assert_allclose(h.loss, losses, rtol=1e-12)
    assert abs(h.test_accuracy[-1] - nl.accuracy(model, data.X_test, data.y_test)) <= 1 / len(data.y_test)
    flat = train_stack("pre", lr, warmup=0, steps=3, depth=2, seed=seed)
    assert flat.loss[0] == h.loss[0] and abs(flat.loss[2] - h.loss[2]) > 1e-6   # the warm-up matters


def test_gradient_figure_draws_both_placements_and_checks_its_input():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from normlib.lessons.l09_layer_norm_transformers import plot_gradient_norms
    fig = plot_gradient_norms({"post": [1.0, 2.0, 3.0], "pre": [1.0, 1.0, 0.9]})
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)
    with pytest.raises(ValueError, match="keys 'post' and/or 'pre'"):
        plot_gradient_norms({"middle": [1.0]})
