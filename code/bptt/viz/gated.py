"""Figures of the gated-networks chapter: gradient norm against lag for the vanilla RNN, the LSTM
and the GRU (the explorable), and the training curves of the long-dependency experiment."""
import numpy as np

from ..gru import gru_backward, gru_init_params
from ..i18n import Msg, local, t
from ..jacobians import lag_norms, safe_norm
from ..lstm import carousel_path, lstm_backward, lstm_init_params
from ..params import init_params
from ..tasks import chance_loss
from .explorable import control, explorable
from .lag import log_ticks, plot_lag_norms

#: sizes in the explorable: m inputs, n hidden units, q outputs, B sequences, T steps
M_IN, N_HIDDEN, Q_OUT, BATCH, T_STEPS = 4, 16, 4, 4, 80
CONTROLS = {
    "bias": control([-2.0, 0.0, 1.0, 2.0, 3.0, 5.0], label="forget-gate bias b_f (GRU: b_z)"),
    "rho": control([0.5, 0.8, 1.0, 1.2, 1.5, 2.0], label="spectral radius ρ of the recurrent matrices"),
}
DEFAULT = {"bias": 1.0, "rho": 1.0}
FIGSIZE = (7.1, 4.4)          # inches at dpi 96: 682 px, within the 688 px text column
STYLE = {"rnn": dict(color="0.45", lw=2), "lstm_h": dict(color="tab:blue", lw=2),
         "lstm_c": dict(color="tab:blue", lw=1.5, ls="--"), "gru": dict(color="tab:orange", lw=2),
         "carousel": dict(color="tab:blue", lw=1, ls=":")}
DH, DC = "‖∂⁺L_T/∂h_k‖", "‖∂⁺L_T/∂c_k‖"


def curve_labels():
    """The explorable's legend entries, in the current language."""
    return {"rnn": t("vanilla RNN {norm}").format(norm=DH), "lstm_h": f"LSTM {DH}", "lstm_c": f"LSTM {DC}",
            "gru": f"GRU {DH}", "carousel": t("LSTM cell path alone, (∏ f_j) ⊙ ∂⁺L_T/∂c_T")}


#: the networks' names: the vanilla RNN's is said in the reader's language, LSTM and GRU are names
NETWORKS = {"rnn": Msg("vanilla RNN"), "lstm": "LSTM", "gru": "GRU"}


def network(kind, n):
    """A network's name with its size, "vanilla RNN, n = 24", as the chapters key their runs:
    a :class:`bptt.i18n.Msg` (:func:`bptt.i18n.local` says it in the current language).
    kind: "rnn", "lstm" or "gru"; n: the number of hidden units."""
    if kind not in NETWORKS:
        raise ValueError(f"kind: expected one of {', '.join(NETWORKS)}, got {kind!r}")
    return Msg("{net}, n = {n}", net=NETWORKS[kind], n=n)


