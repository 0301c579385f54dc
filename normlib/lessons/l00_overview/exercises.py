"""Exercise checker for notebook 00: which axes each normalization averages over."""

from ...checking import answer_axes, check_answers

__all__ = ["check_axes", "NORM_AXES"]

# For x of shape (N, C, H, W): the axes each method averages over (Wu & He 2018, Sec. 3.1).
NORM_AXES = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}
_AXIS_NAMES = {0: "N (examples)", 1: "C (channels)", 2: "H", 3: "W"}
_KEEPS = {"batch": "one μ, σ² per channel, shared by every example in the batch",
          "layer": "one μ, σ² per example, over all of its channels and positions",
          "instance": "one μ, σ² per example and channel"}


def _diagnose(method, answer):
    if answer is None:
        return "not answered yet"
    try:
        axes = answer_axes(answer, 4)
    except (TypeError, ValueError):
        return f"{answer!r} is not a tuple of axes of a 4-d array (0, 1, 2, 3; or −4 … −1)"
    right = NORM_AXES[method]
    if axes == right:
        return f"correct: {axes} gives {_KEEPS[method]}"
    for other, other_axes in NORM_AXES.items():
        if axes == other_axes:
            return (f"{axes} are {other} norm's axes ({_KEEPS[other]}); {method} norm needs "
                    f"{_KEEPS[method]}")
    hints = []
    kept = sorted(set(range(4)) - set(right))
    for a in sorted(set(axes) - set(right)):
        hints.append(f"axis {a} = {_AXIS_NAMES[a]} must be kept, not averaged over: "
                     f"{method} norm keeps separate statistics along {_AXIS_NAMES[a].split()[0]}")
    for a in sorted(set(right) - set(axes)):
        hints.append(f"axis {a} = {_AXIS_NAMES[a]} must be averaged over as well")
    return f"{axes} is not it: " + "; ".join(hints) + f" (keep {[_AXIS_NAMES[k] for k in kept]})"


def check_axes(answers):
    """Check a dict {"batch": axes, "layer": axes, "instance": axes} for x of shape (N, C, H, W).

    Returns the feedback text, one line per method (print it).
    """
    return check_answers(answers, NORM_AXES, _diagnose)
