"""The mutation test of the practice checker (issue 13): every classic mistake is named.

Each exercise of ``bptt.practice`` is written here again, from scratch, the way a student
would write it: loops over the sequences of the batch and over time, one vector at a time,
in the book's notation (h[t] is h_t with h[0] = h_0, x_t is X[t-1]). A keyword ``bug`` makes
the student's version contain exactly one classic mistake of the checker's catalogue. Nothing
here imports or copies the catalogue's own variants: only the mistake names are shared.

For every (exercise, mistake) the checker must fail the attempt and name that mistake; the
correct student versions must pass; zeros of the right shapes and the library's answer to a
different problem must not pass. Independently of the checker, every student version is first
held to the library (the correct ones equal it, every buggy one differs from it).
"""
import numpy as np
import pytest

import bptt

ELMAN_KEYS = ("W_hx", "W_hh", "b_h", "W_qh", "b_q")
GATES = ("i", "f", "o", "c")


def softmax(o):
    e = np.exp(o - o.max())
    return e / e.sum()


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ---------------------------------------------------------------------------------------------
# 1. ordered derivatives: ∂⁺E/∂z_i = ∂E/∂z_i + Σ_{j>i} ∂⁺E/∂z_j ∂z_j/∂z_i


def ordered_student(A, e, bug=None):
    N = len(e)
    if bug == "transposed_A":
        return ordered_transposed(A, e)
    grad = np.zeros(N)
    order = range(N) if bug == "forward_order" else range(N - 1, -1, -1)
    for i in order:
        total = 0.0 if bug == "missing_direct_term" and i < N - 1 else e[i]
        for j in range(i + 1, N):
            later = e[j] if bug == "direct_partial_only" else grad[j]
            total += later * A[j, i]
        grad[i] = total
    return grad


def ordered_transposed(A, e):
    """The student reads A[i, j] as ∂z_j/∂z_i: z_j then reads z_i when A[i, j] != 0, so
    (for a lower-triangular A) the 'later' variables of z_i are z_1 .. z_{i-1}, and the
    sweep runs from z_1 up: grad[i] = e[i] + Σ_{j<i} grad[j] A[i, j]."""
    N = len(e)
    grad = np.zeros(N)
    for i in range(N):
        grad[i] = e[i] + sum(grad[j] * A[i, j] for j in range(i))
    return grad


# ---------------------------------------------------------------------------------------------
# 2. Elman BPTT, one sequence at a time


def elman_student(params, X, Y, h0=None, bug=None):
    """(loss, grads, h_T) by BPTT, summed over the batch and time (per-sequence loops)."""
    W_hx, W_hh, b_h, W_qh, b_q = (params[k] for k in ELMAN_KEYS)
    T, B, _ = X.shape
    n = W_hh.shape[0]
    loss = 0.0
    g = {k: np.zeros_like(params[k], dtype=float) for k in ELMAN_KEYS}
    h_last = np.zeros((B, n))
    for b in range(B):
        h = [np.zeros(n) if h0 is None else np.array(h0[b], dtype=float)]
        z = [None]
        for t in range(1, T + 1):
            z.append(W_hx @ X[t - 1, b] + W_hh @ h[t - 1] + b_h)
            h.append(np.tanh(z[t]))
        h_last[b] = h[T]
        delta_next = np.zeros(n)                      # δ_{t+1}, zero after the last step
        for t in range(T, 0, -1):
            y_hat = softmax(W_qh @ h[t] + b_q)
            loss -= np.log(y_hat[Y[t - 1, b]])
            e_y = np.eye(len(b_q))[Y[t - 1, b]]
            dL_do = e_y - y_hat if bug == "sign_flipped" else y_hat - e_y
            if bug == "elementwise_recurrence":
                back = np.diag(W_hh) * delta_next
            elif bug == "one_path":
                back = np.zeros(n)
            else:
                back = W_hh.T @ delta_next
            dL_dh = W_qh.T @ dL_do + back               # ∂⁺L/∂h_t
            f_prime = 1 - z[t] ** 2 if bug == "derivative_from_z" else 1 - h[t] ** 2
            delta = f_prime * dL_dh                     # δ_t
            h_before = h[t] if bug == "h_index_off_by_one" else h[t - 1]
            if bug == "h0_dropped" and t == 1:
                h_before = np.zeros(n)
            if not (bug == "first_step_dropped" and t == 1):
                g["W_hx"] += np.outer(delta, X[t - 1, b])
                g["W_hh"] += np.outer(delta, h_before)
                g["b_h"] += delta
                g["W_qh"] += np.outer(dL_do, h[t])
                g["b_q"] += dL_do
            delta_next = delta
    if bug == "transposed_gradient":
        g["W_hh"] = g["W_hh"].T
    if bug in ("batch_mean", "time_mean"):
        k = B if bug == "batch_mean" else T
        loss /= k
        g = {key: v / k for key, v in g.items()}
    return float(loss), g, h_last


