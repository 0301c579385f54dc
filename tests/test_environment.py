"""The course's environment: tested ranges for students, exact pins for CI and Binder.

- requirements.txt holds ranges (what students install); constraints.txt pins the environment the
  notebooks were executed in (what `make test` and Binder install). Every package requirements.txt
  names must be pinned, inside its range; pyproject.toml's dependencies must say the same ranges.
- normlib trains on one BLAS thread: threadpoolctl must see NumPy's OpenBLAS (threadpoolctl < 3.5
  does not see the one NumPy 2 ships, and then `one_blas_thread` silently does nothing).
- A light install: the course installs neither scikit-learn nor SciPy (the digits ship with normlib);
  `make test` adds scikit-learn (requirements-test.txt) for the tests' independent references only.
- Binder: repo2docker's dry run (`make test-binder`, which sets REPO2DOCKER) as mybinder.org runs it
  (`--user-id 1000 --user-name jovyan`, whoever runs the test) must give the Python the notebooks ran
  with, and one install, `pip install -r binder/requirements.txt`, as jovyan after the whole
  repository is copied; that file must resolve, as pip reads it, to the same constraints.txt and to
  exactly one editable install of the repository (`-e .`), with no extra `pip install .`; then
  binder/postBuild builds matplotlib's font cache into the image.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def requirement_lines(path):
    """The non-empty lines of a pip requirements file, comments removed (pip's own rule: ' #')."""
    for line in Path(path).read_text().splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            yield line


def ranges(path=ROOT / "requirements.txt"):
    """{canonical name: Requirement} of the named packages (options such as -e/-r/-c left out)."""
    reqs = [Requirement(line) for line in requirement_lines(path) if not line.startswith("-")]
    return {canonicalize_name(r.name): r for r in reqs}


def pins(path=ROOT / "constraints.txt"):
    out = {}
    for line in requirement_lines(path):
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1 and spec[0].operator == "==", f"constraints.txt: {line!r} is not a pin"
        out[canonicalize_name(req.name)] = Version(spec[0].version)
    return out


def test_constraints_pin_every_requirement_inside_its_range():
    pinned = pins()
    for name, req in {**ranges(), **ranges(ROOT / "requirements-test.txt")}.items():
        assert name in pinned, f"constraints.txt does not pin {name} (requirements.txt: {req})"
        assert req.specifier.contains(pinned[name], prereleases=True), \
            f"constraints.txt pins {name}=={pinned[name]}, outside requirements.txt's {req.specifier}"


def test_constraints_hold_no_local_or_editable_package():
    text = (ROOT / "constraints.txt").read_text()
    assert "normlib" not in pins(), "normlib must not be pinned: it is installed editable"
    assert not re.search(r"^\s*(-e|--editable|\.|/|file:)", text, re.M)


def test_pyproject_dependencies_are_requirements_ranges():
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    req = ranges()
    for dep in map(Requirement, deps):
        name = canonicalize_name(dep.name)
        assert name in req, f"pyproject.toml depends on {name}, requirements.txt does not name it"
        assert dep.specifier == req[name].specifier, \
            f"{name}: pyproject.toml says {dep.specifier}, requirements.txt says {req[name].specifier}"


HEAVY = {"scikit-learn", "scipy"}   # 47 MB of wheels, once needed only for the 8x8 digits


def test_the_course_installs_neither_scikit_learn_nor_scipy():
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    named = set(ranges()) | {canonicalize_name(Requirement(d).name) for d in deps}
    assert not named & HEAVY, f"requirements.txt/pyproject.toml name {sorted(named & HEAVY)}"
    # ... nor does anything they name pull them in (the installed course venv's metadata)
    from importlib.metadata import PackageNotFoundError, requires

    seen, todo = set(), set(ranges()) | {"normlib"}
    while todo:
        name = todo.pop()
        seen.add(name)
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        for r in map(Requirement, reqs):
            if r.marker is None or r.marker.evaluate({"extra": ""}):
                dep = canonicalize_name(r.name)
                assert dep not in HEAVY, f"{name} requires {dep}"
                if dep not in seen:
                    todo.add(dep)
    # the make test environment adds scikit-learn (the tests' references) and pytest-xdist (make
    # test-unit on every core), and nothing else
    assert set(ranges(ROOT / "requirements-test.txt")) == {"scikit-learn", "pytest-xdist"}
    assert "-r requirements.txt" in requirement_lines(ROOT / "requirements-test.txt")


def test_one_blas_thread_reaches_numpys_openblas():
    import numpy as np
    from threadpoolctl import threadpool_info

    from normlib.module import one_blas_thread

    try:
        blas_name = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except (TypeError, KeyError):                 # NumPy < 1.25 cannot tell: nothing to check
        pytest.skip("this NumPy does not report its BLAS")
    if "openblas" not in blas_name.lower():
        pytest.skip(f"NumPy uses {blas_name}, which threadpoolctl cannot limit")
    seen = [i for i in threadpool_info() if i["internal_api"] == "openblas"]
    assert seen, "threadpoolctl does not see NumPy's OpenBLAS (threadpoolctl >= 3.5 does)"
    with one_blas_thread():
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")


# ---------------------------------------------------------------------------------------------------
# Binder

def notebook_python():
    """The major.minor Python version the committed notebooks were executed with (all must agree)."""
    versions = {json.loads(p.read_text())["metadata"]["language_info"]["version"]
                for p in (ROOT / "notebooks").glob("*.ipynb")}
    minor = {".".join(v.split(".")[:2]) for v in versions}
    assert len(minor) == 1, f"the notebooks were executed with several Pythons: {sorted(versions)}"
    return minor.pop()


def pip_view(path, cwd):
    """binder/requirements.txt as pip reads it: nested -r/-c relative to the file that names them,
    -e and local paths relative to the working directory. Returns (constraints, editables, others)."""
    constraints, editables, others = [], [], []

    def walk(p):
        for line in requirement_lines(p):
            opt, _, arg = line.partition(" ")
            arg = arg.strip()
            if opt in ("-r", "--requirement"):
                walk((p.parent / arg).resolve())
            elif opt in ("-c", "--constraint"):
                constraints.append((p.parent / arg).resolve())
            elif opt in ("-e", "--editable"):
                editables.append((cwd / arg).resolve())
            elif re.match(r"(\.|/|file:)", line):
                editables.append(("not editable", line))
            else:
                others.append(line)
    walk(path.resolve())
    return constraints, editables, others


def unescape(name):
    """repo2docker names the build files it copies with escapism: '-2e' is '.', '-2d' is '-'."""
    return re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), name)


