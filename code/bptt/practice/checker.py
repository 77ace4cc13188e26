"""check(name, fn): run the reader's function on seeded problems, compare with the library,
and when it is wrong, name the catalogued mistake whose variant it matches exactly."""
import numpy as np

from ..i18n import each_language, t
from . import variants
from .compare import agrees, close, expected, keys_of, rel_error
from .mistakes import EXERCISES, MISTAKES, check_name, describe, read_for
from .outputs import ContractError, flatten, low_precision, returns
from .problems import problems
from .report import report, shape_lines
from .result import CheckResult, CheckResults
from .run import CALLS, call, explain


def run_all(name, fn, probs):
    """[(problem, flat result)], or a failing CheckResult (raised, changed, wrong kind, NaN)."""
    out = []
    for pb in probs:
        outcome = call(name, fn, pb.args)
        if outcome.error is not None:
            return CheckResult(name, False, None, explain(name, outcome.error, pb), None,
                               written=not isinstance(outcome.error, NotImplementedError))
        if outcome.changed:
            return CheckResult(name, False, None, (
                t("Your function changed its input {inputs} in place (on the problem {about}).")
                .format(inputs=", ".join(outcome.changed), about=pb.about) + "\n\n"
                + t("A caller who reuses its arguments would find them changed: build new "
                    "arrays (a = a + b, not a += b on an input).")),
                read_for(name))
        try:
            got = flatten(name, outcome.value, keys_of(name, pb))
        except ContractError as exc:
            text = str(exc)
            return CheckResult(name, False, None, (
                t("{error} (on the problem {about}).").format(error=text[0].upper() + text[1:],
                                                             about=pb.about) + "\n\n"
                + t("The check calls {call} and expects {returns}.").format(
                    call=CALLS[name], returns=returns(name))),
                read_for(name))
        for label, arr in got.items():
            if not np.all(np.isfinite(arr)):
                what = "NaN" if np.isnan(arr).any() else "inf"
                return CheckResult(name, False, None, (
                    t("Your {label} contains {what} on the problem {about}.").format(
                        label=label, what=what, about=pb.about) + "\n\n"
                    + t("Every problem here is small and well scaled: look for a division by "
                        "zero, a log of 0, or an array used before it was filled (np.empty).")),
                    read_for(name))
        out.append((pb, got, low_precision(outcome.value)))
    return out


def diagnose(name, runs, wants):
    """The first catalogued mistake whose variant the results match on every problem."""
    for mistake in MISTAKES[name]:
        for form in range(variants.FORMS.get((name, mistake), 1)):
            if all(agrees(got, expected(name, pb, mistake, form), want)
                   for (pb, got), want in zip(runs, wants)):
                return mistake
    return None


def verdict(name, fn):
    """The :class:`CheckResult` of ``fn``, its text in the current language."""
    probs = problems(name)
    runs = run_all(name, fn, probs)
    if isinstance(runs, CheckResult):
        return runs
    low = any(r[2] for r in runs)
    runs = [(pb, got) for pb, got, _ in runs]
    wants = [expected(name, pb) for pb in probs]
    errs = [rel_error(got[k], want[k]) for (_, got), want in zip(runs, wants) for k in want]
    if all(close(got[k], want[k]) for (_, got), want in zip(runs, wants) for k in want):
        return CheckResult(name, True, None, (
            t("Your {name} agrees with the library on all {n} problems ({problems}).").format(
                name=name, n=len(probs), problems="; ".join(pb.about for pb in probs)) + "\n\n"
            + t("Worst relative error: {err:.1e}.").format(err=max(errs))))
    mistake = diagnose(name, runs, wants)
    if mistake is None:
        msg = report(name, fn, runs, wants)
        if low:
            msg += "\n\n" + t("Your function returns float32 arrays: the check compares to "
                              "float64 accuracy, NumPy's default (np.zeros(shape) is float64).")
        return CheckResult(name, False, None, msg, read_for(name))
    shapes = shape_lines(name, runs, wants, sentences=True)
    msg = (t("Your function makes a classic mistake, {mistake}: {what}.").format(
        mistake=mistake, what=describe(name, mistake)) + "\n\n"
        + t("On all {n} problems your results equal the correct computation with exactly "
            "that one change.").format(n=len(probs)))
    if shapes:
        msg += "\n\n" + "\n".join(shapes)
    return CheckResult(name, False, mistake, msg, read_for(name, mistake))


def check(name, fn):
    """Check the reader's ``fn`` for exercise ``name``; return a :class:`CheckResult`.

    Outside the book build, the result is made once, in the current language. In the book
    build it is made in every edition's language (``fn`` then runs once per language), and
    the :class:`CheckResults` returned shows them all and reads like the current one.
    """
    name = check_name(name)
    if not callable(fn):
        raise TypeError(f"fn must be your function for {name!r} (a callable), "
                        f"got {type(fn).__name__}")
    made = each_language(lambda: verdict(name, fn))
    return next(iter(made.values())) if len(made) == 1 else CheckResults(made)


assert list(EXERCISES) == list(MISTAKES)
