"""Reading a network without changing it.

:func:`layer_inputs` gives what chosen layers receive in a training step (notebooks 02, 04, 05);
:func:`precise_bn` recomputes BN's statistics with the final weights (notebooks 05 and 08)."""

import copy

from . import functional as F
from .checks import as_float_array
from .layers import BatchNorm
from .module import positive_int as _positive_int
from .nn import minibatches

__all__ = ["bn_layers", "layer_inputs", "precise_bn"]


def bn_layers(model):
    """The BatchNorm layers of a Sequential ``model``, in order."""
    return [layer for layer in model.layers if isinstance(layer, BatchNorm)]


def precise_bn(model, X, batch_size=60, n_batches=None, seed=0):
    """A copy of ``model`` whose BN running statistics are recomputed with its current weights.

    Algorithm 2 (Ioffe & Szegedy 2015), which Wu & Johnson (2021, §3.1) call *precise BN*: run
    ``n_batches`` training mini-batches of size ``batch_size`` (default: one epoch of ``X``) through
    the network in training mode, with the weights fixed, and set every BN layer's running mean and
    variance to the equal-weight averages E_B[μ_B] and m/(m − 1)·E_B[σ²_B] (``momentum=None``).
    Returns the copy, in eval mode; ``model`` is not changed.
    """
    X = as_float_array(X, "X")
    work = copy.deepcopy(model).train()
    layers = bn_layers(work)
    if not layers:
        raise ValueError("model has no BatchNorm layer: there are no statistics to recompute")
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum, layer.num_batches_tracked = None, 0
    batch_size = _positive_int(batch_size, "batch_size")
    n_batches = len(X) // batch_size if n_batches is None else _positive_int(n_batches, "n_batches")
    batches = minibatches(len(X), batch_size, seed)
    for _ in range(n_batches):
        work.forward(X[next(batches)])
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
    return work.eval()


def layer_inputs(model, X, of, step=None):
    """The input of every layer of type ``of`` (a class or a tuple of classes) in the Sequential
    ``model``, on the examples ``X`` taken as one training batch: BatchNorm layers normalize with the
    statistics of ``X`` itself. Nothing in ``model`` changes — no running statistics move, no cache
    is overwritten, no random number is drawn from it: every other layer runs in eval mode on a
    shallow copy. ``step(layer, h)``, if given, may return a layer's output itself (for a layer the
    rule above does not fit, such as a noise layer), or None to leave it to the rule.
    Returns a list of arrays, one per matching layer, in order.
    """
    h = as_float_array(X, "X")
    out = []
    for layer in model.layers:
        if isinstance(layer, of):
            out.append(h)
        own = step(layer, h) if step is not None else None
        if own is not None:
            h = own
        elif isinstance(layer, BatchNorm):
            h = F.batch_norm(h, layer.gamma, layer.beta, layer.eps)
        else:
            work = copy.copy(layer)               # a shallow copy: the layer's cache is left alone
            work.training = False
            h = work.forward(h)
    return out

