"""The catalogue of classic mistakes, and where the book explains the correct step.

Each mistake is implemented in :mod:`.variants` as the correct computation with exactly that
one change, so that the checker's diagnosis is an exact match, not a guess.
"""
from typing import NamedTuple

from .. import i18n

EXERCISES = {
    "ordered_backward": "the backward sweep of ordered derivatives ∂⁺E/∂z_i on an ordered "
                        "system given by its direct partials",
    "elman_bptt": "loss and all five gradients of the Elman network (tanh) by backpropagation "
                  "through time",
    "rtrl_step": "one step of real-time recurrent learning: the sensitivity update and the "
                 "gradient of ℓ_t",
    "truncated_bptt": "chunked truncated BPTT with window tau: the state carried, the gradient "
                      "cut",
    "clip_global_norm": "gradient clipping by the global norm of all gradients together",
    "lstm_bptt": "loss and gradients of the LSTM by backpropagation through time",
}


def _mistakes(t):
    """The descriptions of the mistakes, each through ``t``: ``str`` gives the English,
    :func:`bptt.i18n.t` the current language."""
    return {
        "ordered_backward": {
            "direct_partial_only": t("grad[i] = e[i] + Σ_j e[j] A[j, i]: the direct ∂E/∂z_j is used "
                                     "where the ordered derivative ∂⁺E/∂z_j is needed"),
            "missing_direct_term": t("the direct term ∂E/∂z_i = e[i] is left out of ∂⁺E/∂z_i "
                                     "(for every i but the last, or for all)"),
            "transposed_A": t("A[i, j] is used for ∂z_j/∂z_i: the system solved is (I − A) g = e "
                              "instead of (I − Aᵀ) g = e"),
            "forward_order": t("the sweep runs from z_1 to z_N, so the later ∂⁺E/∂z_j are still "
                               "zero when used"),
        },
        "elman_bptt": {
            "one_path": t("the recurrent term W_hhᵀ δ_{t+1} is left out of δ_t: only the path "
                          "through o_t is followed"),
            "derivative_from_z": t("f'(z_t) is taken as 1 − z_t² instead of 1 − h_t²"),
            "h_index_off_by_one": t("δ_t is paired with h_t instead of h_{t-1} in ∂L/∂W_hh"),
            "transposed_gradient": t("a gradient is returned transposed (∂L/∂W has the shape of "
                                     "W, rows = the units it feeds)"),
            "batch_mean": t("the loss and gradients are averaged over the batch instead of summed"),
            "time_mean": t("the loss and gradients are averaged over time instead of summed"),
            "first_step_dropped": t("the sums over t start at t = 2: step 1's terms are missing"),
            "h0_dropped": t("h_0 is treated as zero in the first term δ_1 h_0ᵀ of ∂L/∂W_hh"),
            "elementwise_recurrence": t("W_hhᵀ δ_{t+1} is replaced by the element-wise "
                                        "diag(W_hh) ⊙ δ_{t+1}, as if each unit were a scalar RNN"),
            "sign_flipped": t("y_t − ŷ_t is used instead of ŷ_t − y_t at the output"),
        },
        "rtrl_step": {
            "no_immediate_term": t("the direct term ∂z_t/∂θ is left out of the sensitivity update "
                                   "P_t = D_t (W_hh P_{t-1} + ∂z_t/∂θ)"),
            "sensitivity_not_carried": t("W_hh P_{t-1} is left out: P_t = D_t ∂z_t/∂θ forgets "
                                         "the past"),
            "derivative_from_z": t("D_t is taken as diag(1 − z_t²) instead of diag(1 − h_t²)"),
            "immediate_uses_h_t": t("the immediate term of W_hh uses h_t instead of h_{t-1}"),
        },
        "truncated_bptt": {
            "not_detached": t("the gradient flows across the window edge: that is full BPTT, "
                              "not truncation"),
            "window_off_by_one": t("the windows hold tau + 1 steps instead of tau"),
            "state_reset": t("the state restarts from h_0 (or zeros) at each window instead of "
                             "being carried"),
        },
        "clip_global_norm": {
            "per_tensor": t("each tensor is rescaled by its own norm, not by the global norm"),
            "elementwise": t("values are clipped to [−max_norm, max_norm] entry by entry"),
            "squared_norm": t("the squared norm Σ_k ‖g_k‖² is used where its square root is "
                              "needed"),
            "scales_up": t("the gradients are rescaled to max_norm even when their norm is "
                           "below it"),
        },
        "lstm_bptt": {
            "no_forget_path": t("the cell-state path f_{t+1} ⊙ ∂⁺L/∂c_{t+1} into ∂⁺L/∂c_t is "
                                "left out"),
            "gate_derivative_from_preactivation": t("σ' is computed as a (1 − a) from a gate's "
                                                    "pre-activation a instead of from its value"),
            "tanh_c_derivative_from_c": t("1 − c_t² is used instead of 1 − tanh²(c_t) in the path "
                                          "through h_t = o_t ⊙ tanh(c_t)"),
            "one_path": t("the recurrent path Σ_g W_hgᵀ δ^g_{t+1} into ∂⁺L/∂h_t is left out"),
        },
    }


