"""The introduction and the notation page, held to the code.

Each test computes its expectation independently of the routine it checks: a loop written here from
the column-vector formulas, finite differences, SymPy, or a brute-force count.
"""
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

import bptt
from bptt.viz import explorable, nonfinite_count
from bptt.viz.intro import (
    PULSE_CONTROLS,
    PULSE_DEFAULT,
    draw_elman_jordan,
    draw_param_counts,
    draw_pulse_memory,
    draw_unrolled,
    elman_param_count,
    markov_param_count,
    pulse_response,
)

ROOT = Path(__file__).resolve().parents[1]

# Numbers in the chapter's prose (tests/test_prose_numbers.py). "given": values the text sets (slider
# settings, source 003's loss weights, the exercise's 1 % threshold, an illustrative 0.95 versus 0.90);
# "held": results of exercise 1.3's arithmetic, recomputed here from the library's bound γ.
_GAMMA_SIGMOID = bptt.DERIVATIVE_BOUND["sigmoid"]
PROSE_NUMBERS = {
    "given": {"0.1", "0.8", "0.5", "1.0", "0.9", "1.5", "1.1", "1%", "0.01", "0.95", "0.90"},
    "held": {
        "43.7": lambda: f"{math.log(0.01) / math.log(0.9):.1f}",
        "0.0108": lambda: f"{0.9 ** 43:.4f}",
        "0.0097": lambda: f"{0.9 ** 44:.4f}",
        "0.225": lambda: f"{_GAMMA_SIGMOID * 0.9:.3f}",
        "0.0114": lambda: f"{(_GAMMA_SIGMOID * 0.9) ** 3:.4f}",
        "0.0026": lambda: f"{(_GAMMA_SIGMOID * 0.9) ** 4:.4f}",
    },
}


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))          # the logistic function, written without exp overflow


F = {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z}
DF = {"tanh": lambda z: 1.0 - np.tanh(z) ** 2, "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
      "relu": lambda z: (z > 0).astype(float), "identity": np.ones_like}


def random_problem(rng, T=5, B=3, m=2, n=4, q=3):
    params = bptt.init_params(m, n, q, seed=int(rng.integers(1 << 30)))
    params["b_h"] = rng.normal(scale=0.3, size=n)
    params["b_q"] = rng.normal(scale=0.3, size=q)
    return params, rng.normal(size=(T, B, m)), rng.integers(0, q, size=(T, B))


def step(params, h, x, activation, W_hh=None):
    """One step F(h, x) = f(W_hx x + W_hh h + b_h), column vectors."""
    W_hh = params["W_hh"] if W_hh is None else W_hh
    return F[activation](params["W_hx"] @ x + W_hh @ h + params["b_h"])


def cross_entropy_loss(params, X, Y, activation="tanh", weights=None, W_copies=None, dz=None):
    """L = Σ_t w_t Σ_b −log ŷ_{t,y_t}, by a plain loop; optionally one recurrent matrix per step (untied
    copies) and an additive perturbation dz = (t, b, vector) of one pre-activation z_t."""
    T, B, _ = X.shape
    w = np.ones(T) if weights is None else weights
    L = 0.0
    for b in range(B):
        h = np.zeros(params["W_hh"].shape[0])
        for t in range(T):
            W_hh = params["W_hh"] if W_copies is None else W_copies[t]
            z = params["W_hx"] @ X[t, b] + W_hh @ h + params["b_h"]
            if dz is not None and dz[0] == t and dz[1] == b:
                z = z + dz[2]
            h = F[activation](z)
            o = params["W_qh"] @ h + params["b_q"]
            log_p = o - o.max() - np.log(np.sum(np.exp(o - o.max())))
            L += w[t] * -log_p[Y[t, b]]
    return L


# -- the model --------------------------------------------------------------------------------------

