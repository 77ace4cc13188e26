"""bptt.practice: the references equal the library and pass finite differences; every catalogued
mistake is named as itself; perturbed, zero, foreign, NaN, in-place, raising and misshapen
answers get the right message; misuse raises; the result prints and renders safely."""
import copy
import re
from pathlib import Path

import numpy as np
import pytest

import bptt
from bptt import practice
from bptt.ordered import evaluate_linear, source_system
from bptt.practice import problems as pp
from bptt.practice import variants, variants_gated
from bptt.practice.compare import agrees, expected, keys_of
from bptt.practice.outputs import flatten
from bptt.rtrl import RTRLState
from conftest import make_problem

BOOK = Path(__file__).resolve().parents[1] / "book"
NAMES = ["ordered_backward", "elman_bptt", "rtrl_step", "truncated_bptt", "clip_global_norm",
         "lstm_bptt"]
# the catalogue's names, as fixed by issue 13 and the practice pages (not read from the code)
CATALOGUE = {
    "ordered_backward": ["direct_partial_only", "missing_direct_term", "transposed_A",
                         "forward_order"],
    "elman_bptt": ["one_path", "derivative_from_z", "h_index_off_by_one",
                   "transposed_gradient", "batch_mean", "time_mean", "first_step_dropped",
                   "h0_dropped", "elementwise_recurrence", "sign_flipped"],
    "rtrl_step": ["no_immediate_term", "sensitivity_not_carried", "derivative_from_z",
                  "immediate_uses_h_t"],
    "truncated_bptt": ["not_detached", "window_off_by_one", "state_reset"],
    "clip_global_norm": ["per_tensor", "elementwise", "squared_norm", "scales_up"],
    "lstm_bptt": ["no_forget_path", "gate_derivative_from_preactivation",
                  "tanh_c_derivative_from_c", "one_path"],
}
SIZES = [(1, 1, 3, 4, 2), (2, 3, 2, 5, 3), (6, 2, 4, 3, 5), (9, 1, 2, 6, 4)]


def assert_same(a, b, tol=1e-10):
    """Two (loss, grads) results agree to float64 accuracy."""
    (la, ga), (lb, gb) = a, b
    assert abs(la - lb) <= tol * max(1.0, abs(lb))
    assert set(ga) == set(gb)
    for k in gb:
        assert ga[k].shape == gb[k].shape, k
        np.testing.assert_allclose(ga[k], gb[k], rtol=tol, atol=tol, err_msg=k)


def lstm_problem(rng, T, B, m, n, q):
    p = bptt.lstm_init_params(m, n, q, seed=int(rng.integers(1 << 31)))
    p = {k: v + rng.normal(0, 0.2, v.shape) for k, v in p.items()}
    return p, rng.normal(size=(T, B, m)), rng.integers(0, q, size=(T, B))


# ---------------------------------------------------------------- the public names

def test_exercise_and_mistake_names_are_the_fixed_ones():
    assert list(practice.EXERCISES) == NAMES
    assert all(isinstance(v, str) and v for v in practice.EXERCISES.values())
    for name in NAMES:
        assert list(practice.MISTAKES[name]) == CATALOGUE[name]
        assert all(isinstance(v, str) and v for v in practice.MISTAKES[name].values())


def test_misuse_raises():
    with pytest.raises(ValueError, match="elman_bptt"):
        practice.check("elman", lambda: None)
    with pytest.raises(TypeError, match="callable"):
        practice.check("elman_bptt", "def f(): pass")
    with pytest.raises(ValueError, match="ordered_backward"):
        practice.reference("bptt")
    with pytest.raises(ValueError, match="one_path"):
        practice.mistake("elman_bptt", "two_paths")


def test_every_read_points_at_a_section_and_label_of_the_book():
    for table in practice.READ.values():
        for read in table.values():
            text = (BOOK / f"{read.doc}.md").read_text()
            assert re.search(rf"^#+ {re.escape(read.title)}$", text, re.M), read
            if read.label:
                assert f"$$ ({read.label})" in text, read


# ---------------------------------------------------------------- references = library

def test_source_system_gives_the_printed_values():
    # ∂⁺E/∂z_1..z_4 as the source prints them: 136, 58, 16, 4
    grad = practice.reference("ordered_backward")(*source_system())
    np.testing.assert_array_equal(grad, [136.0, 58.0, 16.0, 4.0])