def elman_bptt_student(params, X, Y, h0=None, bug=None):
    loss, grads, _ = elman_student(params, X, Y, h0, bug)
    return loss, grads


# ---------------------------------------------------------------------------------------------
# 3. one step of RTRL: P_t = D_t (W_hh P_{t-1} + ∂z_t/∂θ), ∂L_t/∂θ = (∂L_t/∂h_t)ᵀ P_t


def rtrl_student(params, h_prev, P_prev, x, y, bug=None):
    W_hx, W_hh, b_h, W_qh, b_q = (params[k] for k in ELMAN_KEYS)
    B, n = h_prev.shape
    m = x.shape[1]
    h = np.zeros((B, n))
    P = {k: np.zeros(np.shape(v)) for k, v in P_prev.items()}
    loss = 0.0
    grads = {k: np.zeros_like(params[k], dtype=float) for k in ELMAN_KEYS}
    for b in range(B):
        z = W_hx @ x[b] + W_hh @ h_prev[b] + b_h
        h[b] = np.tanh(z)
        d = 1 - z ** 2 if bug == "derivative_from_z" else 1 - h[b] ** 2
        # the immediate terms ∂z_{t,a}/∂θ: row a of W_hh reads h_{t-1}, of W_hx reads x_t
        immediate = {"W_hx": np.zeros((n, n, m)), "W_hh": np.zeros((n, n, n)), "b_h": np.eye(n)}
        for a in range(n):
            immediate["W_hx"][a, a] = x[b]
            immediate["W_hh"][a, a] = h[b] if bug == "immediate_uses_h_t" else h_prev[b]
        for k in ("W_hx", "W_hh", "b_h"):
            carried = np.tensordot(W_hh, P_prev[k][b], axes=1)   # W_hh P_{t-1}
            if bug == "sensitivity_not_carried":
                carried = 0 * carried
            new = carried if bug == "no_immediate_term" else carried + immediate[k]
            P[k][b] = d.reshape((n,) + (1,) * (new.ndim - 1)) * new
        y_hat = softmax(W_qh @ h[b] + b_q)
        loss -= np.log(y_hat[y[b]])
        dL_do = y_hat - np.eye(len(b_q))[y[b]]
        dL_dh = W_qh.T @ dL_do
        for k in ("W_hx", "W_hh", "b_h"):
            grads[k] += np.tensordot(dL_dh, P[k][b], axes=1)
        grads["W_qh"] += np.outer(dL_do, h[b])
        grads["b_q"] += dL_do
    return h, P, float(loss), grads


# ---------------------------------------------------------------------------------------------
# 4. chunked truncated BPTT: BPTT inside each piece of tau steps, the state carried (detached)


def truncated_student(params, X, Y, tau, h0=None, bug=None):
    T, B, _ = X.shape
    if bug == "not_detached":
        tau = T
    if bug == "window_off_by_one":
        tau = tau + 1
    loss, grads = 0.0, {k: np.zeros_like(params[k], dtype=float) for k in ELMAN_KEYS}
    h = h0
    for start in range(0, T, tau):
        if bug == "state_reset":
            h = h0
        piece = slice(start, min(start + tau, T))
        loss_p, grads_p, h = elman_student(params, X[piece], Y[piece], h)
        loss += loss_p
        for k in grads:
            grads[k] += grads_p[k]
    return loss, grads


# ---------------------------------------------------------------------------------------------
# 5. clipping by the global norm


def clip_student(grads, max_norm, bug=None):
    squares = 0.0
    for g in grads.values():
        for v in np.ravel(g):
            squares += v * v
    norm = squares if bug == "squared_norm" else np.sqrt(squares)
    clipped = {}
    for k, g in grads.items():
        g = np.asarray(g, dtype=float)
        if bug == "elementwise":
            clipped[k] = np.clip(g, -max_norm, max_norm)
        elif bug == "per_tensor":
            own = np.sqrt(np.sum(g * g))
            clipped[k] = g * (max_norm / own) if own > max_norm else g.copy()
        elif bug == "scales_up":
            clipped[k] = g * (max_norm / norm)
        else:
            clipped[k] = g * (max_norm / norm) if norm > max_norm else g.copy()
    return clipped, float(norm)


