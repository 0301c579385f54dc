"""Grade ONE student's ONE notebook: the clean grader process (instructor/grade.py starts one per
student and notebook, with the course's Python).

The student's notebook runs in a sandbox (bubblewrap, :func:`sandbox_command`): its own process
with no network, the course's Python environment and normlib read-only, nothing else of the
machine's files but /usr and /etc (read-only), a private /tmp, an unprivileged user id of its own,
and limits on memory, processes, file size and time. This process never runs a line of the
student's code: for each exercise it calls the course's real checker (normlib.lessons, imported
here, where the notebook cannot reach it) with stand-ins for the student's functions; each call a
checker makes goes to the sandbox — the grader's inputs in, the student's function run there, plain
data back (instructor/wire.py, validated) — and the checker compares it here with the right answer.
Whatever the notebook patches (the checker, numpy, re …) it patches in the sandbox only.

    python grade_notebook.py NOTEBOOK ASSIGNMENT [--cell-timeout S] [--exercise-timeout S]
                             [--memory-mb M] [--slot K] [--log FILE]

prints one JSON object per line: {"exercise", "score", "max_score", "feedback"}.
"""

import argparse
import builtins
import importlib
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import wire  # noqa: E402
from build_source import LESSON_IMPORT, exercises, text  # noqa: E402
from course import CELL_TIMEOUT, EXERCISE_TIMEOUT, MEMORY_MB, SOURCE  # noqa: E402

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
START_TIMEOUT = 60          # s for the sandbox's Python to start (imports IPython)
GRACE = 10                  # s past a limit before the sandbox is killed (the alarm inside comes first)
MAX_RESTARTS = 4            # a notebook whose process dies is restarted (without that cell) this often
UID_BASE = 61000            # sandbox user ids when grading as root: UID_BASE + slot


class Died(BaseException):
    """The sandbox's process ended (killed, crashed, or killed itself)."""


class HardTimeout(BaseException):
    """The sandbox did not answer within its limit (and was killed)."""


class CallTimeout(BaseException):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


class Unreadable(BaseException):
    def __init__(self, name, why):
        super().__init__(name, why)
        self.name, self.why = name, why


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------
def bwrap():
    path = shutil.which("bwrap")
    if path is None:
        raise FileNotFoundError("grading runs every notebook in a bubblewrap sandbox, and `bwrap` is not "
                                "installed: apt-get install bubblewrap (Debian/Ubuntu; dnf install "
                                "bubblewrap on Fedora). See INSTRUCTORS.md.")
    return path


def _parents(path):
    out, p = [], Path(path).parent
    while str(p) != "/":
        out.append(p)
        p = p.parent
    return reversed(out)


def sandbox_command(slot=0, memory_mb=MEMORY_MB):
    """(argv, env additions) that run instructor/runner.py in a fresh sandbox."""
    import normlib
    args = [bwrap(), "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    made = set()

    def ro(src, dest=None):
        dest = str(dest or src)
        for p in _parents(dest):
            if str(p) not in made and not any(str(p).startswith(m + "/") or str(p) == m for m in ("/usr", "/etc")):
                args.extend(["--perms", "0755", "--dir", str(p)])
                made.add(str(p))
        args.extend(["--ro-bind", str(src), dest])
        made.add(dest)

    ro("/usr")
    for d in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(d):
            args.extend(["--symlink", os.readlink(d), d])
        elif os.path.isdir(d):
            ro(d)
    ro("/etc")
    for p in sorted({os.path.realpath(sys.base_prefix), sys.prefix, os.path.realpath(sys.prefix)}):
        if not p.startswith("/usr/"):
            ro(p)
    ro(Path(normlib.__file__).resolve().parent)          # the course's package (an editable install)
    ro(HERE / "runner.py", "/opt/grader/runner.py")     # only these two of instructor/: no solutions
    ro(HERE / "wire.py", "/opt/grader/wire.py")
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(256 << 20), "--perms", "1777", "--tmpfs", "/tmp",
             "--chdir", "/tmp"]
    env = {"HOME": "/tmp", "TMPDIR": "/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/.matplotlib",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "GRADER_MEMORY": str(int(memory_mb) << 20), "GRADER_NPROC": "64", "GRADER_FSIZE": str(64 << 20)}
    if os.environ.get("OPENBLAS_CORETYPE"):
        env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
    if os.getuid() == 0:          # keep only what the runner needs to drop to a user id of its own
        args += ["--cap-add", "CAP_SETUID,CAP_SETGID"]
        env["GRADER_UID"] = str(UID_BASE + int(slot))
    else:                         # an unprivileged user: bubblewrap makes a user namespace
        args += ["--unshare-user"]
    for k, v in env.items():
        args += ["--setenv", k, v]
    args += [os.path.join(sys.prefix, "bin", "python"), "-I", "/opt/grader/runner.py"]
    return args