#: {exercise: {mistake: what it does wrong}}, in English
MISTAKES = _mistakes(str)


def describe(name, mistake):
    """What ``mistake`` of exercise ``name`` does wrong, in the current language."""
    return _mistakes(i18n.t)[name][mistake]


class Read(NamedTuple):
    """Where the book explains a step: book/<doc>.md, an equation label (or None), a section."""

    doc: str
    label: object
    title: str

    @property
    def href(self):
        """The link from a practice page of the built book."""
        return f"{self.doc}.html" + (f"#equation-{self.label}" if self.label else "")

    @property
    def section(self):
        """The section's title in the current language."""
        return dict(zip(_sections(str), _sections(i18n.t))).get(self.title, self.title)

    def __str__(self):
        if self.label:
            return i18n.t("book/{doc}.md, section “{title}”, equation ({label})").format(
                doc=self.doc, title=self.section, label=self.label)
        return i18n.t("book/{doc}.md, section “{title}”").format(doc=self.doc, title=self.section)


def _sections(t):
    """The titles of the sections READ points at, each through ``t`` (see :func:`_mistakes`)."""
    return (t("Werbos's rule"), t("One backward sweep gets them all"),
            t("From three steps to the single sweep"), t("The network, and the one convention"),
            t("The mistake of following one path"),
            t("Why the gradients of a shared weight are added"),
            t("The output layer: softmax and cross-entropy"),
            t("What RTRL carries: the sensitivities"), t("The gradient as a triangle of terms"),
            t("Exploding gradients and clipping"), t("Backpropagation through the LSTM"))


_SWEEP = Read("bptt_elman", "eq-bptt-elman-sweep", "From three steps to the single sweep")
_GRADS = Read("bptt_elman", "eq-bptt-elman-all-grads", "The network, and the one convention")
_SENS = Read("rtrl", "eq-rtrl-sensitivity", "What RTRL carries: the sensitivities")
_TRUNC = Read("truncation", "eq-truncation-masks", "The gradient as a triangle of terms")
_CLIP = Read("vanishing", "eq-vanishing-clip-global",
             "Exploding gradients and clipping")
_LSTM = Read("gated", "eq-gated-lstm-dc", "Backpropagation through the LSTM")

#: where to read, per exercise (key None: the exercise as a whole)
READ = {
    "ordered_backward": {None: Read("ordered_derivatives", "eq-ordered-rule", "Werbos's rule"),
                         "transposed_A": Read("ordered_derivatives", "eq-ordered-matrix",
                                              "Werbos's rule"),
                         "forward_order": Read("ordered_derivatives", None,
                                               "One backward sweep gets them all")},
    "elman_bptt": {None: _SWEEP, "h_index_off_by_one": _GRADS, "transposed_gradient": _GRADS,
                   "first_step_dropped": _GRADS, "h0_dropped": _GRADS,
                   "one_path": Read("bptt_elman", "eq-bptt-elman-one-path",
                                    "The mistake of following one path"),
                   "batch_mean": Read("bptt_elman", "eq-bptt-elman-untie",
                                      "Why the gradients of a shared weight are added"),
                   "time_mean": Read("bptt_elman", "eq-bptt-elman-untie",
                                     "Why the gradients of a shared weight are added"),
                   "sign_flipped": Read("bptt_elman", "eq-bptt-elman-output-grads",
                                        "The output layer: softmax and cross-entropy")},
    "rtrl_step": {None: _SENS,
                  "immediate_uses_h_t": Read("rtrl", "eq-rtrl-direct",
                                             "What RTRL carries: the sensitivities")},
    "truncated_bptt": {None: _TRUNC},
    "clip_global_norm": {None: _CLIP},
    "lstm_bptt": {None: _LSTM,
                  "gate_derivative_from_preactivation": Read(
                      "gated", "eq-gated-lstm-delta", "Backpropagation through the LSTM"),
                  "one_path": Read("gated", "eq-gated-lstm-dh",
                                   "Backpropagation through the LSTM")},
}


def check_name(name):
    """An exercise name from EXERCISES, else ValueError listing them."""
    if not isinstance(name, str) or name not in EXERCISES:
        raise ValueError(f"name must be one of the exercises {list(EXERCISES)}, got {name!r}")
    return name


def read_for(name, mistake=None):
    """The Read entry for an exercise and one of its mistakes (or the exercise itself)."""
    table = READ[name]
    return table.get(mistake, table[None])
