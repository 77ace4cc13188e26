"""Element-wise activations f and their derivatives f'.

Each entry maps a name to ``(f, df_dz, df_from_h)``: the function, its derivative as a
function of the pre-activation z, and the same derivative written in terms of h = f(z)
(cheaper in the backward pass, where h is already stored).
"""
import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + e^{-z}), split by sign so that exp never overflows and tiny values keep their digits."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


ACTIVATIONS = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, lambda h: 1.0 - h * h),
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z)), lambda h: h * (1.0 - h)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), lambda h: (h > 0).astype(float)),
    "identity": (lambda z: z.copy(), np.ones_like, np.ones_like),
}

#: sup |f'(z)|, the constant gamma in the vanishing-gradient bounds (ReLU and identity: 1)
DERIVATIVE_BOUND = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "identity": 1.0}


def check_activation(activation):
    """Return ``activation`` if it names a known activation, else raise ValueError."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    return activation


def f(z, activation="tanh"):
    """h = f(z), element-wise."""
    return ACTIVATIONS[check_activation(activation)][0](np.asarray(z, dtype=float))


def df(z, activation="tanh"):
    """f'(z), element-wise."""
    return ACTIVATIONS[check_activation(activation)][1](np.asarray(z, dtype=float))


def df_from_h(h, activation="tanh"):
    """f'(z) written in terms of h = f(z), element-wise (e.g. 1 - h^2 for tanh)."""
    return ACTIVATIONS[check_activation(activation)][2](np.asarray(h, dtype=float))