@pytest.mark.parametrize("N", [1, 2, 5, 8])
def test_ordered_reference_is_the_derivative_of_the_linear_system(N, rng):
    A = np.tril(rng.normal(size=(N, N)), -1)
    e = rng.normal(size=N)
    grad = practice.reference("ordered_backward")(A, e)
    np.testing.assert_allclose(grad, bptt.backward_sweep(A, e).grad, rtol=1e-12)
    # ∂⁺E/∂z_i is the effect of an external input u_i on E: central differences
    eps = 1e-6
    for i in range(N):
        u = np.zeros(N)
        u[i] = eps
        fd = (evaluate_linear(A, e, u)[1] - evaluate_linear(A, e, -u)[1]) / (2 * eps)
        assert fd == pytest.approx(grad[i], rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("sizes", SIZES)
def test_elman_reference_equals_library_and_finite_differences(sizes, rng):
    p, X, Y = make_problem(rng, *sizes)
    h0 = rng.normal(0, 0.5, (sizes[1], sizes[3]))
    ref = practice.reference("elman_bptt")
    for start in (None, h0):
        assert_same(ref(p, X, Y, start), bptt.bptt_grads(p, X, Y, start))
    bptt.check_grads(lambda q: ref(q, X, Y, h0), p)


@pytest.mark.parametrize("sizes", SIZES)
def test_truncated_reference_equals_library(sizes, rng):
    p, X, Y = make_problem(rng, *sizes)
    h0 = rng.normal(0, 0.5, (sizes[1], sizes[3]))
    ref = practice.reference("truncated_bptt")
    for tau in (1, 2, 3, sizes[0], sizes[0] + 2):
        for start in (None, h0):
            assert_same(ref(p, X, Y, tau, start),
                        bptt.truncated_grads(p, X, Y, tau, mode="chunked", h0=start))
    # a window as long as the sequence is full BPTT, a true gradient
    bptt.check_grads(lambda q: ref(q, X, Y, sizes[0], h0), p)


@pytest.mark.parametrize("sizes", SIZES)
def test_rtrl_reference_steps_equal_library_and_sum_to_the_gradient(sizes, rng):
    T, B, m, n, q = sizes
    p, X, Y = make_problem(rng, *sizes)
    h0 = rng.normal(0, 0.5, (B, n))
    ref = practice.reference("rtrl_step")

    def streamed(params):
        st = bptt.rtrl_init(params, B, h0)
        h, P, loss = st.h, st.P, 0.0
        total = {k: np.zeros_like(v) for k, v in params.items()}
        for t in range(T):
            new, loss_t, g = bptt.rtrl_step(params, RTRLState(h, P), X[t], Y[t])
            h, P, mine_loss, mine = ref(params, h, P, X[t], Y[t])
            np.testing.assert_allclose(h, new.h, rtol=1e-12, atol=1e-14)
            for k in P:
                np.testing.assert_allclose(P[k], new.P[k], rtol=1e-10, atol=1e-12)
            assert_same((mine_loss, mine), (loss_t, g))
            loss += mine_loss
            total = {k: total[k] + mine[k] for k in total}
        return loss, total

    bptt.check_grads(streamed, p)


@pytest.mark.parametrize("sizes", SIZES[:3])
def test_lstm_reference_equals_library_and_finite_differences(sizes, rng):
    T, B, m, n, q = sizes
    p, X, Y = lstm_problem(rng, *sizes)
    h0, c0 = rng.normal(0, 0.5, (B, n)), rng.normal(0, 1.0, (B, n))
    ref = practice.reference("lstm_bptt")
    assert_same(ref(p, X, Y), bptt.lstm_grads(p, X, Y))
    assert_same(ref(p, X, Y, h0, c0), bptt.lstm_grads(p, X, Y, h0, c0))
    bptt.check_grads(lambda q: ref(q, X, Y, h0, c0), p)


@pytest.mark.parametrize("norm, max_norm", [(5.0, 1.0), (0.5, 1.0), (2.0, 2.0), (0.0, 1.0)])
def test_clip_reference_equals_library_and_keeps_the_direction(norm, max_norm, rng):
    g = {"a": rng.normal(size=(3, 2)), "b": rng.normal(size=4)}
    total = np.sqrt(sum(np.sum(v ** 2) for v in g.values()))
    g = {k: v * norm / total for k, v in g.items()}
    clipped, got = practice.reference("clip_global_norm")(g, max_norm)
    lib, lib_norm = bptt.clip_global_norm(g, max_norm)
    assert got == pytest.approx(norm, rel=1e-12, abs=1e-15)
    assert got == pytest.approx(lib_norm, rel=1e-12, abs=1e-15)
    for k in g:
        np.testing.assert_allclose(clipped[k], lib[k], rtol=1e-12)
        # the same direction, and length min(‖g‖, c): g scaled by min(1, c/‖g‖)
        np.testing.assert_allclose(clipped[k], g[k] * min(1.0, max_norm / max(norm, 1e-300)),
                                   rtol=1e-12)


def test_every_reference_passes_its_check():
    for name in NAMES:
        result = practice.check(name, practice.reference(name))
        assert result.passed and result.mistake is None, str(result)
        worst = float(re.search(r"Worst relative error: (\S+)\.", result.message).group(1))
        assert worst < 1e-12


def test_reference_sources_fit_the_code_column():
    import inspect
    for name in NAMES:
        lines = inspect.getsource(practice.reference(name)).splitlines()
        assert max(len(line) for line in lines) <= 76, name


# ---------------------------------------------------------------- the variants

@pytest.mark.parametrize("name", NAMES)
def test_variant_engine_without_mistake_is_the_library(name):
    engine = {**vars(variants), **vars(variants_gated)}[name]
    for pb in pp.problems(name) + (pp.growing(name) or []):
        want = expected(name, pb)
        got = flatten(name, engine(*pb.args), keys_of(name, pb))
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_some_variants_equal_an_independent_formula(rng):
    p, X, Y = make_problem(rng, 5, 3, 2, 4, 3)
    h0 = rng.normal(0, 0.5, (3, 4))
    full = bptt.bptt_grads(p, X, Y, h0)
    wrong = {m: practice.mistake("elman_bptt", m)(p, X, Y, h0) for m in CATALOGUE["elman_bptt"]}
    assert_same(wrong["batch_mean"], (full[0] / 3, {k: g / 3 for k, g in full[1].items()}))
    assert_same(wrong["time_mean"], (full[0] / 5, {k: g / 5 for k, g in full[1].items()}))
    assert_same(wrong["sign_flipped"], (full[0], {k: -g for k, g in full[1].items()}))
    # one path = truncation to one step: each loss sends its error to its own step only
    assert_same(wrong["one_path"], bptt.truncated_grads(p, X, Y, 1, mode="sliding", h0=h0))
    assert_same(practice.mistake("truncated_bptt", "not_detached")(p, X, Y, 2, h0), full)
    g = full[1]
    clipped, _ = practice.mistake("clip_global_norm", "elementwise")(g, 0.1)
    lib = bptt.clip_elementwise(g, 0.1)
    assert all(np.array_equal(clipped[k], lib[k]) for k in g)


def all_forms():
    for name in NAMES:
        for m in CATALOGUE[name]:
            for form in range(variants.FORMS.get((name, m), 1)):
                yield name, m, form


@pytest.mark.parametrize("name, mistake, form", list(all_forms()))
def test_each_catalogued_variant_is_named_as_itself(name, mistake, form):
    engine = {**vars(variants), **vars(variants_gated)}[name]

    def wrong(*args):
        return engine(*args, mistake=mistake, form=form)

    result = practice.check(name, wrong)
    assert not result.passed
    assert result.mistake == mistake, str(result)
    assert practice.MISTAKES[name][mistake] in result.message
    assert result.read is not None and result.read.doc in str(result)


@pytest.mark.parametrize("name", NAMES)
def test_the_checks_problems_differ_from_one_another(name):
    flat = [expected(name, pb) for pb in pp.problems(name)]
    for i in range(len(flat)):
        for j in range(i):
            assert set(flat[i]) != set(flat[j]) or any(
                flat[i][k].shape != flat[j][k].shape
                or not np.allclose(flat[i][k], flat[j][k]) for k in flat[i])


@pytest.mark.parametrize("name, mistake, form", list(all_forms()))
def test_no_variant_matches_another_mistake(name, mistake, form):
    probs = pp.problems(name)
    mine = [expected(name, pb, mistake, form) for pb in probs]
    wants = [expected(name, pb) for pb in probs]
    assert not all(agrees(got, want, want) for got, want in zip(mine, wants))  # it is wrong
    for other in CATALOGUE[name]:
        if other == mistake:
            continue
        for f in range(variants.FORMS.get((name, other), 1)):
            assert not all(agrees(got, expected(name, pb, other, f), want)
                           for got, pb, want in zip(mine, probs, wants)), (other, f)


# ---------------------------------------------------------------- wrong answers, named

def wrong_labels(result):
    """The labels on the report's 'Wrong:' line."""
    line = re.search(r"^Wrong: (.*)\.$", result.message, re.M).group(1)
    return line.split(", ")


def _arrays_of(name, raw):
    """(label, array) of a return value, the arrays themselves (to perturb in place)."""
    if name == "ordered_backward":
        return [("grad", raw)]
    if name == "rtrl_step":
        h, P, _, g = raw
        return ([("h", h)] + [(f"P[{k!r}]", v) for k, v in P.items()]
                + [(f"grads_t[{k!r}]", v) for k, v in g.items()])
    d = raw[0] if name == "clip_global_norm" else raw[1]
    label = "clipped" if name == "clip_global_norm" else "grads"
    return [(f"{label}[{k!r}]", v) for k, v in d.items()]


def _labels(name):
    pb = pp.problems(name)[0]
    return [label for label, _ in _arrays_of(name, practice.reference(name)(*pb.args))]


@pytest.mark.parametrize("name, label", [(n, lab) for n in NAMES for lab in _labels(n)])
def test_one_entry_times_1_01_is_rejected_naming_that_output(name, label):
    ref = practice.reference(name)

    def perturbed(*args):
        raw = copy.deepcopy(ref(*copy.deepcopy(args)))
        arr = dict(_arrays_of(name, raw)).get(label)
        if arr is not None:                       # (clipping: not every problem has it)
            arr.flat[arr.size // 2] *= 1.01      # one entry, 1 % off
        return raw

    result = practice.check(name, perturbed)
    assert not result.passed and result.mistake is None, str(result)
    assert wrong_labels(result) == [label]
    right = re.search(r"^Right: (.*)\.$", result.message, re.M).group(1)
    assert label not in right.split(", ")


def test_a_1_01_scale_on_one_steps_term_is_found_at_that_step():
    def scaled(params, X, Y, h0=None):
        out = bptt.backward(params, X, Y, h0)
        grads = {k: g.copy() for k, g in out["grads"].items()}
        if len(X) >= 3:                           # step t = 3's term δ_3 h_2ᵀ, 1.01 times
            grads["W_hh"] += 0.01 * out["delta"][2].T @ out["H"][2]
        return out["loss"], grads

    result = practice.check("elman_bptt", scaled)
    assert not result.passed and result.mistake is None
    assert wrong_labels(result) == ["grads['W_hh']"]
    assert "first goes wrong at the length T = 3 (right for T < 3)" in result.message


def test_a_1_01_scale_on_one_lstm_step_is_found_at_that_step():
    def scaled(params, X, Y, h0=None, c0=None):
        out = bptt.lstm.lstm_backward(params, X, Y, h0, c0)
        grads = {k: g.copy() for k, g in out["grads"].items()}
        if len(X) >= 2:                           # ∂L/∂o_2 h_2ᵀ, 1.01 times
            grads["W_qh"] += 0.01 * out["dO"][1].T @ out["H"][2]
        return out["loss"], grads

    result = practice.check("lstm_bptt", scaled)
    assert wrong_labels(result) == ["grads['W_qh']"]
    assert "first goes wrong at the length T = 2" in result.message


@pytest.mark.parametrize("name", NAMES)
def test_zeros_of_the_right_shapes_never_pass(name):
    ref = practice.reference(name)

    def zeros(*args):
        raw = ref(*copy.deepcopy(args))
        for _, arr in _arrays_of(name, raw):
            arr[...] = 0.0
        if name == "clip_global_norm":
            return raw[0], 0.0
        return raw

    assert not practice.check(name, zeros).passed


@pytest.mark.parametrize("name", NAMES)
def test_the_answer_to_another_problem_never_passes(name):
    ref = practice.reference(name)
    for pb in pp.problems(name):
        fixed = ref(*copy.deepcopy(pb.args))
        result = practice.check(name, lambda *args, fixed=fixed: copy.deepcopy(fixed))
        assert not result.passed


def test_the_answer_to_a_same_shaped_problem_never_passes():
    ref = practice.reference("elman_bptt")

    def other_data(params, X, Y, h0=None):
        return ref(params, X[::-1].copy(), Y[::-1].copy(), h0)

    assert not practice.check("elman_bptt", other_data).passed


def test_nan_is_named():
    def nan(params, X, Y, h0=None):
        loss, grads = bptt.bptt_grads(params, X, Y, h0)
        grads["W_hh"][0, 0] = np.nan
        return loss, grads

    result = practice.check("elman_bptt", nan)
    assert not result.passed
    assert "Your grads['W_hh'] contains NaN on the problem T = 1" in result.message


def test_changing_an_input_in_place_is_named():
    def in_place(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
        for g in grads.values():
            g *= min(1.0, max_norm / norm)        # changes the caller's arrays
        return grads, norm

    result = practice.check("clip_global_norm", in_place)
    assert not result.passed
    assert "changed its input grads['W_hx'], grads['W_hh']" in result.message

    def moves_X(params, X, Y, h0=None):
        out = bptt.bptt_grads(params, X, Y, h0)
        X[0] = 0.0
        return out

    assert "changed its input X in place" in practice.check("elman_bptt", moves_X).message


def test_an_exception_is_shown_with_the_readers_line_and_a_hint():
    def raises(params, X, Y, h0=None):
        W_hx = params["W_hx"]
        return W_hx @ X[0]                        # rows and columns mixed up

    result = practice.check("elman_bptt", raises)
    assert not result.passed and result.mistake is None
    assert "Your function raised ValueError: matmul" in result.message
    assert "test_practice.py: return W_hx @ X[0]" in result.message
    assert "Hint: Check the shapes." in result.message

    def stub(params, X, Y, h0=None):
        raise NotImplementedError

    assert "Fill in the function first" in practice.check("elman_bptt", stub).message


def test_shape_and_kind_mismatches_are_named_precisely():
    def call(change):
        def fn(params, X, Y, h0=None):
            return change(*bptt.bptt_grads(params, X, Y, h0))
        return practice.check("elman_bptt", fn).message

    def cut(loss, g):
        g["W_hh"] = g["W_hh"][:, :3]
        return loss, g

    assert "your grads['W_hh'] has shape (4, 3); it must be (n, n) = (4, 4)" in call(cut)
    assert "missing ['b_q'], unexpected []" in call(
        lambda loss, g: (loss, {k: v for k, v in g.items() if k != "b_q"}))
    assert "missing [], unexpected ['W_xh']" in call(lambda loss, g: (loss, {**g, "W_xh": 0}))
    assert "returned a dict; it must return (loss, grads), a tuple of 2" in call(
        lambda loss, g: g)
    assert "Your loss has shape (1,); it must be one number" in call(
        lambda loss, g: (np.array([loss]), g))


def test_str_and_html_escape_and_fit_the_page():
    def raises(params, X, Y, h0=None):
        raise ValueError("<script>alert('x')</script> & more")

    result = practice.check("elman_bptt", raises)
    page = result._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; more" in page
    for name in NAMES:
        for m in CATALOGUE[name][:2]:
            r = practice.check(name, practice.mistake(name, m))
            assert max(len(line) for line in str(r).splitlines()) <= 74
            assert f'href="{r.read.doc}.html' in r._repr_html_()
    ok = practice.check("clip_global_norm", practice.reference("clip_global_norm"))
    assert str(ok).startswith("✔ clip_global_norm: correct")
    assert "correct" in ok._repr_html_()


def test_float32_is_pointed_out_when_it_costs_accuracy():
    def single(params, X, Y, h0=None):
        loss, grads = bptt.bptt_grads(params, X, Y, h0)
        # float32 keeps about 7 digits: here the last of them are off
        return loss, {k: (g * (1 + 1e-5)).astype(np.float32) for k, g in grads.items()}

    result = practice.check("elman_bptt", single)
    assert not result.passed and "float32" in result.message


def test_the_hint_follows_from_what_is_right():
    ref = practice.reference("rtrl_step")

    def sensitivity_off(params, h_prev, P_prev, x, y):
        h, P, loss, grads = ref(params, h_prev, P_prev, x, y)
        return h, {**P, "b_h": P["b_h"] * 1.01}, loss, grads

    message = practice.check("rtrl_step", sensitivity_off).message
    assert "Hint: h_t is right; the sensitivity update" in message

    def norm_off(grads, max_norm):
        clipped, norm = practice.reference("clip_global_norm")(grads, max_norm)
        return clipped, norm * 1.01

    assert "Hint: The norm is wrong" in practice.check("clip_global_norm", norm_off).message

    def loss_off(params, X, Y, h0=None):
        loss, grads = bptt.bptt_grads(params, X, Y, h0)
        return loss + 1.0, grads

    assert "Hint: The loss is wrong too" in practice.check("elman_bptt", loss_off).message

    def pairing_off(params, X, Y, h0=None):
        loss, grads = bptt.bptt_grads(params, X, Y, h0)
        return loss, {**grads, "W_hx": grads["W_hx"] * 1.01}

    assert "Hint: Every bias gradient Σ_t δ_t is right" in practice.check(
        "elman_bptt", pairing_off).message


def test_a_terminal_shows_the_message():
    result = practice.check("elman_bptt", practice.mistake("elman_bptt", "sign_flipped"))
    assert repr(result) == str(result)
    assert str(result).startswith("✘ elman_bptt: mistake sign_flipped\n\n")
    assert "y_t − ŷ_t is used instead of ŷ_t − y_t" in " ".join(repr(result).split())


def test_the_report_says_where_a_sweep_goes_wrong_and_which_problems_are_right():
    ref = practice.reference("ordered_backward")

    def second_off(A, e):
        grad = ref(A, e)
        if len(e) > 2:
            grad[1] *= 1.5                        # ∂⁺E/∂z_2 wrong, z_3.. right
        return grad

    message = " ".join(practice.check("ordered_backward", second_off).message.split())
    assert "Right on 1 of 4 problems: a graph of N = 1 variable." in message
    assert ("Sweeping back from z_4 on the chapter's system (N = 4), the first wrong value "
            "is ∂⁺E/∂z_2.") in message


def test_in_the_book_build_the_result_is_made_in_each_language_and_reads_as_one(monkeypatch):
    from bptt import i18n

    monkeypatch.setenv("BPTT_BOOK_BUILD", "1")
    result = practice.check("elman_bptt", practice.mistake("elman_bptt", "one_path"))
    assert set(result.by_lang) == set(i18n.LANGUAGES)
    assert not result.passed and result.mistake == "one_path" and result.written
    assert result.read.doc == "bptt_elman" and str(result).startswith("✘ elman_bptt: mistake one_path")
    assert practice.MISTAKES["elman_bptt"]["one_path"] in result.message
    page = result._repr_mimebundle_()["text/html"]
    assert all(f"<!--bptt-lang:{lang}-->" in page for lang in i18n.LANGUAGES)
    assert page.count('href="bptt_elman.html#equation-eq-bptt-elman-one-path"') == len(i18n.LANGUAGES)
    with i18n.language("zh_CN"):
        assert result.message == result.by_lang["zh_CN"].message
    monkeypatch.delenv("BPTT_BOOK_BUILD")
    stub = practice.check("elman_bptt", lambda params, X, Y, h0=None: (_ for _ in ()).throw(NotImplementedError))
    assert isinstance(stub, practice.CheckResult) and not stub.written
    assert str(stub).startswith("✘ elman_bptt: not written yet")


def test_the_text_around_a_message_is_made_in_its_language():
    from bptt import i18n

    with i18n.language("zh_CN"):
        result = practice.check("elman_bptt", practice.mistake("elman_bptt", "one_path"))
    zh = i18n.catalogue("zh_CN")
    heading = zh.get("✘ {name}: mistake {mistake}", "✘ {name}: mistake {mistake}")
    assert result.heading == heading.format(name="elman_bptt", mistake="one_path")
    assert str(result).startswith(result.heading)        # read later, in English: still its own
    assert practice.mistakes.describe("elman_bptt", "one_path") == practice.MISTAKES["elman_bptt"]["one_path"]


def test_chinese_lines_wrap_to_the_width_and_keep_their_punctuation():
    from bptt.i18n import columns as _width
    from bptt.practice.result import WIDTH, _fill

    text = ("你的函数犯了一个典型错误 one_path：δ_t 中漏掉了循环项 W_hhᵀ δ_{t+1}：只沿经过 o_t 的那条路径"
            "（返回的某个梯度是转置的），在全部 4 个问题上，n = 4，你的结果都恰好等于只做了这一处改动的正确计算。") * 2
    lines = _fill(text).splitlines()
    assert len(lines) > 2 and "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(_width(line) <= WIDTH for line in lines)
    assert not any(line[0] in "，。：）" or line[-1] == "（" for line in lines)
    assert "n = 4" in _fill(text)
