"""Reference solution of notebook 00's exercise (instructors only: students are not sent this file).

Each entry, keyed by the checker the exercise cell calls:
  solution  — code that, placed in the exercise cell just before its `print(lesson.check_…(…))`,
              makes the checker say "correct" (instructor/build_source.py puts it between nbgrader's
              solution markers);
  mistake   — a classic wrong answer, and diagnosis — words the checker's feedback on it must contain
              (used by the round trip in tests/instructor/).
"""

EXERCISES = {
    "check_axes": {
        "solution": 'my_answers = {"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}',
        # BN and LN swapped: the classic confusion of which axis is kept
        "mistake": 'my_answers = {"batch": (1, 2, 3), "layer": (0, 2, 3), "instance": (2, 3)}',
        "diagnosis": "are layer norm's axes",
    },
}