# ---------------------------------------------------------------------------------------------
# 6. LSTM BPTT, one sequence at a time, gate by gate


def lstm_student(params, X, Y, h0=None, c0=None, bug=None):
    p = params
    T, B, _ = X.shape
    n = p["W_hi"].shape[0]
    loss = 0.0
    g = {k: np.zeros_like(v, dtype=float) for k, v in p.items()}
    for b in range(B):
        h = [np.zeros(n) if h0 is None else np.array(h0[b], dtype=float)]
        c = [np.zeros(n) if c0 is None else np.array(c0[b], dtype=float)]
        pre, gate = [None], [None]                    # z^g_t and the gate values, per step
        for t in range(1, T + 1):
            x = X[t - 1, b]
            a = {k: p[f"W_x{k}"] @ x + p[f"W_h{k}"] @ h[t - 1] + p[f"b_{k}"] for k in GATES}
            v = {k: sigmoid(a[k]) for k in "ifo"}
            v["c"] = np.tanh(a["c"])
            pre.append(a)
            gate.append(v)
            c.append(v["f"] * c[t - 1] + v["i"] * v["c"])
            h.append(v["o"] * np.tanh(c[t]))
        dh_next = np.zeros(n)       # Σ_g W_hgᵀ δ^g_{t+1}
        dc_next = np.zeros(n)       # f_{t+1} ⊙ ∂⁺L/∂c_{t+1}
        for t in range(T, 0, -1):
            y_hat = softmax(p["W_qh"] @ h[t] + p["b_q"])
            loss -= np.log(y_hat[Y[t - 1, b]])
            dL_do = y_hat - np.eye(len(p["b_q"]))[Y[t - 1, b]]
            g["W_qh"] += np.outer(dL_do, h[t])
            g["b_q"] += dL_do
            dh = p["W_qh"].T @ dL_do + dh_next           # ∂⁺L/∂h_t
            v, a = gate[t], pre[t]
            if bug == "tanh_c_derivative_from_c":
                tanh_prime = 1 - c[t] ** 2
            else:
                tanh_prime = 1 - np.tanh(c[t]) ** 2
            dc = dc_next + dh * v["o"] * tanh_prime      # ∂⁺L/∂c_t
            d_value = {"i": dc * v["c"], "f": dc * c[t - 1], "o": dh * np.tanh(c[t]),
                       "c": dc * v["i"]}
            delta = {}
            for k in "ifo":
                s = a[k] if bug == "gate_derivative_from_preactivation" else v[k]
                delta[k] = d_value[k] * s * (1 - s)
            delta["c"] = d_value["c"] * (1 - v["c"] ** 2)
            for k in GATES:
                g[f"W_x{k}"] += np.outer(delta[k], X[t - 1, b])
                g[f"W_h{k}"] += np.outer(delta[k], h[t - 1])
                g[f"b_{k}"] += delta[k]
            dh_next = sum(p[f"W_h{k}"].T @ delta[k] for k in GATES)
            if bug == "one_path":
                dh_next = np.zeros(n)
            dc_next = np.zeros(n) if bug == "no_forget_path" else v["f"] * dc
    return float(loss), g


# ---------------------------------------------------------------------------------------------
# the mistakes, and the student function that makes each


MUTATIONS = {
    "ordered_backward": ["direct_partial_only", "missing_direct_term", "transposed_A",
                         "forward_order"],
    "elman_bptt": ["one_path", "derivative_from_z", "h_index_off_by_one", "transposed_gradient",
                   "batch_mean", "time_mean", "first_step_dropped", "h0_dropped",
                   "elementwise_recurrence", "sign_flipped"],
    "rtrl_step": ["no_immediate_term", "sensitivity_not_carried", "derivative_from_z",
                  "immediate_uses_h_t"],
    "truncated_bptt": ["not_detached", "window_off_by_one", "state_reset"],
    "clip_global_norm": ["per_tensor", "elementwise", "squared_norm", "scales_up"],
    "lstm_bptt": ["no_forget_path", "gate_derivative_from_preactivation",
                  "tanh_c_derivative_from_c", "one_path"],
}


def student(name, bug=None):
    """The student's function for exercise ``name``, with the contract of the exercise."""
    if name == "ordered_backward":
        return lambda A, e: ordered_student(A, e, bug)
    if name == "elman_bptt":
        return lambda params, X, Y, h0=None: elman_bptt_student(params, X, Y, h0, bug)
    if name == "rtrl_step":
        return lambda params, h_prev, P_prev, x, y: rtrl_student(params, h_prev, P_prev, x, y, bug)
    if name == "truncated_bptt":
        return lambda params, X, Y, tau, h0=None: truncated_student(params, X, Y, tau, h0, bug)
    if name == "clip_global_norm":
        return lambda grads, max_norm: clip_student(grads, max_norm, bug)
    if name == "lstm_bptt":
        return lambda params, X, Y, h0=None, c0=None: lstm_student(params, X, Y, h0, c0, bug)
    raise KeyError(name)


