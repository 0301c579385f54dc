"""Exercise checker for notebook 11: a multiple-choice quiz on the course's classic confusions.

Every wrong choice has its own explanation: the checker names the confusion behind it. The texts
live in the message catalogue (normlib/locale/*.json, keys ``l11.quiz.*``), so :func:`quiz` builds
the quiz in the reader's language each time it is asked (``nl.set_language("ko")``).
"""

from ...i18n import t

__all__ = ["quiz", "RIGHT", "quiz_text", "check_quiz"]

QUESTIONS = range(1, 9)
# Written in the catalogue with the right choice as (a); shown with it at these letters instead.
POSITIONS = "bcadbcda"


def _written():
    """question number → (question, {letter: (choice, None if right else why it is wrong)}), with
    the right choice at (a), in the current language."""
    return {q: (t(f"l11.quiz.q{q}.question"),
                {k: (t(f"l11.quiz.q{q}.{k}"), None if k == "a" else t(f"l11.quiz.q{q}.{k}.why"))
                 for k in "abcd"})
            for q in QUESTIONS}


def _place_right_answers(quiz, positions=POSITIONS):
    """Written with the right choice first; move it to a different letter per question."""
    out = {}
    for (q, (question, choices)), pos in zip(quiz.items(), positions):
        items = list(choices.values())
        r = "abcd".index(pos)
        items = items[1:r + 1] + items[:1] + items[r + 1:]
        out[q] = (question, dict(zip("abcd", items)))
    return out


def quiz():
    """The quiz in the reader's language: question number → (question, {letter: (choice, None if
    it is the right one, else why it is wrong)})."""
    return _place_right_answers(_written())


RIGHT = dict(zip(QUESTIONS, POSITIONS))


def quiz_text():
    """The questions and their choices, to print."""
    lines = []
    for q, (question, choices) in quiz().items():
        lines.append(f"{q}. {question}")
        lines += [f"   ({k}) {text}" for k, (text, _) in choices.items()]
    return "\n".join(lines)


def check_quiz(answers):
    """Check ``answers``, a dict question number → letter ("a"–"d"; None = not answered yet).

    Returns the feedback text: for a wrong choice, the confusion behind it.
    """
    if not isinstance(answers, dict):
        raise TypeError(f"answers must be a dict like {{1: 'a', 2: 'c'}}; got {type(answers).__name__}")
    questions = quiz()
    unknown = sorted(set(answers) - set(questions), key=str)
    if unknown:
        raise ValueError(f"answers has unknown question numbers {unknown}; the questions are {list(questions)}")
    lines, score = [], 0
    for q, (_, choices) in questions.items():
        a = answers.get(q)
        key = a.strip().lower().strip("()") if isinstance(a, str) else a
        if a is None:
            lines.append(t("l11.quiz.not_answered", q=q))
        elif key not in choices:
            lines.append(t("l11.quiz.not_a_choice", q=q, answer=repr(a), choices=list(choices)))
        elif choices[key][1] is None:
            score += 1
            lines.append(t("l11.quiz.right", q=q, choice=choices[key][0]))
        else:
            lines.append(t("l11.quiz.wrong", q=q, key=key, why=choices[key][1]))
    return "\n".join(lines + [t("checking.score", score=score, total=len(questions))])
