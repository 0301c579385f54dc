"""Runs ONE submitted notebook inside the sandbox (instructor/grade_notebook.py starts it under
bubblewrap, as /opt/grader/runner.py, with the course's Python). Nothing here is trusted by the
grader: it only ever receives plain data back (instructor/wire.py) and decides the grade itself.

On its own protocol pipe (the original stdin/stdout; the student's code gets /dev/null as stdin
and stderr as stdout) it answers the grader's requests, one at a time:

  {"op": "stub", "modules": [...]}  replace the lessons' check_* functions by a stub (the exercise
                                    cells' own `print(lesson.check_…(…))` then cost nothing; the
                                    grader calls the real checker itself)
  {"op": "cell", "source": s, "timeout": t}  run one code cell as a kernel would (IPython), stopped
                                    after t s → {"status": "ok" | "syntax" | "error" | "timeout", …}
  {"op": "describe", "name": n}     → {"defined": bool, "callable": bool, "type": …}
  {"op": "get", "name": n}          → {"value": encoded} (the value of a variable, as plain data)
  {"op": "usage"}                   → {"cpu": CPU seconds used so far}
  {"op": "call", "name": n, "args": …, "kwargs": …, "timeout": t}
                                    → {"value": encoded, "mutated": {i: array}} | {"raised": [type, message]}
                                      | {"timeout": true}
"""

import importlib
import os
import resource
import signal
import struct
import sys


class _Stop(BaseException):
    """Raised by the alarm inside a cell or a call that ran past its limit."""


def _alarm(signum, frame):
    raise _Stop()


def _read_exact(fd, n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import wire

    rfd, wfd = os.dup(0), os.dup(1)               # the protocol; not inherited by children
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)                                  # the student's prints go to the log, never to the grader
    sys.stdin = open(0, closefd=False)

    # Drop root (when the grader runs as root, bubblewrap keeps CAP_SETUID/SETGID for this only):
    # the student's code then runs as a user of its own, with no capability, under hard limits.
    uid = int(os.environ.pop("GRADER_UID", "-1"))
    if uid >= 0 and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    for name, env in (("RLIMIT_AS", "GRADER_MEMORY"), ("RLIMIT_NPROC", "GRADER_NPROC"),
                      ("RLIMIT_FSIZE", "GRADER_FSIZE")):
        value = int(os.environ.pop(env, "0"))
        if value > 0:
            resource.setrlimit(getattr(resource, name), (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    ns = shell.user_ns
    signal.signal(signal.SIGALRM, _alarm)
    handles = {}

    def store(value):
        handles[len(handles) + 1] = value
        return len(handles)

    def resolve(k):
        if k not in handles:
            raise wire.WireError("unknown handle")
        return handles[k]

    def timed(seconds, fn):
        signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.01))
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def close_figures():
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            try:
                plt.close("all")
            except Exception:
                pass

    def handle(msg):
        op = msg.get("op")
        if op == "stub":
            def stub(*args, **kwargs):
                return "(graded by the autograder)"
            for mod in msg["modules"]:
                m = importlib.import_module(mod)
                for name in dir(m):
                    if name.startswith("check_"):
                        setattr(m, name, stub)
            return {"ok": True}
        if op == "cell":
            try:
                result = timed(msg["timeout"], lambda: shell.run_cell(msg["source"], store_history=False))
            except _Stop:                           # between statements IPython does not catch
                return {"status": "timeout"}
            finally:
                close_figures()
            err = result.error_before_exec or result.error_in_exec
            if err is None:
                return {"status": "ok"}
            if isinstance(err, _Stop):
                return {"status": "timeout"}
            if isinstance(err, SyntaxError):
                return {"status": "syntax", "line": err.lineno, "message": str(err.msg)[:300],
                        "text": (err.text or "").strip()[:200]}
            return {"status": "error", "error": f"{type(err).__name__}: {str(err)[:300]}"}
        if op == "describe":
            name = msg["name"]
            if name not in ns:
                return {"defined": False}
            return {"defined": True, "callable": callable(ns[name]), "type": type(ns[name]).__name__}
        if op == "get":
            return {"value": wire.encode(ns[msg["name"]], store)}
        if op == "call":
            fn = ns.get(msg["name"])
            args = wire.decode(msg["args"], resolve)
            kwargs = wire.decode(msg["kwargs"], resolve)
            try:
                out = timed(msg["timeout"], lambda: fn(*args, **kwargs))
            except _Stop:
                return {"timeout": True}
            except BaseException as err:           # the student's code failed: say how
                return {"raised": [type(err).__name__[:100], str(err)[:1000]]}
            finally:
                close_figures()
            import numpy as np
            mutated = {}
            for key, a in list(enumerate(args)) + list(kwargs.items()):
                if type(a) is np.ndarray:
                    mutated[str(key)] = wire.encode(a)
            return {"value": wire.encode(out, store), "mutated": mutated}
        if op == "usage":                          # CPU seconds of this process and its children
            own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return {"cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime}
        raise wire.WireError(f"unknown op {op!r}")

    wire.send(wfd, {"ready": True})
    while True:
        try:
            n = struct.unpack(">Q", _read_exact(rfd, 8))[0]
            msg = wire.parse(_read_exact(rfd, n))
        except EOFError:
            return
        try:
            reply = handle(msg)
        except _Stop:
            reply = {"timeout": True}
        except BaseException as err:
            reply = {"failed": f"{type(err).__name__}: {str(err)[:300]}"}
        try:
            wire.send(wfd, reply)
        except Exception as err:                   # e.g. a result too large to send
            wire.send(wfd, {"failed": f"{type(err).__name__}: {str(err)[:300]}"})


if __name__ == "__main__":
    main()
