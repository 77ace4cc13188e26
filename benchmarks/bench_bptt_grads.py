"""Time bptt.bptt_grads against reference points measured in the same run.

    OMP_NUM_THREADS=1 python benchmarks/bench_bptt_grads.py

For each size it prints the median CPU time of bptt_grads and its ratios to
  floor  the work no float64 implementation can skip: the eight matrix products of the
         forward and backward passes plus the tanh of every pre-activation and the exp of
         every logit (no loss bookkeeping, no validation); see timing.floor_fn;
  torch  PyTorch's CPU autograd on the same float64 network (one thread), when torch is installed.
There is no pass or fail: absolute milliseconds depend on the machine, ratios much less.
"""
import numpy as np
from timing import floor_fn, header, medians_ms, torch_fn

import bptt

CASES = [(256, 64, 128), (100, 32, 64)]  # (T, B, m = n = q)


def main():
    header("bptt.bptt_grads: median CPU time and ratios measured in this run")
    for T, B, d in CASES:
        rng = np.random.default_rng(0)
        params = bptt.init_params(d, d, d, seed=0, spectral_radius=0.9)
        X = rng.normal(size=(T, B, d))
        Y = rng.integers(0, d, size=(T, B))
        fns = {"bptt": lambda: bptt.bptt_grads(params, X, Y), "floor": lambda: floor_fn(params, X)}
        run = torch_fn(params, X, Y)
        if run is not None:
            fns["torch"] = run
        ms = medians_ms(fns, repeats=9 if d > 64 else 15)
        line = (f"T={T} B={B} m=n=q={d}: bptt_grads {ms['bptt']:.2f} ms, float64 floor {ms['floor']:.2f} ms, "
                f"ratio bptt/floor {ms['bptt'] / ms['floor']:.2f}")
        if "torch" in ms:
            line += f"; torch autograd {ms['torch']:.2f} ms, ratio bptt/torch {ms['bptt'] / ms['torch']:.2f}"
        else:
            line += "; torch not installed (no ratio to PyTorch)"
        print(line)


if __name__ == "__main__":
    main()