CASES = [(name, bug) for name, bugs in MUTATIONS.items() for bug in bugs]


# ---------------------------------------------------------------------------------------------
# the students held to the library first (independent of the checker)


def library_problem(name, seed):
    """(args, library answer) for one random problem of exercise ``name``: m, n, q all differ."""
    rng = np.random.default_rng(seed)
    T, B, m, n, q = 5, 3, 4, 3, 2
    X = rng.normal(size=(T, B, m))
    Y = rng.integers(0, q, size=(T, B))
    h0 = rng.normal(scale=0.5, size=(B, n))
    if name == "ordered_backward":
        A = np.tril(rng.normal(size=(6, 6)), -1)
        e = rng.normal(size=6)
        return (A, e), bptt.backward_sweep(A, e).grad
    if name == "lstm_bptt":
        p = bptt.lstm_init_params(m, n, q, seed=seed)
        p = {k: v + rng.normal(scale=0.1, size=v.shape) for k, v in p.items()}
        c0 = rng.normal(scale=0.5, size=(B, n))
        return (p, X, Y, h0, c0), bptt.lstm_grads(p, X, Y, h0, c0)
    p = bptt.init_params(m, n, q, seed=seed)
    p = {k: v + rng.normal(scale=0.1, size=v.shape) for k, v in p.items()}
    if name == "elman_bptt":
        return (p, X, Y, h0), bptt.bptt_grads(p, X, Y, h0)
    if name == "truncated_bptt":
        return (p, X, Y, 2, h0), bptt.truncated_grads(p, X, Y, 2, mode="chunked", h0=h0)
    if name == "clip_global_norm":
        _, grads = bptt.bptt_grads(p, X, Y, h0)
        # seed 1: the norm is above max_norm; seed 2: below it
        max_norm = (0.5 if seed == 1 else 2.0) * bptt.global_norm(grads)
        return (grads, max_norm), bptt.clip_global_norm(grads, max_norm)
    if name == "rtrl_step":
        P = {"W_hx": rng.normal(size=(B, n, n, m)), "W_hh": rng.normal(size=(B, n, n, n)),
             "b_h": rng.normal(size=(B, n, n))}
        state, loss, grads = bptt.rtrl_step(p, bptt.rtrl.RTRLState(h0, P), X[0], Y[0])
        return (p, h0, P, X[0], Y[0]), (state.h, state.P, loss, grads)
    raise KeyError(name)


def flatten(result):
    """Every number of a result (arrays, dicts of arrays, tuples, floats) as one vector."""
    if isinstance(result, dict):
        return np.concatenate([flatten(result[k]) for k in sorted(result)])
    if isinstance(result, (tuple, list)):
        return np.concatenate([flatten(r) for r in result])
    return np.ravel(np.asarray(result, dtype=float))


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_correct_student_equals_the_library(name):
    for seed in (1, 2):
        args, expected = library_problem(name, seed)
        got, want = flatten(student(name)(*args)), flatten(expected)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_the_ordered_student_gives_the_chapters_numbers():
    # z2 = 2 z1, z3 = 3 z2 + z1, z4 = 4 z3 + 2 z2 + z1, E = 4 z4 + 2 z2, by hand:
    # ∂⁺E/∂z4 = 4, ∂⁺E/∂z3 = 4·4 = 16, ∂⁺E/∂z2 = 2 + 16·3 + 4·2 = 58,
    # ∂⁺E/∂z1 = 58·2 + 16·1 + 4·1 = 136
    A = np.array([[0, 0, 0, 0], [2, 0, 0, 0], [1, 3, 0, 0], [1, 2, 4, 0]], dtype=float)
    e = np.array([0, 2, 0, 4], dtype=float)
    assert ordered_student(A, e).tolist() == [136.0, 58.0, 16.0, 4.0]


