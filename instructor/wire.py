"""The only thing that crosses from a student's sandbox to the grader: plain data, framed.

Values are encoded as tagged JSON: None, bools, ints, floats and strings as themselves; lists,
tuples, sets and dicts tagged (so a tuple comes back a tuple); numpy arrays and numpy scalars as
(dtype, shape, raw bytes in base64) of a numeric dtype only. Anything else (a function, an object
a student's forward pass returns as its cache …) stays in the sandbox and crosses as a handle,
{"h": k}, that the grader can only pass back. :func:`decode` validates everything it reads (tags,
dtypes, sizes, depth) and builds fresh numpy arrays and Python containers: nothing of the sandbox's
objects — no subclass, no method — reaches the grader.

Used on both sides: instructor/runner.py (in the sandbox) and instructor/grade_notebook.py (the
grader). Needs numpy and the standard library only.
"""

import base64
import json
import math
import struct

import numpy as np

MAX_FRAME = 64 << 20          # bytes of one message
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_STR = 200_000


class WireError(Exception):
    """A message that is not valid plain data (the grader treats it as no answer)."""


class Opaque:
    """On the grader's side: a value that stayed in the sandbox (it can only be passed back)."""

    def __init__(self, handle, type_name):
        self.handle, self.type_name = int(handle), str(type_name)[:100]

    def __repr__(self):
        return f"<{self.type_name} object>"


def encode(value, store=None, _depth=0):
    """JSON-able tagged form of ``value``. A value that is not plain data becomes a handle from
    ``store(value) -> int`` (the sandbox's side); without ``store`` it is an error."""
    if _depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value if abs(value) < 2 ** 63 else {"bigint": str(value)}
    if t is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if t is list or t is tuple:
        return {t.__name__: [encode(v, store, _depth + 1) for v in value]}
    if t is set or t is frozenset:
        return {t.__name__: [encode(v, store, _depth + 1) for v in value]}
    if t is dict:
        return {"dict": [[encode(k, store, _depth + 1), encode(v, store, _depth + 1)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) and t is not np.ndarray and store is not None:
        value = np.asarray(value)                  # a subclass (np.matrix, a masked array): its data
        t = type(value)
    if t is np.ndarray and value.dtype.kind in "biufc" and value.dtype.fields is None:
        a = np.ascontiguousarray(value)
        return {"nd": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode("ascii")]}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy" and value.dtype.kind in "biufc":
        return {"np": [value.dtype.str, base64.b64encode(np.asarray(value).tobytes()).decode("ascii")]}
    if t is Opaque:
        return {"h": value.handle}
    if store is None:
        raise WireError(f"cannot send a {t.__name__}")
    return {"h": store(value), "type": t.__name__}


def _dtype(spec):
    if not isinstance(spec, str) or len(spec) > 8:
        raise WireError("bad dtype")
    try:
        dt = np.dtype(spec)
    except TypeError:
        raise WireError("bad dtype") from None
    if dt.kind not in "biufc" or dt.fields is not None or dt.itemsize > 32:
        raise WireError(f"dtype {spec!r} is not numeric")
    return dt


def decode(obj, resolve=None):
    """The value of an encoded ``obj``, validated. Handles become ``resolve(k)`` (the sandbox's
    side) or :class:`Opaque` (the grader's side)."""
    count = [0]

    def walk(o, depth):
        count[0] += 1
        if count[0] > MAX_NODES or depth > MAX_DEPTH:
            raise WireError("too large or nested too deeply")
        if o is None or type(o) in (bool, int):
            return o
        if type(o) is float:
            return o
        if type(o) is str:
            if len(o) > MAX_STR:
                raise WireError("string too long")
            return o
        if type(o) is not dict or len(o) not in (1, 2):
            raise WireError("not a tagged value")
        if "h" in o:
            if type(o["h"]) is not int:
                raise WireError("bad handle")
            return resolve(o["h"]) if resolve else Opaque(o["h"], o.get("type", "object"))
        if len(o) != 1:
            raise WireError("not a tagged value")
        (tag, v), = o.items()
        if tag in ("list", "tuple"):
            if type(v) is not list:
                raise WireError("bad sequence")
            items = [walk(x, depth + 1) for x in v]
            return items if tag == "list" else tuple(items)
        if tag in ("set", "frozenset"):
            if type(v) is not list:
                raise WireError("bad set")
            items = [walk(x, depth + 1) for x in v]
            if not all(isinstance(x, (str, int, float, bool, tuple, np.generic, type(None))) for x in items):
                raise WireError("bad set item")
            return set(items) if tag == "set" else frozenset(items)
        if tag == "dict":
            if type(v) is not list:
                raise WireError("bad dict")
            out = {}
            for pair in v:
                if type(pair) is not list or len(pair) != 2:
                    raise WireError("bad dict item")
                k = walk(pair[0], depth + 1)
                if not isinstance(k, (str, int, float, bool, tuple, np.generic, type(None))):
                    raise WireError("bad dict key")
                out[k] = walk(pair[1], depth + 1)
            return out
        if tag == "bigint" and type(v) is str and len(v) < 5000:
            return int(v)
        if tag == "float" and v in ("nan", "inf", "-inf"):
            return float(v)
        if tag == "nd":
            if type(v) is not list or len(v) != 3 or type(v[1]) is not list or type(v[2]) is not str:
                raise WireError("bad array")
            dt = _dtype(v[0])
            shape = v[1]
            if len(shape) > 32 or any(type(n) is not int or n < 0 for n in shape):
                raise WireError("bad shape")
            raw = base64.b64decode(v[2].encode("ascii"), validate=True)
            if len(raw) != math.prod(shape) * dt.itemsize:
                raise WireError("array size does not match its shape")
            return np.frombuffer(raw, dtype=dt).reshape(shape).copy()
        if tag == "np":
            if type(v) is not list or len(v) != 2 or type(v[1]) is not str:
                raise WireError("bad scalar")
            dt = _dtype(v[0])
            raw = base64.b64decode(v[1].encode("ascii"), validate=True)
            if len(raw) != dt.itemsize:
                raise WireError("bad scalar")
            return np.frombuffer(raw, dtype=dt)[0]
        raise WireError(f"unknown tag {tag!r}"[:60])

    return walk(obj, 0)


def send(fd, message):
    """Write one message (a JSON-able dict) to file descriptor ``fd``."""
    data = json.dumps(message, allow_nan=False).encode()
    if len(data) > MAX_FRAME:
        raise WireError(f"message of {len(data)} bytes is larger than {MAX_FRAME}")
    buf = struct.pack(">Q", len(data)) + data
    while buf:
        n = __import__("os").write(fd, buf)
        buf = buf[n:]


def parse(data):
    try:
        msg = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WireError("not JSON") from None
    if type(msg) is not dict:
        raise WireError("not a message")
    return msg