def lag_curves(bias, rho, T=T_STEPS, seed=0, n=N_HIDDEN, B=BATCH):
    """‖∂⁺L_T/∂state_k‖ against the lag T − k for the three networks on the same inputs and targets.

    L_T is the cross-entropy of the last step alone. Every recurrent matrix (W_hh; W_hi, W_hf,
    W_ho, W_hc; W_hr, W_hz, W_hh) is N(0, 1/n) rescaled to spectral radius ``rho``; the LSTM's
    forget-gate bias b_f and the GRU's update-gate bias b_z are ``bias``. Returns a dict of
    (T+1,) arrays, index = lag, each the root mean square over the B sequences: rnn, lstm_h,
    lstm_c, gru, and carousel: the LSTM's cell error along the cell path alone (∏ f_j ⊙ ∂⁺L_T/∂c_T).
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, B, M_IN))
    Y = rng.integers(0, Q_OUT, size=(T, B))
    w = np.zeros(T)
    w[-1] = 1.0                                          # L = L_T: only the last step's loss
    rms = lambda G: (safe_norm(G, axis=-1) ** 2).mean(axis=1) ** 0.5   # (T+1, B, n) -> (T+1,)
    with np.errstate(over="ignore", invalid="ignore"):
        N, _ = lag_norms(init_params(M_IN, n, Q_OUT, seed=seed, spectral_radius=rho), X, Y[-1])
        lstm = lstm_backward(lstm_init_params(M_IN, n, Q_OUT, seed, forget_bias=bias, spectral_radius=rho),
                             X, Y, weights=w)
        gru = gru_backward(gru_init_params(M_IN, n, Q_OUT, seed, update_bias=bias, spectral_radius=rho),
                           X, Y, weights=w)
        out = {"rnn": (N ** 2).mean(axis=1) ** 0.5, "lstm_h": rms(lstm["dH"]), "lstm_c": rms(lstm["dC"]),
               "gru": rms(gru["dH"]), "carousel": rms(carousel_path(lstm["F"], lstm["dC"][-1]))}
    return {k: v[::-1] for k, v in out.items()}          # index k -> lag T − k


def draw_lag_curves(fig, bias, rho):
    """The explorable's picture: one panel, gradient norm (log) against lag, four curves."""
    fig.clear()
    fig.set_layout_engine(None)                     # fixed geometry: no layout pass, frames do not jump
    ax = fig.add_axes((0.1, 0.25, 0.87, 0.68))
    d = lag_curves(bias, rho)
    lags = np.arange(len(d["rnn"]))
    labels = curve_labels()
    for key in ("rnn", "lstm_h", "lstm_c", "gru", "carousel"):
        plot_lag_norms(ax, lags, d[key], label=labels[key], **STYLE[key])
    values = np.concatenate(list(d.values()))
    values = values[np.isfinite(values) & (values > 0)]
    lo = 10.0 ** np.floor(np.log10(values.min())) / 10 if values.size else 1e-20
    hi = 10.0 ** np.ceil(np.log10(values.max())) * 10 if values.size else 1e3
    ax.set_ylim(max(min(lo, 1e-20), 1e-300), min(max(hi, 1e3), 1e300))
    log_ticks(ax.yaxis)
    ax.set_xlim(0, lags[-1])
    ax.set_ylabel(t("gradient norm"))
    ax.set_title(t("b_f = b_z = {bias:g},  ρ = {rho:g}   (loss at the last step only, T = {T})").format(
        bias=bias, rho=rho, T=lags[-1]), fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False)
    ax.grid(True, which="major", alpha=0.3)


def lag_explorable():
    """The chapter's explorable: forget-gate bias and spectral radius sliders (36 frames)."""
    return explorable(draw_lag_curves, CONTROLS, default=DEFAULT, figsize=FIGSIZE,
                      caption=r"Gradient norm \(\lVert \partial^+ L_T/\partial h_k \rVert\) (and the LSTM's "
                              r"\(\lVert \partial^+ L_T/\partial c_k \rVert\)) against the lag \(T - k\), "
                              "for a vanilla RNN, an LSTM and a GRU at initialisation on the same inputs.")


def draw_training(fig, curves, n_symbols=2, title=""):
    """Training curves: {name: losses per iteration (per output step)} with the chance level log k.

    A name made by :func:`network` is shown in the current language (:func:`bptt.i18n.local`);
    ``title`` as given (make it with :func:`bptt.i18n.t` at draw time)."""
    fig.clear()
    ax = fig.add_subplot()
    colors = {"vanilla": "0.45", "LSTM": "tab:blue", "GRU": "tab:orange", "peephole": "tab:green"}
    used = set()
    for name, loss in curves.items():
        loss = np.asarray(loss, dtype=float)
        k = max(1, len(loss) // 50)                        # a running mean over ~2% of the run
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
        color = next((c for key, c in colors.items() if name.startswith(key)), None)
        ax.plot(np.arange(len(smooth)) + k, smooth, label=local(name), color=color, lw=2,
                ls="--" if color in used else "-")        # a second curve of the same family is dashed
        used.add(color)
    ax.axhline(chance_loss(n_symbols), color="k", ls=":", lw=1, label=t("chance, log {k}").format(k=n_symbols))
    ax.set_xlabel(t("training iteration"))
    ax.set_ylabel(t("cross-entropy per output step"))
    ax.set_ylim(0, 1.05 * max(chance_loss(n_symbols), max(np.max(v) for v in curves.values())))
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