@pytest.mark.formula("eq-intro-elman", "eq-notation-model")
@pytest.mark.parametrize("activation", list(F))
def test_elman_equations_are_what_forward_computes(rng, activation):
    params, X, _ = random_problem(rng, T=6, B=2, m=3, n=4, q=5)
    h0 = rng.normal(size=(2, 4))
    H, O = bptt.forward(params, X, h0=h0, activation=activation)
    Y_hat = bptt.softmax(O)
    for b in range(2):
        h = h0[b]
        for t in range(1, 7):
            z = params["W_hx"] @ X[t - 1, b] + params["W_hh"] @ h + params["b_h"]
            h = F[activation](z)
            o = params["W_qh"] @ h + params["b_q"]
            np.testing.assert_allclose(H[t, b], h, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(O[t - 1, b], o, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(Y_hat[t - 1, b], np.exp(o) / np.sum(np.exp(o)), rtol=1e-12)
            assert Y_hat[t - 1, b].sum() == pytest.approx(1.0, abs=1e-14)


@pytest.mark.formula("eq-intro-params")
def test_parameter_count_formula_holds_and_does_not_depend_on_T():
    m, n, q = sp.symbols("m n q", positive=True, integer=True)
    assert sp.expand(n * m + n**2 + n + q * n + q - (n * (m + n + 1) + q * (n + 1))) == 0
    for mm, nn, qq in [(1, 1, 1), (3, 5, 2), (27, 128, 27), (7, 2, 11)]:
        params = bptt.init_params(mm, nn, qq)
        counted = sum(v.size for v in params.values())
        assert counted == nn * mm + nn**2 + nn + qq * nn + qq == elman_param_count(mm, nn, qq)
    params = bptt.init_params(2, 3, 4)
    for T in (1, 9, 400):                          # one parameter set runs every length
        H, O = bptt.forward(params, np.ones((T, 1, 2)))
        assert H.shape == (T + 1, 1, 3) and O.shape == (T, 1, 4)


@pytest.mark.formula("eq-intro-unroll")
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_unrolled_composition_of_one_step_function_is_the_forward_pass(rng, activation):
    params, X, _ = random_problem(rng, T=7, B=1, m=2, n=3, q=2)
    H, _ = bptt.forward(params, X, activation=activation)
    for t in range(1, 8):                          # h_t = F(F(...F(h_0, x_1)...), x_t), built afresh for each t
        h = np.zeros(3)
        for x in X[:t, 0]:
            h = step(params, h, x, activation)
        np.testing.assert_allclose(H[t, 0], h, rtol=1e-12, atol=1e-14)
    # a feed-forward net with one recurrent matrix per layer equals the RNN when all copies are equal ...
    copies = [params["W_hh"].copy() for _ in range(7)]
    Y = rng.integers(0, 2, size=(7, 1))
    assert cross_entropy_loss(params, X, Y, activation, W_copies=copies) == pytest.approx(
        bptt.bptt_grads(params, X, Y, activation=activation)[0], rel=1e-12)
    # ... and differs as soon as one copy differs (the test can fail)
    copies[3] = copies[3] + 0.1
    assert cross_entropy_loss(params, X, Y, activation, W_copies=copies) != pytest.approx(
        bptt.bptt_grads(params, X, Y, activation=activation)[0], rel=1e-6)


@pytest.mark.formula("eq-intro-tied")
def test_gradient_of_a_tied_matrix_is_the_sum_over_its_copies(rng):
    params, X, Y = random_problem(rng, T=5, B=2, m=2, n=3, q=3)
    T, eps = 5, 1e-6
    E = rng.normal(size=params["W_hh"].shape)      # a random direction
    per_copy = []
    for t in range(T):                             # directional derivative through copy t alone
        plus = [params["W_hh"] + (eps * E if s == t else 0) for s in range(T)]
        minus = [params["W_hh"] - (eps * E if s == t else 0) for s in range(T)]
        per_copy.append((cross_entropy_loss(params, X, Y, W_copies=plus)
                         - cross_entropy_loss(params, X, Y, W_copies=minus)) / (2 * eps))
    all_copies = (cross_entropy_loss(params, X, Y, W_copies=[params["W_hh"] + eps * E] * T)
                  - cross_entropy_loss(params, X, Y, W_copies=[params["W_hh"] - eps * E] * T)) / (2 * eps)
    _, grads = bptt.bptt_grads(params, X, Y)
    assert sum(per_copy) == pytest.approx(all_copies, rel=1e-6)
    assert sum(per_copy) == pytest.approx(float(np.sum(grads["W_hh"] * E)), rel=1e-6)
    assert len({round(d, 6) for d in per_copy}) == T, "the copies receive different gradients"


# -- Markov chains --------------------------------------------------------------------------------

@pytest.mark.formula("eq-intro-markov-count")
@pytest.mark.parametrize("k,order", [(2, 0), (2, 1), (3, 1), (3, 2), (2, 3), (4, 1)])
def test_markov_count_is_the_dimension_of_the_family_of_chains(k, order):
    """Sample many valid order-N transition tables and measure the dimension of the set they span."""
    rng = np.random.default_rng(k * 10 + order)
    contexts = list(itertools.product(range(k), repeat=order))
    tables = np.array([rng.dirichlet(np.ones(k), size=len(contexts)).ravel() for _ in range(3 * k**order * k + 5)])
    dim = np.linalg.matrix_rank(tables[1:] - tables[0], tol=1e-9)
    assert dim == len(contexts) * (k - 1) == markov_param_count(k, order)


def test_param_count_figure_plots_the_counts():
    fig = Figure()
    draw_param_counts(fig, k=5, hidden=(3, 8), orders=range(1, 5))
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), [5**N * 4 for N in range(1, 5)])
    assert [line.get_ydata()[0] for line in lines[1:]] == [3 * (5 + 3 + 1) + 5 * 4, 8 * (5 + 8 + 1) + 5 * 9]


