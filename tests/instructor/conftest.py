"""The instructor kit's tests need nbgrader (.venv-instructor) and run whole notebooks: they run in
`make test-instructor` only (which sets NORMLIB_INSTRUCTOR_TESTS=1), not in `make test`."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NORMLIB_INSTRUCTOR_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="instructor kit: run by `make test-instructor`")
    for item in items:
        if "tests/instructor/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
