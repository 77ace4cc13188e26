"""What every benchmark shares: CPU-time medians taken in turns, the machine and the BLAS that ran,
the float64 floor of one forward+backward pass, and PyTorch's autograd when it is installed.

Benchmarks report ratios of times measured in the same run, never a comparison with fixed
milliseconds: a ratio survives another machine and a busy one, an absolute time does not.
"""
import datetime
import os
import platform
import time

import numpy as np


def cpu_model():
    """The processor's name from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_lines():
    """One line per BLAS/OpenMP library loaded in this process, from threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["BLAS: threadpoolctl not installed, cannot tell which kernel ran (pip install threadpoolctl)"]
    lines = []
    for info in threadpool_info():
        arch = info.get("architecture") or info.get("corename") or "-"
        lines.append(f"{info.get('user_api')}: {info.get('internal_api')} {info.get('version')}, "
                     f"kernel {arch}, {info.get('num_threads')} thread(s) "
                     f"({os.path.basename(info.get('filepath', ''))})")
    return lines or ["BLAS: threadpoolctl found no BLAS or OpenMP library loaded"]


def header(title):
    """Print what the numbers below depend on: date, machine, load, threads, numpy and its BLAS."""
    print(f"{title}\n  {datetime.datetime.now().isoformat(timespec='seconds')}, {cpu_model()}, "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, numpy {np.__version__}, "
          f"Python {platform.python_version()}")
    for line in blas_lines():
        print("  " + line)


def medians_ms(fns, repeats):
    """Median CPU milliseconds (time.process_time) of each function in ``fns`` {name: fn}.

    One warm-up call each, then ``repeats`` rounds in which every function runs once in turn, so
    that a change in the machine's load during the run touches all of them alike.
    """
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn()
            times[name].append(time.process_time() - t0)
    return {name: 1e3 * float(np.median(v)) for name, v in times.items()}


def floor_fn(p, X):
    """The products and transcendental functions no float64 forward+backward pass can skip.

    The eight matrix-product kinds of the forward and backward passes (input projection, T
    recurrent products forward and T backward, output projection, W_qhᵀ ∂L/∂o, three weight
    gradients) plus tanh of every pre-activation and exp of every logit; no loss bookkeeping,
    no validation.
    """
    T, B, m = X.shape
    n = p["W_hh"].shape[0]
    A = X.reshape(T * B, m) @ p["W_hx"].T                      # input projection
    H = np.tanh(A).reshape(T, B, n)
    for t in range(T):
        H[t] @ p["W_hh"].T                                     # forward recurrence
    O = H.reshape(T * B, n) @ p["W_qh"].T                      # output projection
    np.exp(O)
    dH = O @ p["W_qh"]                                         # W_qhᵀ ∂L/∂o
    for t in range(T):
        H[t] @ p["W_hh"]                                       # backward recurrence
    D = dH.reshape(T * B, n)
    D.T @ X.reshape(T * B, m), D.T @ H.reshape(T * B, n), O.T @ H.reshape(T * B, n)  # weight gradients


def torch_fn(p, X, Y):
    """PyTorch CPU autograd on the same float64 tanh network and summed cross-entropy, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    tX, tY = torch.tensor(X), torch.tensor(Y)

    def run():
        h = torch.zeros(X.shape[1], p["W_hh"].shape[0], dtype=torch.float64)
        loss = 0.0
        for t in range(X.shape[0]):
            h = torch.tanh(tX[t] @ tp["W_hx"].T + h @ tp["W_hh"].T + tp["b_h"])
            o = h @ tp["W_qh"].T + tp["b_q"]
            loss = loss + torch.nn.functional.cross_entropy(o, tY[t], reduction="sum")
        loss.backward()
        for v in tp.values():
            v.grad = None

    return run