def say(key, **fields):
    """The grader's own words, in the submission's language (normlib/locale: grade.*; the language is
    chosen in :func:`grade_notebook` from the notebook, so a Korean student reads Korean)."""
    from normlib.i18n import t
    return t("grade." + key, **fields)


def _why_dead(code):
    if code is None:
        return say("why.stopped")
    if code < 0 or code > 128:
        sig = -code if code < 0 else code - 128
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        hint = say("why.oom_hint") if sig == signal.SIGKILL else ""
        return say("why.killed", name=name, hint=hint)
    return say("why.exited", code=code)


class Sandbox:
    def __init__(self, slot, memory_mb, log):
        self.proc = subprocess.Popen(sandbox_command(slot, memory_mb), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        self.buf = b""
        self.request(None, START_TIMEOUT)                  # {"ready": true}

    def _read_frame(self, deadline):
        fd = self.proc.stdout.fileno()
        while True:
            if len(self.buf) >= 8:
                n = struct.unpack(">Q", self.buf[:8])[0]
                if n > wire.MAX_FRAME:
                    self.kill()
                    raise Died("it sent a message larger than the limit")
                if len(self.buf) >= 8 + n:
                    data, self.buf = self.buf[8:8 + n], self.buf[8 + n:]
                    return wire.parse(data)
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise HardTimeout()
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    code = self.kill(grace=2)
                    raise Died(_why_dead(code))
                self.buf += chunk

    def request(self, msg, timeout):
        if msg is not None:
            data = json.dumps(msg, allow_nan=False).encode()
            try:
                self.proc.stdin.write(struct.pack(">Q", len(data)) + data)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                raise Died(_why_dead(self.kill(grace=2))) from None
        return self._read_frame(time.monotonic() + timeout)

    def kill(self, grace=0):
        """Kill the sandbox (after ``grace`` s to end by itself); its exit code."""
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        """Stop the sandbox; returns the CPU seconds its notebook used (None if unknown)."""
        cpu = None
        try:
            if self.proc.poll() is None:
                cpu = float(self.request({"op": "usage"}, 10).get("cpu"))
        except (Died, HardTimeout, wire.WireError, TypeError, ValueError):
            pass
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        return cpu


# ---------------------------------------------------------------------------------------------
# The student's functions, seen from the checker
# ---------------------------------------------------------------------------------------------
def student_exception(name, message):
    """An exception that looks like the student's to a checker (same class name; a builtin's
    subclass when the name is a builtin exception, so `except NotImplementedError` works)."""
    base = getattr(builtins, name, None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = Exception
    cls = type(name, (base,), {"__str__": lambda self: message, "__module__": "student"})
    err = cls.__new__(cls)
    err.args = (message,)
    return err


class RemoteFunction:
    """Stands for the student's function ``name``: calling it runs it in the sandbox."""

    def __init__(self, sandbox, name, timeout):
        self.sandbox, self.__name__, self.timeout = sandbox, name, timeout

    def __call__(self, *args, **kwargs):
        import numpy as np
        try:
            msg = {"op": "call", "name": self.__name__, "args": wire.encode(list(args)),
                   "kwargs": wire.encode(dict(kwargs)), "timeout": self.timeout}
        except wire.WireError as err:
            raise TypeError(f"the grader cannot pass this argument to the sandbox: {err}") from None
        try:
            reply = self.sandbox.request(msg, self.timeout + GRACE)
        except HardTimeout:
            raise CallTimeout(self.__name__) from None
        if reply.get("timeout"):
            raise CallTimeout(self.__name__)
        if "raised" in reply:
            name, message = (str(x) for x in reply["raised"][:2])
            raise student_exception(name, message)
        if "value" not in reply:
            raise Unreadable(self.__name__, str(reply.get("failed", "no answer"))[:300])
        try:
            value = wire.decode(reply["value"])
            for key, enc in reply.get("mutated", {}).items():      # in-place edits of the inputs
                orig = args[int(key)] if key.isdigit() else kwargs.get(key)
                new = wire.decode(enc)
                if isinstance(orig, np.ndarray) and orig.flags.writeable and new.shape == orig.shape \
                        and not np.array_equal(orig, new, equal_nan=orig.dtype.kind in "fc"):
                    orig[...] = new
        except (wire.WireError, ValueError, TypeError) as err:
            raise Unreadable(self.__name__, str(err)) from None
        return value


def passed(feedback):
    """Full credit: the checker's feedback says correct, in English or Korean
    (normlib.checking.is_correct: "correct…", "k/k correct", "정답…", "k개 중 k개 정답")."""
    from normlib.checking import is_correct
    return is_correct(feedback)


def language_of(cells):
    """The edition a submission comes from: "ko" when a code cell selects Korean (the Korean
    edition's first code cell does: normlib.set_language("ko")), else "en". The checkers then give
    their feedback in the student's language."""
    for cell in cells:
        if cell.get("cell_type") == "code" and 'set_language("ko")' in text(cell):
            return "ko"
    return "en"


# ---------------------------------------------------------------------------------------------
# The notebook
# ---------------------------------------------------------------------------------------------
def spec(assignment):
    """What the instructor's source says about an assignment: the lesson module, and per exercise
    (checker, argument names, points, the exercise cell's id, the test cell's id and released text)."""
    nb = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    cells = nb["cells"]
    module = next((LESSON_IMPORT.search(text(c))[1] for c in cells if LESSON_IMPORT.search(text(c))), None)
    out = []
    by_checker = {}
    for i, _, checker, names in exercises(cells):
        by_checker[checker] = {"checker": checker, "names": names, "cell_id": cells[i].get("id"),
                               "points": 0, "test_id": None, "test_text": None}
    for c in cells:
        g = c.get("metadata", {}).get("nbgrader", {})
        if g.get("grade") and not g.get("solution") and g.get("grade_id") in by_checker:
            e = by_checker[g["grade_id"]]
            e.update(points=g.get("points", 1), test_id=c.get("id"),
                     test_text=text(c).split(BEGIN_HIDDEN)[0].strip())
            out.append(e)
    return module, out


def _nbg(cell):
    meta = cell.get("metadata")
    g = meta.get("nbgrader") if isinstance(meta, dict) else None
    return g if isinstance(g, dict) else {}


def read_submission(path):
    """(code cells [(index, cell)], None) or (None, the sentence why it cannot be graded)."""
    path = Path(path)
    try:
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return None, f"{path.name} is not a Jupyter notebook (not UTF-8 text)"
    except ValueError as err:
        return None, f"{path.name} is not a Jupyter notebook (not JSON: {str(err)[:80]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, f"{path.name} is not a Jupyter notebook (JSON without a list of cells)"
    cells = []
    for c in nb["cells"]:
        if not isinstance(c, dict) or c.get("cell_type") not in ("code", "markdown", "raw"):
            return None, f"{path.name} is not a valid Jupyter notebook (a cell without a cell_type)"
        src = c.get("source", "")
        if isinstance(src, list) and all(isinstance(s, str) for s in src):
            src = "".join(src)
        if not isinstance(src, str):
            return None, f"{path.name} is not a valid Jupyter notebook (a cell's source is not text)"
        cells.append({"cell_type": c["cell_type"], "source": src, "id": c.get("id"), "nbgrader": _nbg(c)})
    return cells, None


def is_test_cell(cell, test_ids):
    g = cell["nbgrader"]
    return (g.get("grade") is True and not g.get("solution")) or (cell["id"] in test_ids and cell["id"]) \
        or cell["source"].lstrip().startswith("# Autograder (hidden test)")


def exercise_cells(cells, ex):
    """Indices of the cells that are this exercise's cell (more than one: duplicated)."""
    call = f"print(lesson.{ex['checker']}("
    return [i for i, c in enumerate(cells) if c["cell_type"] == "code" and not is_test_cell(c, ())
            and (c["nbgrader"].get("grade_id") == f"{ex['checker']}-answer"
                 or any(line.startswith(call) for line in c["source"].split("\n")))]


def test_cell_note(cells, ex):
    """A sentence when the locked autograder cell of this exercise was edited, deleted or re-labelled
    (in a notebook made from the student version), else None."""
    if not any(c["nbgrader"] for c in cells):          # a copy of the course notebook: it has none
        return None
    by_id = [c for c in cells if ex["test_id"] and c["id"] == ex["test_id"]]
    by_grade = [c for c in cells if c["nbgrader"].get("grade_id") == ex["checker"] and not c["nbgrader"].get("solution")]
    what = None
    if not by_id and not by_grade:
        what = "deleted"
    else:
        c = (by_id or by_grade)[-1]
        g = c["nbgrader"]
        if c["source"].strip() != ex["test_text"]:
            what = "edited"
        elif g.get("grade_id") != ex["checker"] or g.get("grade") is not True or g.get("solution") \
                or g.get("points", ex["points"]) != ex["points"]:
            what = "relabelled"
    if what is None:
        return None
    return say("test_cell.note", what=say("test_cell." + what))


def run_notebook(cells, test_ids, opts, log, skip, statuses):
    """A sandbox that has run every code cell of the notebook but those in ``skip``; the status of
    each cell in ``statuses``. A cell that kills the process is added to ``skip`` and the notebook
    is run again (at most MAX_RESTARTS times). Returns the sandbox, or None."""
    for _ in range(MAX_RESTARTS + 1):
        sb = Sandbox(opts.slot, opts.memory_mb, log)
        modules = sorted({m for m in [opts.module] if m})
        sb.request({"op": "stub", "modules": [f"normlib.lessons.{m}" for m in modules]}, START_TIMEOUT)
        died = None
        for i, c in enumerate(cells):
            if c["cell_type"] != "code" or i in skip or is_test_cell(c, test_ids) or not c["source"].strip():
                continue
            try:
                statuses[i] = sb.request({"op": "cell", "source": c["source"], "timeout": opts.cell_timeout},
                                         opts.cell_timeout + GRACE)
            except HardTimeout:
                statuses[i] = {"status": "timeout"}
                died = i
            except Died as d:
                statuses[i] = {"status": "died", "why": str(d)}
                died = i
            if died is not None:
                break
        if died is None:
            return sb
        skip.add(died)
    return None


def what_happened(status, cell_timeout):
    """What happened to a cell that did not run to its end, in words (None if it did)."""
    s = status.get("status")
    if s == "syntax":
        where = say("what.on_line", line=status["line"]) if status.get("line") else ""
        code = f": `{status['text']}`" if status.get("text") else ""
        return say("what.syntax", where=where, message=status.get("message", "invalid syntax"), code=code)
    if s == "timeout":
        return say("what.timeout", seconds=cell_timeout)
    if s == "error":
        return say("what.error", error=status.get("error"))
    if s == "died":
        return say("what.died", why=status.get("why"))
    return None


def cell_sentence(status, name, cell_timeout):
    """Why ``name`` is not defined, given the status of the exercise cell."""
    what = what_happened(status, cell_timeout)
    if what is None:
        return say("cell.not_defined", name=name)
    if status.get("status") == "error":
        return say("cell.before", what=what, name=name)
    return say("cell.so", what=what, name=name)


def grade_notebook(path, assignment, opts):
    module, exs = spec(assignment)
    opts.module = module
    rows = []

    def row(ex, score, feedback, notes=()):
        text = " | ".join(" ".join(str(part).split()) for part in [feedback, *notes])
        rows.append({"exercise": ex["checker"], "score": score, "max_score": ex["points"], "feedback": text})

    cells, problem = read_submission(path)
    if not problem:
        from normlib.i18n import set_language
        set_language(language_of(cells))
    if problem:
        for ex in exs:
            row(ex, 0, say("no_credit", problem=problem))
        return rows
    test_ids = {ex["test_id"] for ex in exs if ex["test_id"]}
    log = open(opts.log, "ab") if opts.log else subprocess.DEVNULL
    skip, statuses = set(), {}
    lesson = importlib.import_module(f"normlib.lessons.{module}")
    sb = None
    try:
        for ex in exs:
            checker = getattr(lesson, ex["checker"])
            mine = exercise_cells(cells, ex)
            notes = []
            if len(mine) > 1:
                notes.append(say("duplicated", n=len(mine)))
            note = test_cell_note(cells, ex)
            if note:
                notes.append(note)
            if sb is None:
                sb = run_notebook(cells, test_ids, opts, log, skip, statuses)
            if sb is None:
                row(ex, 0, say("died_every_time", times=MAX_RESTARTS + 1), notes)
                continue
            try:
                feedback = grade_exercise(sb, checker, ex, cells, mine, statuses, opts)
            except CallTimeout as t:
                feedback = say("call_timeout", seconds=opts.exercise_timeout, name=t.name)
            except Unreadable as u:
                feedback = say("unreadable", name=u.name, why=u.why)
            except (Died, HardTimeout) as d:
                why = str(d) or say("why.stopped")
                feedback = say("died_checking", why=why)
                sb = None
            except wire.WireError as err:
                feedback = say("wire", err=err)
            if sb is not None and sb.proc.poll() is not None:
                sb = None
            for i in sorted(skip - set(mine)):          # another cell that killed the notebook's process
                why = statuses.get(i, {}).get("why") or say("why.past_limits")
                notes.append(say("other_cell_died", k=sum(c['cell_type'] == 'code' for c in cells[:i + 1]), why=why))
            what = what_happened(statuses.get(mine[-1], {}), opts.cell_timeout) if mine else None
            if what and not feedback.startswith(what[:20]):
                notes.insert(0, say("note", what=what))
            score = ex["points"] if passed(feedback) else 0
            row(ex, score, feedback, notes)
    finally:
        if sb is not None:
            cpu = sb.close()
            if cpu is not None and rows:
                rows[-1]["cpu_s"] = round(cpu, 2)       # the last sandbox's CPU time (progress line only)
    return rows


def grade_exercise(sb, checker, ex, cells, mine, statuses, opts):
    names = ex["names"]
    args = []
    for name in names:
        d = sb.request({"op": "describe", "name": name}, opts.exercise_timeout + GRACE)
        if not d.get("defined"):
            if not mine:
                return say("cell.missing", name=name)
            return cell_sentence(statuses.get(mine[-1], {"status": "not run"}), name, opts.cell_timeout)
        if d.get("callable"):
            args.append(RemoteFunction(sb, name, opts.exercise_timeout))
            continue
        r = sb.request({"op": "get", "name": name}, opts.exercise_timeout + GRACE)
        if "value" not in r:
            return say("unreadable_value", name=name, type=d.get("type"), failed=r.get("failed", "no answer"))
        args.append(wire.decode(r["value"]))
    try:
        return str(checker(*args))
    except (CallTimeout, Unreadable, Died, HardTimeout):
        raise
    except Exception as err:
        return say("checker_failed", error=type(err).__name__, message=err)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("assignment", nargs="?")
    parser.add_argument("--self-check", action="store_true", help="only start a sandbox and stop it")
    parser.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT)
    parser.add_argument("--exercise-timeout", type=float, default=EXERCISE_TIMEOUT)
    parser.add_argument("--memory-mb", type=int, default=MEMORY_MB)
    parser.add_argument("--slot", type=int, default=os.getpid() % 1000)
    parser.add_argument("--log", default=None, help="file for everything the notebook prints")
    opts = parser.parse_args(argv)
    if opts.self_check:                # the sandbox starts on this machine, or the reason why not
        log = open(opts.log, "ab") if opts.log else None
        try:
            Sandbox(opts.slot, opts.memory_mb, log).close()
        except (Died, HardTimeout) as err:
            sys.exit(f"the sandbox (bubblewrap) did not start: {err or 'no answer'}. Its messages are above; "
                     "see INSTRUCTORS.md")
        print("the sandbox works")
        return
    if not (opts.notebook and opts.assignment):
        parser.error("NOTEBOOK and ASSIGNMENT are required")
    for r in grade_notebook(opts.notebook, opts.assignment, opts):
        print(json.dumps(r, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
