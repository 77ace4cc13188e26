"""The diagnosis when no catalogued mistake matches: shapes, which outputs are wrong and which
right, where a growing problem first goes wrong, the largest error, and a hint."""
import numpy as np

from ..i18n import t
from .compare import close, expected, keys_of, rel_error
from .outputs import ContractError, flatten, spelled
from .problems import growing
from .run import call

OUTPUT_LAYER = ("grads['W_qh']", "grads['b_q']")


def hint(name, wrong):
    """Where to look, from which outputs are wrong."""
    if name == "ordered_backward":
        return t("Work the sweep by hand on the chapter's system: the last variable first, "
                 "each ∂⁺E/∂z_i once every later ∂⁺E/∂z_j is known.")
    if name == "clip_global_norm":
        if "norm" in wrong:
            return t("The norm is wrong: ‖g‖ = sqrt(Σ_k ‖g_k‖²), all tensors together.")
        return t("The norm is right: the scale min(1, max_norm/‖g‖) is not applied as it should be.")
    if name == "rtrl_step":
        if "h" in wrong:
            return t("h_t is wrong: check the forward step z_t = W_hx x_t + W_hh h_{t-1} + b_h.")
        if any(k.startswith("P[") for k in wrong):
            return t("h_t is right; the sensitivity update P_t = D_t (W_hh P_{t-1} + ∂z_t/∂θ) is not.")
        return t("h_t and P_t are right: check ∂ℓ_t/∂θ = (∂ℓ_t/∂h_t)ᵀ P_t and the output layer.")
    if "loss" in wrong:
        return t("The loss is wrong too: check the forward pass first, and that ℓ_t is summed "
                 "over the batch and over t.")
    if not any(k.startswith("grads['b_") for k in wrong):
        return t("Every bias gradient Σ_t δ_t is right, so every δ_t is: check what each δ_t "
                 "is multiplied by (x_tᵀ for the input weights, h_{t-1}ᵀ for the recurrent "
                 "ones, h_t for W_qh) and the sum over t.")
    if not any(k in wrong for k in OUTPUT_LAYER):
        return t("The loss and the output layer are right, so the forward pass is: the error is "
                 "in the backward sweep or in the sums that use it.")
    return t("∂L/∂o_t = ŷ_t − y_t feeds every gradient: check it and the output layer first.")


def _shape_line(transposable, sentence):
    if sentence:
        return (t("Your {label} has shape {shape}; it must be {spelled} = {want}; "
                  "its transpose has the right shape.") if transposable
                else t("Your {label} has shape {shape}; it must be {spelled} = {want}."))
    return (t("your {label} has shape {shape}; it must be {spelled} = {want}; "
              "its transpose has the right shape") if transposable
            else t("your {label} has shape {shape}; it must be {spelled} = {want}"))


def shape_lines(name, runs, wants, sentences=False):
    """The outputs whose shapes are wrong, one line each (as sentences, or for a list)."""
    lines, seen = [], []
    for (pb, got), want in zip(runs, wants):
        for k, w in want.items():
            g = got[k]
            if g.shape != w.shape and k not in seen:
                seen.append(k)
                line = _shape_line(g.T.shape == w.shape, sentences)
                lines.append(line.format(label=k, shape=g.shape, spelled=spelled(name, k, pb.dims),
                                         want=w.shape))
    return lines


def first_wrong(name, fn):
    """'T = 3' (or 't = 3'): the smallest length of a growing problem where fn goes wrong."""
    family = growing(name)
    if family is None:
        return None
    for pb in family:
        axis = "t" if "t" in pb.dims else "T"
        outcome = call(name, fn, pb.args)
        if outcome.error is not None:
            return axis, pb.dims[axis]
        try:
            got = flatten(name, outcome.value, keys_of(name, pb))
        except ContractError:
            return axis, pb.dims[axis]
        want = expected(name, pb)
        if not all(close(got[k], want[k]) for k in want):
            return axis, pb.dims[axis]
    return None


def sweep_lines(runs, wants):
    """Where a backward sweep first goes wrong: the last wrong ∂⁺E/∂z_i, coming from z_N."""
    out = []
    for (pb, got), want in zip(runs, wants):
        g, w = got["grad"], want["grad"]
        if g.shape == w.shape and not close(g, w):
            bad = [i for i in range(len(w)) if not close(g[i:i + 1], w[i:i + 1])]
            out.append(t("Sweeping back from z_{N} on {about}, the first wrong value is "
                         "∂⁺E/∂z_{i}.").format(N=len(w), about=pb.about, i=bad[-1] + 1))
            break
    return out


def gone_wrong(axis, n):
    """Where a growing problem first goes wrong, as a sentence."""
    if axis == "t":
        line = (t("It first goes wrong at the step {axis} = {n} (right for {axis} < {n}).") if n > 1
                else t("It first goes wrong at the step {axis} = {n}."))
    else:
        line = (t("It first goes wrong at the length {axis} = {n} (right for {axis} < {n}).")
                if n > 1 else t("It first goes wrong at the length {axis} = {n}."))
    return line.format(axis=axis, n=n)


def report(name, fn, runs, wants):
    """The message when no catalogued mistake matches."""
    shapes = shape_lines(name, runs, wants)
    if shapes:
        return t("Shapes do not match:") + "\n" + "\n".join("  " + s for s in shapes)
    wrong, worst = [], (0.0, None, None)
    for (pb, got), want in zip(runs, wants):
        for k in want:
            err = rel_error(got[k], want[k])
            if not close(got[k], want[k]) and k not in wrong:
                wrong.append(k)
            if err > worst[0]:
                worst = (err, k, pb)
    labels = list(dict.fromkeys(k for want in wants for k in want))
    right = [k for k in labels if k not in wrong]
    lines = [t("Wrong: {labels}.").format(labels=", ".join(wrong)),
             (t("Right: {labels}.").format(labels=", ".join(right)) if right
              else t("Right: nothing yet."))]
    zeros = [k for k in wrong if all(not np.any(got[k]) for _, got in runs if k in got)]
    if zeros:
        lines.append(t("All zeros: {labels}.").format(labels=", ".join(zeros)))
    fine = [pb.about for (pb, got), want in zip(runs, wants)
            if all(close(got[k], want[k]) for k in want)]
    if fine:
        lines.append(t("Right on {k} of {n} problems: {problems}.").format(
            k=len(fine), n=len(runs), problems="; ".join(fine)))
    if name == "ordered_backward":
        lines += sweep_lines(runs, wants)
    where = first_wrong(name, fn)
    if where:
        lines.append(gone_wrong(*where))
    err, k, pb = worst
    lines.append(t("Largest error: {label}, relative error {err:.2g}, on the problem {about}.").format(
        label=k, err=err, about=pb.about))
    return (t("No catalogued mistake matches.") + "\n\n" + "\n".join(lines)
            + "\n\n" + t("Hint: {hint}").format(hint=hint(name, wrong)))
