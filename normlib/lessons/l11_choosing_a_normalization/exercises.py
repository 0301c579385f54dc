"""Exercise checker for notebook 11: a multiple-choice quiz on the course's classic confusions.

Every wrong choice has its own explanation: the checker names the confusion behind it.
"""

__all__ = ["QUIZ", "quiz_text", "check_quiz"]

# question number → (question, {letter: (choice, None if right else why it is wrong)})
QUIZ = {
    1: ("PyTorch's BatchNorm(C, momentum=0.1) starts with running_mean = 0. After ONE training batch "
        "whose channel mean is μ_B = 5, running_mean is:",
        {"a": ("0.5", None),
         "b": ("4.5", "that is momentum = 0.9 as the weight of the new batch. PyTorch's momentum = 0.1 "
                      "is the weight of the NEW batch: 0.9·0 + 0.1·5 = 0.5 (CS231n-style code writes the "
                      "same average with 0.9 as the weight of the OLD value)"),
         "c": ("5", "that would be momentum = 1 (or momentum=None, the cumulative average, after its "
                    "first batch); with momentum = 0.1 the new batch gets weight 0.1: 0.5"),
         "d": ("0", "the running statistics are updated in every training-mode forward pass, not only "
                    "in eval mode: 0.9·0 + 0.1·5 = 0.5")}),
    2: ("A channel's m = 4 values in a training batch have biased variance σ²_B = 1/m·Σ(x − μ_B)² = 3. "
        "BN normalizes with … and adds … (times momentum) to running_var:",
        {"a": ("√(3 + ε); 4", None),
         "b": ("√(4 + ε); 4", "the normalization itself uses the biased (1/m) batch variance, 3 "
                              "(Algorithm 1 of Ioffe & Szegedy 2015, and PyTorch); only the stored "
                              "estimate gets the unbiased factor m/(m−1)"),
         "c": ("√(3 + ε); 3", "running_var stores the unbiased estimate σ²_B·m/(m−1) = 3·4/3 = 4 "
                              "(Algorithm 2 of the BN paper; PyTorch does the same)"),
         "d": ("√(4 + ε); 3", "both are swapped: normalize with the biased 3, store the unbiased 4")}),
    3: ("For x of shape (N, C, H, W), BN and LN average over the axes:",
        {"a": ("BN (N, H, W), LN (C, H, W)", None),
         "b": ("BN (C, H, W), LN (N, H, W)", "swapped: BN keeps one μ, σ² per channel (it averages "
                                             "over the batch and space); LN keeps one per example"),
         "c": ("BN (N,), LN (C,)", "both also average over the spatial axes H and W (a conv "
                                   "feature map shares its channel's statistics over positions)"),
         "d": ("BN (H, W), LN (C, H, W)", "averaging over (H, W) only is instance norm: one μ, σ² "
                                          "per example and channel. BN also averages over N")}),
    4: ("What does model.eval() change for a network with BN and dropout?",
        {"a": ("BN uses its running statistics and dropout is off; gradients can still be computed", None),
         "b": ("it turns off gradient computation", "eval mode is not 'no gradients': that is "
                                                   "torch.no_grad(). In eval mode backward still works "
                                                   "(BN's backward is then a fixed per-channel scale)"),
         "c": ("it freezes γ and β", "γ and β are frozen only if the optimizer does not step them; "
                                     "eval() changes which statistics BN normalizes with"),
         "d": ("nothing for BN, only dropout", "BN switches from batch statistics to its running "
                                               "statistics in eval mode")}),
    5: ("y = γ·x̂ + β on a batch of shape (N, C). The gradient of the loss with respect to β_c is:",
        {"a": ("Σ_n dy[n, c]", None),
         "b": ("(1/N)·Σ_n dy[n, c]", "not a mean: β_c is added to every example, so its gradient "
                                     "collects every example's dy — a sum (the 1/N, if any, is already "
                                     "inside dy from a mean loss)"),
         "c": ("dy[n, c], one per example", "β_c is one parameter shared by all examples: its "
                                            "gradient is one number per channel, the sum over n"),
         "d": ("Σ_n dy[n, c]·x̂[n, c]", "that is dγ_c, the gradient of the scale γ_c; dβ_c is Σ_n dy[n, c]")}),
    6: ("BatchNorm in training mode gets a batch of ONE example, shape (1, C):",
        {"a": ("every output equals β, so PyTorch (and normlib) raise an error", None),
         "b": ("it silently uses the running statistics", "training mode always uses batch statistics; "
                                                          "to use the running ones, call eval()"),
         "c": ("it outputs x unchanged", "with one value per channel, x − μ_B = 0: every x̂ is 0 and "
                                         "every output is β (hence the error)"),
         "d": ("it works as for any batch", "μ_B = x and σ²_B = 0: x̂ = 0 for every input, so the "
                                            "layer would pass no information and no gradient to x")}),
    7: ("With 2 images per GPU, which keeps ResNet-50's ImageNet error close to BN's 23.6% at 32 images "
        "per GPU (Wu & He 2018)?",
        {"a": ("group norm", None),
         "b": ("batch norm with more momentum", "the problem is the noisy batch statistics used in "
                                                "training, not the running average: BN's error rises "
                                                "from 23.6% at 32 images per GPU to 34.7% at 2"),
         "c": ("instance norm", "IN removes each channel's contrast, which carries information for "
                                "classification: at 32 images per GPU Wu & He (Table 1) measure "
                                "IN 28.4% error vs GN 24.1% and BN 23.6%"),
         "d": ("any of them: normalization does not depend on the batch", "only BN depends on the "
                                                                          "batch; LN, IN and GN are "
                                                                          "computed per example")}),
    8: ("8 GPUs with 2 images each train with synchronized BN. Each layer's statistics are those of:",
        {"a": ("all 16 images: every GPU sends Σx, Σx² and its count, and the sums give μ and σ²", None),
         "b": ("each GPU's own 2 images", "that is plain (local) BN under data parallelism; "
                                          "synchronized BN all-reduces the sums"),
         "c": ("the average of the 8 local variances", "the mean of the local variances misses the "
                                                        "spread between the GPUs' means; the sums "
                                                        "give the exact full-batch variance"),
         "d": ("GPU 0's images, broadcast to the others", "DDP broadcasts rank 0's running "
                                                          "statistics (buffers), not the batch "
                                                          "statistics used in training")}),
}


