"""Run a function in a forked child process while this one goes on: how the book build draws a
figure's second language on the machine's second core (see :func:`bptt.i18n.each_language`).

A fork shares everything the function needs (closures, the figure's data) without pickling it;
only the result travels back, pickled, through a pipe. What the child prints, warns or logs on
stdout/stderr is captured and written again by the parent when it collects the result, so a
warning in the child still fails the strict build. If the child fails, :meth:`Forked.result`
runs the function again here, so the error is raised with its own traceback.
"""
import io
import os
import pickle
import sys
import traceback


def available():
    """True where a fork is possible (POSIX)."""
    return hasattr(os, "fork")


class Forked:
    """``fn()`` started in a forked child; :meth:`result` waits for it and returns its value."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"fn: expected a callable, got {type(fn).__name__}")
        if not available():
            raise RuntimeError("Forked: this platform has no os.fork")
        self.fn = fn
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:                                   # the child: never returns
            os.close(read)
            _child(fn, write)
        os.close(write)
        self._read = read

    def result(self):
        """``fn()``'s value, after replaying what the child printed. Call it once."""
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:          # read all before waiting: the pipe may be full
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        os.waitpid(self.pid, 0)
        try:
            status, value, out, err = pickle.loads(b"".join(chunks))
        except Exception:                                   # the child died before it wrote
            status, value, out, err = "error", "no result from the child", "", ""
        sys.stdout.write(out)
        sys.stderr.write(err)
        if status == "ok":
            return value
        return self.fn()                                    # raise the error here, with its traceback


def _child(fn, write):
    code = 0
    try:
        out, err = io.StringIO(), io.StringIO()
        sys.stdout, sys.stderr = out, err
        try:
            payload = ("ok", fn(), out.getvalue(), err.getvalue())
        except BaseException:
            payload = ("error", traceback.format_exc(), out.getvalue(), err.getvalue())
        try:
            data = pickle.dumps(payload)
        except Exception:
            data = pickle.dumps(("error", traceback.format_exc(), out.getvalue(), err.getvalue()))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)
