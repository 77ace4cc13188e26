"""Time one update of the vanishing-gradient chapter's main explorable, against the issue's targets.

    OMP_NUM_THREADS=1 python benchmarks/bench_vanishing_explorable.py

At the default slider values (T = 100, n = 32, a batch of 8, tanh) it measures
  compute  bptt.viz.vanishing.gradient_flow_data: parameters, inputs, forward pass, the backward
           sweep of vector-Jacobian products for ‖∂L_T/∂h_k‖ at every k, the singular values of
           J_t at 12 steps (target < 10 ms median);
  update   Explorable.render, exactly what the live widget calls when a slider moves:
           recompute + redraw into the reused figure + PNG encoding (target < 100 ms median).
Both are reported as wall-clock medians (the targets' unit) and as CPU-time medians of this
process, with the load average: on a shared machine the wall clock also counts other people's work.
"""
import os
import time

import numpy as np

from bptt.viz.vanishing import DEFAULT, gradient_flow_data, main_explorable

TARGETS_MS = {"compute": 10.0, "update": 100.0}


def medians_ms(fn, repeats):
    """(wall-clock median, CPU-time median) of ``fn()`` in milliseconds, after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return 1e3 * float(np.median(wall)), 1e3 * float(np.median(cpu))


def main():
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print("defaults: " + ", ".join(f"{k}={v}" for k, v in DEFAULT.items()))
    ex = main_explorable()
    cases = {
        "compute": (lambda: gradient_flow_data(**DEFAULT), 41),
        "update": (lambda: ex.render(), 21),
    }
    for name, (fn, repeats) in cases.items():
        wall, cpu = medians_ms(fn, repeats)
        target = TARGETS_MS[name]
        print(f"{name:8s} wall {wall:6.2f} ms median, target {target:3.0f} ms, ratio {wall / target:.2f}")
        print(f"{'':8s} CPU  {cpu:6.2f} ms median ({repeats} runs), ratio {cpu / target:.2f}")


if __name__ == "__main__":
    main()