# -- the loss -----------------------------------------------------------------------------------------

@pytest.mark.formula("eq-intro-loss", "eq-notation-loss")
def test_loss_is_the_weighted_sum_of_per_step_cross_entropies(rng):
    params, X, Y = random_problem(rng, T=5, B=3)
    T = 5
    w = rng.uniform(0.1, 2.0, size=T)
    _, O = bptt.forward(params, X)
    Y_hat = np.exp(O) / np.exp(O).sum(axis=-1, keepdims=True)
    one_hot = np.eye(3)[Y]
    ell = -np.sum(one_hot * np.log(Y_hat), axis=-1)            # −y_tᵀ log ŷ_t, source 001's form
    np.testing.assert_allclose(ell, -np.log(np.take_along_axis(Y_hat, Y[..., None], -1)[..., 0]), rtol=1e-12)
    assert bptt.bptt_grads(params, X, Y, weights=w)[0] == pytest.approx(float(np.sum(w[:, None] * ell)), rel=1e-12)
    assert bptt.bptt_grads(params, X, Y)[0] == pytest.approx(float(ell.sum()), rel=1e-12)   # w_t = 1: L = Σ_t L_t
    assert bptt.bptt_grads(params, X, Y)[0] == pytest.approx(cross_entropy_loss(params, X, Y), rel=1e-12)
    # source 002's average (1/T) Σ_t ℓ_t is the weighted loss with w_t = 1/T; sequence-to-one is w = e_T
    assert bptt.bptt_grads(params, X, Y, weights=np.full(T, 1 / T))[0] == pytest.approx(ell.sum() / T, rel=1e-12)
    assert bptt.bptt_grads(params, X, Y, weights=np.eye(T)[-1])[0] == pytest.approx(ell[-1].sum(), rel=1e-12)


# -- derivatives on the notation page -------------------------------------------------------------

