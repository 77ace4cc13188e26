"""Checkpointed BPTT against bptt_grads: time and peak memory, ratios measured in the same run.

    OMP_NUM_THREADS=1 python benchmarks/bench_checkpoint.py

At T = 1000, B = 32, m = n = q = 128 (float64, tanh), for each schedule it prints
  forward/T  the predicted cost: forward steps of the schedule over the T of plain BPTT;
  time       median CPU time over bptt_grads's, both timed in turns (timing.medians_ms);
  memory     tracemalloc's peak over bptt_grads's (each run once, alone, after a warm-up).
The issue's targets: 10 binomial slots, memory ≤ 3 % and time ≤ 2.2×; uniform with a
checkpoint every ⌈√T⌉ steps, time ≤ 1.5×. Ratios, not milliseconds, are what carry over.
"""
import time
import tracemalloc

import numpy as np
from timing import header, medians_ms

import bptt
from bptt import schedule as sched
from bptt.checkpoint import checkpointed_grads, count, schedule

T, B, D = 1000, 32, 128                     # (T, B, m = n = q)
CASES = [                                   # (label, slots, kind, target time, target memory)
    ("binomial, 10 slots", 10, "binomial", 2.2, 0.03),
    ("uniform, k = ⌈√T⌉", None, "uniform", 1.5, None),
    ("binomial, ⌈√T⌉ slots", None, "binomial", None, None),
    ("binomial, 3 slots", 3, "binomial", None, None),
]


def traced_peak(fn):
    """Peak bytes tracemalloc sees while fn runs (fn already warmed up)."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def verdict(value, target, unit):
    if target is None:
        return ""
    shown = f"{100 * target:g} %" if unit == "%" else f"{target:g}×"
    return f" (target ≤ {shown}: {'met' if value <= target else 'NOT met'})"


def main():
    header("bptt.checkpointed_grads against bptt_grads: ratios measured in this run")
    print(f"  T={T} B={B} m=n=q={D}, float64, tanh, spectral radius 0.9")
    rng = np.random.default_rng(0)
    params = bptt.init_params(D, D, D, seed=0, spectral_radius=0.9)
    X = rng.normal(size=(T, B, D))
    Y = rng.integers(0, D, size=(T, B))

    t0 = time.process_time()
    plans = {label: schedule(T, slots, kind) for label, slots, kind, *_ in CASES}
    print(f"  building the {len(CASES)} schedules (cold caches): "
          f"{1e3 * (time.process_time() - t0):.0f} ms CPU; every timed call below regenerates"
          " its actions (included) from the warm cache of best splits")

    fns = {"bptt": lambda: bptt.bptt_grads(params, X, Y)}
    for label, slots, kind, *_ in CASES:
        fns[label] = (lambda s=slots, k=kind: checkpointed_grads(params, X, Y,
                                                                  slots=s, schedule=k))
    loss0, grads0 = fns["bptt"]()
    for label in plans:                     # the same gradient, to rounding
        loss, grads = fns[label]()
        err = max(np.abs(grads[k] - grads0[k]).max() / np.abs(grads0[k]).max()
                  for k in grads0)
        assert abs(loss - loss0) <= 1e-12 * abs(loss0) and err <= 1e-12, (label, err)
    ms = medians_ms(fns, repeats=5)
    peak = {name: traced_peak(fn) for name, fn in fns.items()}
    print(f"  bptt_grads: {ms['bptt']:.0f} ms, peak traced memory "
          f"{peak['bptt'] / 2**20:.1f} MiB, T = {T} states stored")
    for label, _, _, t_time, t_mem in CASES:
        c = count(plans[label])
        rt, rm = ms[label] / ms["bptt"], peak[label] / peak["bptt"]
        print(f"  {label}: {c['peak_slots']} states stored, predicted forward/T "
              f"{c['forward'] / T:.3f}\n    time {rt:.2f}×{verdict(rt, t_time, 'x')}; "
              f"memory {peak[label] / 2**20:.1f} MiB = {100 * rm:.2f} %"
              f"{verdict(rm, t_mem, '%')}")
    print(f"  (a state is {B * D * 8 / 2**10:.0f} KiB; uniform spacing k = "
          f"{sched.uniform_spacing(T)})")


if __name__ == "__main__":
    main()
