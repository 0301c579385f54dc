"""nbgrader's configuration for running its command line in this folder by hand, e.g.
`cd instructor && ../.venv-instructor/bin/nbgrader generate_assignment 05_batch_norm_inference`
(make assignments and make grade set the same configuration themselves: instructor/course.py)."""

import os
import sys
from pathlib import Path

# nbgrader runs `alembic` by name (gradebook migrations): this environment's bin/ first on PATH
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course import nbgrader_config, use_course_kernel  # noqa: E402

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
c.merge(nbgrader_config(Path(__file__).resolve().parent))
try:                      # autograde's kernel: the course's .venv (when it exists)
    use_course_kernel(Path(__file__).resolve().parent / ".kernel")
except FileNotFoundError:
    pass
