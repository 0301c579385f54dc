"""Reference solution of notebook 11's quiz (see l00_overview.py for the format)."""

EXERCISES = {
    "check_quiz": {
        "solution": 'answers = {1: "b", 2: "c", 3: "a", 4: "d", 5: "b", 6: "c", 7: "d", 8: "a"}',
        # question 1: momentum 0.1 taken as the weight of the old value (4.5)
        "mistake": 'answers = {1: "a", 2: "c", 3: "a", 4: "d", 5: "b", 6: "c", 7: "d", 8: "a"}',
        "diagnosis": "momentum = 0.9 as the weight of the new batch",
    },
}