@pytest.mark.parametrize("name, bug", CASES, ids=[f"{n}-{b}" for n, b in CASES])
def test_every_mutation_differs_from_the_library(name, bug):
    """A mutation that equals the correct answer could never be named: each must change it."""
    worst = 0.0
    for seed in (1, 2):
        args, expected = library_problem(name, seed)
        got, want = flatten(student(name, bug)(*args)), flatten(expected)
        if got.shape != want.shape:
            return
        worst = max(worst, float(np.max(np.abs(got - want))))
    assert worst > 1e-6, f"{name} with {bug} gives the library's answer"


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_no_two_mutations_give_the_same_answer(name):
    """Two mistakes with one answer could not both be named by matching answers."""
    answers = {}
    for bug in MUTATIONS[name]:
        answers[bug] = [flatten(student(name, bug)(*library_problem(name, seed)[0]))
                        for seed in (1, 2)]
    for a in answers:
        for b in answers:
            if a < b and all(x.shape == y.shape and np.allclose(x, y, rtol=1e-8, atol=1e-10)
                             for x, y in zip(answers[a], answers[b])):
                pytest.fail(f"{name}: {a} and {b} give the same answer")


# ---------------------------------------------------------------------------------------------
# the checker: names every mutation, passes the correct students, fails zeros and wrong problems


@pytest.mark.parametrize("name, bug", CASES, ids=[f"{n}-{b}" for n, b in CASES])
def test_the_checker_names_the_mistake(name, bug):
    result = bptt.practice.check(name, student(name, bug))
    assert not result.passed, f"{bug} passed the {name} check"
    assert result.mistake == bug, f"{name} with {bug} was diagnosed as {result.mistake!r}:\n{result}"
    assert bug in bptt.practice.MISTAKES[name]


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_checker_passes_a_correct_student(name):
    result = bptt.practice.check(name, student(name))
    assert result.passed, f"the correct {name} failed:\n{result}"
    assert result.mistake is None


def test_the_catalogue_is_the_one_this_test_knows():
    assert list(bptt.practice.EXERCISES) == list(MUTATIONS)
    for name, bugs in MUTATIONS.items():
        assert set(bugs) <= set(bptt.practice.MISTAKES[name]), name


def zeros_like_answer(name):
    """A function that returns zeros with the right shapes (and a zero loss or norm)."""
    def zeros(*args):
        if name == "ordered_backward":
            return np.zeros(len(args[1]))
        if name == "clip_global_norm":
            return {k: np.zeros(np.shape(v)) for k, v in args[0].items()}, 0.0
        params = args[0]
        grads = {k: np.zeros(np.shape(v)) for k, v in params.items()}
        if name == "rtrl_step":
            h_prev, P_prev = args[1], args[2]
            return (np.zeros(np.shape(h_prev)), {k: np.zeros(np.shape(v)) for k, v in P_prev.items()},
                    0.0, grads)
        return 0.0, grads
    return zeros


def other_problem(name):
    """The library's answer for a different problem of the same sizes (the inputs' values ignored)."""
    rng = np.random.default_rng(99)

    def like(a):
        return rng.normal(size=np.shape(a))

    def answer(*args):
        if name == "ordered_backward":
            A = np.tril(like(args[0]), -1)
            return bptt.backward_sweep(A, like(args[1])).grad
        if name == "clip_global_norm":
            return bptt.clip_global_norm({k: like(v) for k, v in args[0].items()}, args[1])
        params = {k: like(v) for k, v in args[0].items()}
        if name == "rtrl_step":
            h_prev, P_prev, x, y = args[1:]
            P = {k: like(v) for k, v in P_prev.items()}
            state, loss, grads = bptt.rtrl_step(params, bptt.rtrl.RTRLState(like(h_prev), P), like(x), y)
            return state.h, state.P, loss, grads
        X, Y = like(args[1]), args[2]
        if name == "elman_bptt":
            return bptt.bptt_grads(params, X, Y, args[3] if len(args) > 3 else None)
        if name == "truncated_bptt":
            h0 = args[4] if len(args) > 4 else None
            return bptt.truncated_grads(params, X, Y, args[3], mode="chunked", h0=h0)
        h0 = args[3] if len(args) > 3 else None
        c0 = args[4] if len(args) > 4 else None
        return bptt.lstm_grads(params, X, Y, h0, c0)
    return answer


def frozen_first_answer(name):
    """A function that answers every call with the correct answer to the first problem it saw."""
    first = []

    def answer(*args, **kwargs):
        if not first:
            first.append(student(name)(*args, **kwargs))
        return first[0]
    return answer


@pytest.mark.parametrize("name", list(MUTATIONS))
@pytest.mark.parametrize("cheat", [zeros_like_answer, other_problem, frozen_first_answer])
def test_the_checker_fails_answers_to_another_problem(name, cheat):
    result = bptt.practice.check(name, cheat(name))
    assert not result.passed, f"{cheat.__name__} passed the {name} check:\n{result}"
