"""check(name, fn): run the reader's function on seeded problems, compare with the library,
and when it is wrong, name the catalogued mistake whose variant it matches exactly."""
import numpy as np

from . import variants
from .compare import agrees, close, expected, keys_of, rel_error
from .mistakes import EXERCISES, MISTAKES, check_name, read_for
from .outputs import RETURNS, ContractError, flatten, low_precision
from .problems import problems
from .report import report, shape_lines
from .result import CheckResult
from .run import CALLS, call, explain


def run_all(name, fn, probs):
    """[(problem, flat result)], or a failing CheckResult (raised, changed, wrong kind, NaN)."""
    out = []
    for pb in probs:
        outcome = call(name, fn, pb.args)
        if outcome.error is not None:
            return CheckResult(name, False, None, explain(name, outcome.error, pb), None)
        if outcome.changed:
            return CheckResult(name, False, None, (
                f"Your function changed its input {', '.join(outcome.changed)} in place "
                f"(on the problem {pb.about}).\n\nA caller who reuses its arguments would "
                "find them changed: build new arrays (a = a + b, not a += b on an input)."),
                read_for(name))
        try:
            got = flatten(name, outcome.value, keys_of(name, pb))
        except ContractError as exc:
            text = str(exc)
            return CheckResult(name, False, None, (
                f"{text[0].upper()}{text[1:]} (on the problem {pb.about}).\n\n"
                f"The check calls {CALLS[name]} and expects {RETURNS[name]}."),
                read_for(name))
        for label, arr in got.items():
            if not np.all(np.isfinite(arr)):
                what = "NaN" if np.isnan(arr).any() else "inf"
                return CheckResult(name, False, None, (
                    f"Your {label} contains {what} on the problem {pb.about}.\n\n"
                    "Every problem here is small and well scaled: look for a division by "
                    "zero, a log of 0, or an array used before it was filled (np.empty)."),
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


def check(name, fn):
    """Check the reader's ``fn`` for exercise ``name``; return a :class:`CheckResult`."""
    name = check_name(name)
    if not callable(fn):
        raise TypeError(f"fn must be your function for {name!r} (a callable), "
                        f"got {type(fn).__name__}")
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
            f"Your {name} agrees with the library on all {len(probs)} problems "
            f"({'; '.join(pb.about for pb in probs)}).\n\n"
            f"Worst relative error: {max(errs):.1e}."))
    mistake = diagnose(name, runs, wants)
    if mistake is None:
        msg = report(name, fn, runs, wants)
        if low:
            msg += ("\n\nYour function returns float32 arrays: the check compares to "
                    "float64 accuracy, NumPy's default (np.zeros(shape) is float64).")
        return CheckResult(name, False, None, msg, read_for(name))
    shapes = shape_lines(name, runs, wants)
    msg = (f"Your function makes a classic mistake, {mistake}: "
           f"{MISTAKES[name][mistake]}.\n\nOn all {len(probs)} problems your results "
           "equal the correct computation with exactly that one change.")
    if shapes:
        msg += "\n\n" + "\n".join(s[0].upper() + s[1:] + "." for s in shapes)
    return CheckResult(name, False, mistake, msg, read_for(name, mistake))


assert list(EXERCISES) == list(MISTAKES)
