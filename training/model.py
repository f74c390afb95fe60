"""The handwriting model in PyTorch, the same network as ``engine/model.py``.

One LSTM layer (torch's gate order i, f, g, o; the export reorders to the engine's i, g, f, o and
moves the engine's fixed +1 forget bias out of the learned bias) and a linear mixture head whose
121 outputs follow ``engine.model.LAYOUT``: eos logit, then pi logits, mu_x, mu_y, log sigma_x,
log sigma_y, rho pre-tanh, ``M`` each (Graves 2013, eqs. 18–23).
"""
from __future__ import annotations

import math

import torch
from torch import nn

LOG_2PI = math.log(2 * math.pi)


class HandwritingModel(nn.Module):
    def __init__(self, hidden: int = 500, mixtures: int = 20, dropout: float = 0.0):
        super().__init__()
        self.hidden, self.mixtures = hidden, mixtures
        self.lstm = nn.LSTM(3, hidden, batch_first=True)
        self.drop = nn.Dropout(dropout)  # on the cells' output, training only: the engine never sees it
        self.head = nn.Linear(hidden, 1 + 6 * mixtures)
        with torch.no_grad():  # forget gate starts open, as the engine's +1 does
            self.lstm.bias_ih_l0[hidden:2 * hidden].fill_(1.0)
            self.lstm.bias_hh_l0.zero_()

    def forward(self, x: torch.Tensor, state=None):
        """x (B, T, 3) inputs → (y (B, T, 1 + 6M) raw outputs, (h, c), every step's h (B, T, H))."""
        hs, state = self.lstm(x, state)
        return self.head(self.drop(hs)), state, hs


def split_outputs(y: torch.Tensor, temperature: float = 1.0):
    """Raw outputs (..., 1 + 6M) → eos_logit, log_pi, mu (..., M, 2), log_sigma (..., M, 2), rho."""
    m = (y.shape[-1] - 1) // 6
    eos_logit = y[..., 0]
    log_pi = torch.log_softmax(y[..., 1:1 + m], dim=-1)
    mu = torch.stack([y[..., 1 + m:1 + 2 * m], y[..., 1 + 2 * m:1 + 3 * m]], dim=-1)
    log_sigma = torch.stack([y[..., 1 + 3 * m:1 + 4 * m], y[..., 1 + 4 * m:1 + 5 * m]], dim=-1)
    rho = torch.tanh(y[..., 1 + 5 * m:1 + 6 * m])
    return eos_logit, log_pi, mu, log_sigma, rho


def log_density(y: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Log p(target | y): bivariate Gaussian mixture for (dx, dy) plus Bernoulli for pen_lift.

    y (..., 1 + 6M), target (..., 3) → (...). Natural log, no discretisation.
    """
    eos_logit, log_pi, mu, log_sigma, rho = split_outputs(y)
    rho = rho.clamp(-1 + 1e-6, 1 - 1e-6)
    z = (target[..., None, :2] - mu) / log_sigma.exp()  # (..., M, 2)
    one_m_r2 = 1 - rho ** 2
    q = (z[..., 0] ** 2 + z[..., 1] ** 2 - 2 * rho * z[..., 0] * z[..., 1]) / one_m_r2
    log_n = -LOG_2PI - log_sigma.sum(-1) - 0.5 * torch.log(one_m_r2) - 0.5 * q
    log_xy = torch.logsumexp(log_pi + log_n, dim=-1)
    pen = target[..., 2]
    log_pen = -nn.functional.binary_cross_entropy_with_logits(eos_logit, pen, reduction="none")
    return log_xy + log_pen
