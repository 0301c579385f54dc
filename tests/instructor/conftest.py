"""Most of the instructor kit's tests need nbgrader (.venv-instructor) and bubblewrap and grade whole
notebooks: they run in `make test-instructor` (which sets NORMLIB_INSTRUCTOR_TESTS=1). The fast ones
that need neither (the source is up to date, every exercise has a solution that its checker accepts
and a mistake it diagnoses) run in `make test` as well."""

import os

import pytest

NEEDS_THE_KIT = {"release", "round_trip", "bad_run"}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NORMLIB_INSTRUCTOR_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="instructor kit: run by `make test-instructor`")
    for item in items:
        if "tests/instructor/" in str(item.fspath).replace(os.sep, "/") and \
                NEEDS_THE_KIT & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)