@pytest.mark.formula("eq-notation-jacobian")
@pytest.mark.parametrize("activation", list(F))
def test_step_jacobian_is_D_t_W_hh(rng, activation):
    params, X, _ = random_problem(rng, n=4)
    h_prev, x, eps = rng.normal(size=4), X[0, 0], 1e-6
    z = params["W_hx"] @ x + params["W_hh"] @ h_prev + params["b_h"]
    J = np.diag(DF[activation](z)) @ params["W_hh"]
    J_fd = np.column_stack([(step(params, h_prev + eps * e, x, activation) - step(params, h_prev - eps * e, x, activation))
                            / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(J, J_fd, rtol=1e-6, atol=1e-9)
    assert J.shape == (4, 4)                       # row i: unit i of h_t; column j: unit j of h_{t-1}


@pytest.mark.formula("eq-notation-delta")
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_total_error_is_the_sum_of_per_loss_errors(rng, activation):
    params, X, Y = random_problem(rng, T=5, B=2, n=3)
    T, eps = 5, 1e-6
    delta = bptt.backward(params, X, Y, activation=activation)["delta"]          # δ_t, (T, B, n)
    # δ_t = ∂⁺L/∂z_t: nudge z_t itself and rerun everything after it (finite differences, the test's own loop)
    for t in range(T):
        for i in range(3):
            e = eps * np.eye(3)[i]
            fd = (cross_entropy_loss(params, X, Y, activation, dz=(t, 1, e))
                  - cross_entropy_loss(params, X, Y, activation, dz=(t, 1, -e))) / (2 * eps)
            assert delta[t, 1, i] == pytest.approx(fd, rel=1e-6, abs=1e-9)
    # δ_{t,k} = ∂⁺L_t/∂z_k: the error of the loss of step t alone (weights e_t); zero for k > t
    per_loss = np.array([bptt.backward(params, X, Y, activation=activation, weights=np.eye(T)[t])["delta"]
                         for t in range(T)])                                     # (t, k, B, n)
    for t in range(T):
        assert np.all(per_loss[t, t + 1:] == 0)
        assert np.any(per_loss[t, : t + 1] != 0)
    np.testing.assert_allclose(per_loss.sum(axis=0), delta, rtol=1e-12, atol=1e-15)


# -- the pulse explorable and its bound -----------------------------------------------------------------

def _grid():
    names = list(PULSE_CONTROLS)
    return [dict(zip(names, combo)) for combo in itertools.product(*(c.values for c in PULSE_CONTROLS.values()))]


@pytest.mark.formula("eq-intro-contraction")
def test_pulse_trace_obeys_the_contraction_bound_at_every_slider_setting():
    for v in _grid():
        H, H_bar = pulse_response(v["rho"], v["activation"], v["scale"])
        trace = np.linalg.norm(H[1:] - H_bar[1:], axis=1)
        gamma = {"tanh": 1.0, "relu": 1.0, "identity": 1.0, "sigmoid": 0.25}[v["activation"]]
        bound = trace[0] * (gamma * v["rho"]) ** np.arange(len(trace))
        slack = 1e-14                            # rounding: |h| <= 1 for tanh and sigmoid, so h - h̄ is exact to ~1e-16
        assert np.all(trace <= bound * (1 + 1e-9) + slack), v
        assert np.all(trace[1:] <= gamma * v["rho"] * trace[:-1] * (1 + 1e-9) + slack), v
        if v["activation"] == "identity":       # W_hh = ρQ scales every vector by ρ: equality
            np.testing.assert_allclose(trace, bound, rtol=1e-9)


def test_contraction_needs_the_largest_singular_value_not_the_spectral_radius():
    """For a non-normal W_hh the one-step bound holds with σ_max(W_hh) and fails with ρ(W_hh)."""
    W = np.array([[0.5, 3.0], [0.0, 0.5]])          # ρ = 0.5, σ_max ≈ 3.04
    rho, s_max = bptt.spectral_radius(W), np.linalg.norm(W, 2)
    rng = np.random.default_rng(5)
    for activation in ("tanh", "identity"):
        for _ in range(50):
            h, h_bar = rng.normal(size=2), rng.normal(size=2)
            d_next = np.linalg.norm(F[activation](W @ h) - F[activation](W @ h_bar))
            assert d_next <= s_max * np.linalg.norm(h - h_bar) * (1 + 1e-12)
    d = np.array([0.0, 1.0])                        # the identity map sends e_2 to (3, 0.5)
    assert np.linalg.norm(W @ d) > rho * np.linalg.norm(d) * 5


@pytest.mark.formula("eq-intro-linearised")
@pytest.mark.parametrize("activation,rho", [("tanh", 0.9), ("tanh", 1.5), ("sigmoid", 1.5), ("relu", 0.9)])
def test_small_pulse_follows_the_product_of_jacobians(activation, rho):
    n, T, a = 6, 10, 1e-6
    params = bptt.init_params(1, n, 1, seed=3, init="orthogonal", spectral_radius=rho)
    params["b_h"] = np.random.default_rng(4).normal(scale=0.5, size=n)   # a non-trivial run without the pulse
    W_hh, w_x, b = params["W_hh"], params["W_hx"][:, 0], params["b_h"]
    h, h_bar = np.zeros(n), np.zeros(n)
    h, h_bar = F[activation](w_x * a + b), F[activation](b)           # step 1: with and without the pulse
    J = np.eye(n)                                                     # ∂h_t/∂h_1 along the run without the pulse
    d1 = h - h_bar
    for _ in range(2, T + 1):
        z_bar = W_hh @ h_bar + b
        J = np.diag(DF[activation](z_bar)) @ W_hh @ J
        h, h_bar = F[activation](W_hh @ h + b), F[activation](z_bar)
        np.testing.assert_allclose(h - h_bar, J @ d1, rtol=1e-4, atol=1e-4 * np.linalg.norm(J @ d1))
    assert np.linalg.norm(J @ d1) > 0


def test_pulse_explorable_draws_finite_data_at_every_setting():
    fig = Figure(figsize=(8.5, 3.5))
    traces = {}
    for v in _grid():
        draw_pulse_memory(fig, **v)
        assert len(fig.axes) == 3                  # heatmap, trace, colour bar
        assert nonfinite_count(fig) == 0, v
        heatmap = fig.axes[0].get_images()[0].get_array()
        H, H_bar = pulse_response(**v)
        np.testing.assert_array_equal(heatmap, (H - H_bar).T)
        traces[tuple(v.values())] = fig.axes[1].get_lines()[0].get_ydata().copy()
    assert len(traces) <= 120
    assert not np.allclose(traces[(0.5, "tanh", 0.5)], traces[(0.9, "tanh", 0.5)]), "ρ must change the picture"
    ex = explorable(draw_pulse_memory, PULSE_CONTROLS, default=PULSE_DEFAULT, dpi=40)
    assert ex.render()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pulse_response_refuses_bad_arguments():
    with pytest.raises(ValueError, match="rho"):
        pulse_response(-1.0)
    with pytest.raises(ValueError, match="rho"):
        pulse_response(np.nan)
    with pytest.raises(ValueError, match="activation"):
        pulse_response(0.9, activation="softplus")
    with pytest.raises(ValueError, match="scale"):
        pulse_response(0.9, scale=np.inf)
    with pytest.raises(ValueError, match="k"):
        markov_param_count(1, 2)
    with pytest.raises(TypeError, match="order"):
        markov_param_count(3, 1.5)


def test_diagrams_draw():
    for T in (1, 3, 6):
        fig = draw_unrolled(Figure(figsize=(9, 3.4)), T=T)
        assert len(fig.axes) == 2 and nonfinite_count(fig) == 0
        texts = " ".join(t.get_text() for t in fig.axes[1].texts)
        assert f"$x_{T}$" in texts and rf"$\ell_{T}$" in texts and "L_" not in texts   # ℓ_t: per-step loss
    fig = draw_elman_jordan(Figure())
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "$W_{hh}$" in texts and "$W_{hq}$" in texts
    with pytest.raises(ValueError, match="T"):
        draw_unrolled(Figure(), T=0)


# -- numbers quoted in the chapter's text and exercises -----------------------------------------------------

def test_numbers_quoted_in_the_chapter():
    text = (ROOT / "book" / "intro_rnn.md").read_text()
    k, n = 27, 128
    rnn = sum(v.size for v in bptt.init_params(k, n, k).values())
    assert f"{rnn:,}" in text                                          # exercise 1.1
    for order in (1, 2, 3, 5):
        assert f"{(k ** order) * (k - 1):,}" in text                   # exercise 1.2 and the Markov section
    first = next(N for N in itertools.count(1) if k**N * (k - 1) > rnn)
    assert first == 3 and "Order 3:" in text                           # exercise 1.3
    # exercise 3.1: the identity network's trace first falls below 1% after s steps
    H, H_bar = pulse_response(0.9, "identity", 0.5, T=60)
    trace = np.linalg.norm(H[1:] - H_bar[1:], axis=1)
    s = int(np.argmax(trace / trace[0] < 0.01))
    assert s == 44 and f"$s = {s}$ steps" in text
    # exercise 3.2: the sigmoid bound 0.225^s < 0.01
    s_sig = math.ceil(math.log(0.01) / math.log(0.25 * 0.9))
    assert s_sig == 4 and f"$s = {s_sig}$ steps suffice" in text


# -- figures sized for the text column -------------------------------------------------------------

COLUMN_INCHES, MIN_PT = 7.1, 7.0            # 688 CSS px at dpi 96; 7 pt = 9.3 px


def figure_calls(text):
    """(draw name, width, height, dpi) of every static figure (show) and explorable in a chapter."""
    calls = [(m[1], float(m[2]), float(m[3]), 96) for m in
             re.finditer(r"show\(\s*(\w+),\s*\(([\d.]+),\s*([\d.]+)\)", text)]
    for m in re.finditer(r"explorable\(\s*(\w+),(.*?)\n\)?```", text, re.S):
        size = re.search(r"figsize=\(([\d.]+),\s*([\d.]+)\)", m[2])
        dpi = re.search(r"dpi=(\d+)", m[2])
        calls.append((m[1], float(size[1]) if size else 7.0, float(size[2]) if size else 3.5,
                      int(dpi[1]) if dpi else 96))
    return calls


def smallest_text_pt(fig):
    """The smallest font size (points) of any visible, non-empty text of a drawn figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    FigureCanvasAgg(fig).draw()
    return min(t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip())


def test_intro_figures_fit_the_column_with_legible_text():
    text = (ROOT / "book" / "intro_rnn.md").read_text()
    calls = figure_calls(text)
    assert {c[0] for c in calls} >= {"draw_unrolled", "draw_elman_jordan", "draw_param_counts",
                                      "draw_pulse_memory", "draw_training_curve"}, calls
    too_wide = [c for c in calls if c[1] > COLUMN_INCHES or c[3] != 96]
    assert not too_wide, f"figures wider than {COLUMN_INCHES} in or not at dpi 96: {too_wide}"
    from bptt.viz import intro as vi
    args = {"draw_unrolled": {"T": 4}, "draw_param_counts": {"k": 27, "hidden": (32, 128, 512), "orders": range(1, 9)},
            "draw_training_curve": {"curve": np.linspace(0.7, 0.1, 50), "chance": math.log(2), "delay": 3},
            "draw_pulse_memory": PULSE_DEFAULT}
    for name, w, h, _ in calls:
        settings = [args.get(name, {})]
        if name == "draw_pulse_memory":
            settings = _grid()[::7]
        for kw in settings:
            fig = Figure(figsize=(w, h), layout="constrained")
            getattr(vi, name)(fig, **kw)
            assert smallest_text_pt(fig) >= MIN_PT, (name, kw)


# -- the learner's path (issue 12): key box first, a case by hand, few mentions of the sources -------------

SOURCE_MENTION = re.compile(r"[Ss]ource 00\d|00\d_[0-9a-f]{16}")


def test_intro_opens_with_prerequisites_and_the_key_box_and_ends_with_outcomes():
    text = (ROOT / "book" / "intro_rnn.md").read_text()
    start = text.index(":class: key-result")
    box = text[start:text.index("````\n", start)]
    assert start < len(text) // 10, "the key-result box belongs at the top of the chapter"
    assert "(eq-intro-elman)" in box and "(eq-intro-unroll)" in box
    assert "**You need:**" in text[:start] and "## You should now be able to" in text
    assert len(SOURCE_MENTION.findall(text)) <= 5, SOURCE_MENTION.findall(text)
    appendix = (ROOT / "book" / "sources_intro_rnn.md").read_text()
    labels = re.findall(r"\{ref\}`(?:[^`<]*<)?(intro-sources-[\w-]+)>?`", text)
    assert len(labels) >= 3, labels
    for label in labels:
        assert f"({label})=" in appendix, label


def test_the_one_unit_case_worked_by_hand():
    """The chapter's forward table: one unit, T = 3, redone with scalars and math only."""
    hand = {"W_hx": np.array([[1.0]]), "W_hh": np.array([[0.5]]), "b_h": np.zeros(1),
            "W_qh": np.array([[1.0], [-1.0]]), "b_q": np.zeros(2)}
    x, y = [1.0, 0.0, -1.0], [0, 0, 1]
    h, total = 0.0, 0.0
    H, O = bptt.forward(hand, np.array(x).reshape(3, 1, 1))
    for t in (1, 2, 3):
        z = 1.0 * x[t - 1] + 0.5 * h
        h = math.tanh(z)
        o = (h, -h)
        p = [math.exp(v) / (math.exp(o[0]) + math.exp(o[1])) for v in o]
        total += -math.log(p[y[t - 1]])
        assert H[t, 0, 0] == pytest.approx(h) and O[t - 1, 0] == pytest.approx(o)
    assert H[1, 0, 0] == pytest.approx(math.tanh(1.0))                          # h_1 = tanh 1
    assert H[2, 0, 0] == pytest.approx(math.tanh(0.5 * math.tanh(1.0)))         # h_2 = tanh(h_1 / 2)
    loss = bptt.bptt_grads(hand, np.array(x).reshape(3, 1, 1), np.array(y).reshape(3, 1))[0]
    assert loss == pytest.approx(total)