MYBINDER_UID, MYBINDER_USER = 1000, "jovyan"


@pytest.fixture(scope="module")
def dry_run():
    exe = os.environ.get("REPO2DOCKER") or shutil.which("jupyter-repo2docker")
    default = ROOT / "build" / "repo2docker" / "bin" / "jupyter-repo2docker"
    if not exe and default.exists():
        exe = str(default)
    if not exe:
        pytest.skip("jupyter-repo2docker is not installed: run `make test-binder`")
    # mybinder.org's uid and user name; without them repo2docker takes those of whoever runs it
    out = subprocess.run([exe, "--no-build", "--debug", "--user-id", str(MYBINDER_UID),
                          "--user-name", MYBINDER_USER, str(ROOT)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout, out.stderr


def test_binder_python_is_the_notebooks_python(dry_run):
    dockerfile, log = dry_run
    want = notebook_python()
    assert "Python version unspecified" not in log, log
    assert f"Building conda environment for python={want}" in log, log
    env_files = [unescape(line.split()[-2]) for line in dockerfile.splitlines()
                 if line.startswith("COPY") and line.endswith("/tmp/env/environment.lock")]
    # (the escaped name ends in a short hash of the file)
    assert len(env_files) == 1 and f"/environment.py-{want}-linux-64.lock" in env_files[0], env_files


def test_binder_installs_the_constraints_and_normlib_editable_once(dry_run):
    dockerfile, _ = dry_run
    lines = [line.strip() for line in dockerfile.splitlines()]
    installs = [i for i, line in enumerate(lines) if re.search(r"\bpip install\b", line)]
    assert [lines[i] for i in installs] == \
        ['RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'], \
        "the Binder build must run exactly one pip install, of binder/requirements.txt"
    assert not any(re.search(r"pip install (--no-cache-dir )?\.$", line) for line in lines), \
        "an extra `pip install .` would replace the editable normlib with a site-packages copy"
    # `-e .` needs the whole repository in place, and pip runs from its root
    uid = MYBINDER_UID
    copy_all = lines.index(f"COPY --chown={uid}:{uid} src/ ${{REPO_DIR}}/")
    workdir = lines.index("WORKDIR ${REPO_DIR}")
    assert workdir < copy_all < installs[0]
    users = [i for i, line in enumerate(lines) if line.startswith("USER ")]
    last_user = max(i for i in users if i < installs[0])
    assert lines[last_user] == "USER ${NB_USER}", "pip must run as the notebook user, not root"

    constraints, editables, others = pip_view(ROOT / "binder" / "requirements.txt", cwd=ROOT)
    assert constraints == [ROOT / "constraints.txt"], constraints
    assert editables == [ROOT], f"normlib must be installed once, editable, from the root: {editables}"
    extra = {canonicalize_name(Requirement(o).name) for o in others} - set(ranges())
    assert extra <= {"notebook"}, f"Binder installs more than requirements.txt: {sorted(extra)}"


def test_make_test_installs_with_the_same_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements-test.txt -c constraints.txt" in makefile
    stamp_rule = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.M)
    assert stamp_rule and "constraints.txt" in stamp_rule.group(1), \
        "the install stamp must depend on constraints.txt, or a changed pin would not be installed"


def test_binder_builds_matplotlibs_font_cache_after_the_install(dry_run):
    dockerfile, _ = dry_run
    lines = [line.strip() for line in dockerfile.splitlines()]
    install = lines.index('RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"')
    post = [i for i, line in enumerate(lines) if line == "RUN ./binder/postBuild"]
    assert len(post) == 1 and post[0] > install, "binder/postBuild must run once, after the pip install"
    users = [i for i, line in enumerate(lines) if line.startswith("USER ") and i < post[0]]
    assert lines[users[-1]] == "USER ${NB_USER}", "postBuild must run as the notebook user (its HOME)"


def test_postbuild_writes_a_font_cache_matplotlib_then_reads(tmp_path):
    """Run binder/postBuild with the course's Python on PATH and an empty matplotlib config dir:
    it must leave the font list there, and a new process must find it instead of building it."""
    import sys

    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    caches = list(tmp_path.glob("fontlist-*.json"))
    assert len(caches) == 1, sorted(p.name for p in tmp_path.iterdir())
    fonts = json.loads(caches[0].read_text())["ttflist"]
    assert any(f["name"] == "DejaVu Sans" for f in fonts)
    before = caches[0].stat().st_mtime_ns
    again = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "building the font cache" not in again.stderr.lower()
    assert caches[0].stat().st_mtime_ns == before


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("target, notebook, korean", [("lab", "notebooks/00_overview.ipynb", False),
                                                      ("lab-ko", "notebooks/ko/00_overview.ipynb", True)])
def test_make_lab_opens_the_first_notebook_of_its_edition(target, notebook, korean):
    """`make lab` opens the English 00 and `make lab-ko` the Korean one, with normlib speaking Korean
    (NORMLIB_LANG=ko) in every notebook that server starts; the notebook it names exists."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}  # under make test
    out = subprocess.run(["make", "--no-print-directory", "-n", "-W", "requirements.txt", target], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, env=env).stdout
    dry = next((line for line in out.splitlines() if "jupyter lab" in line), out)
    assert "jupyter lab" in dry and dry.endswith(notebook) and (ROOT / notebook).is_file(), dry
    assert ("NORMLIB_LANG=ko" in dry) is korean, dry