def _place_right_answers(quiz, positions="bcadbcda"):
    """Written above with the right choice first; move it to a different letter per question."""
    out = {}
    for (q, (question, choices)), pos in zip(quiz.items(), positions):
        items = list(choices.values())
        r = "abcd".index(pos)
        items = items[1:r + 1] + items[:1] + items[r + 1:]
        out[q] = (question, dict(zip("abcd", items)))
    return out


QUIZ = _place_right_answers(QUIZ)
RIGHT = {q: next(k for k, (_, why) in choices.items() if why is None) for q, (_, choices) in QUIZ.items()}


def quiz_text():
    """The questions and their choices, to print."""
    lines = []
    for q, (question, choices) in QUIZ.items():
        lines.append(f"{q}. {question}")
        lines += [f"   ({k}) {text}" for k, (text, _) in choices.items()]
    return "\n".join(lines)


def check_quiz(answers):
    """Check ``answers``, a dict question number → letter ("a"–"d"; None = not answered yet).

    Returns the feedback text: for a wrong choice, the confusion behind it.
    """
    if not isinstance(answers, dict):
        raise TypeError(f"answers must be a dict like {{1: 'a', 2: 'c'}}; got {type(answers).__name__}")
    unknown = sorted(set(answers) - set(QUIZ), key=str)
    if unknown:
        raise ValueError(f"answers has unknown question numbers {unknown}; the questions are {list(QUIZ)}")
    lines, score = [], 0
    for q, (_, choices) in QUIZ.items():
        a = answers.get(q)
        key = a.strip().lower().strip("()") if isinstance(a, str) else a
        if a is None:
            lines.append(f"{q}: not answered yet")
        elif key not in choices:
            lines.append(f"{q}: {a!r} is not one of the choices {list(choices)}")
        elif choices[key][1] is None:
            score += 1
            lines.append(f"{q}: correct — {choices[key][0]}")
        else:
            lines.append(f"{q}: ({key}) is not right: {choices[key][1]}")
    return "\n".join(lines + [f"{score}/{len(QUIZ)} correct"])
