"""The handwriting synthesis network in PyTorch (Graves 2013, §5): LSTM layers with a soft window
over the characters of the line's text, and the same mixture density head as the unconditional
model (``training/model.py``: 1 + 6M outputs laid out as ``engine.model.LAYOUT``).

At step t, with x_t the point (dx, dy, pen_lift, article units) and c_1..c_U the text one-hot:

    h¹_t = LSTM¹([x_t, w_{t−1}])
    (α̂, β̂, κ̂) = h¹_t · W_win + b_win                        K each
    α = exp(α̂),  β = exp(β̂),  κ_t = κ_{t−1} + exp(κ̂)          κ_0 = 0
    φ(t, u) = Σ_k α_k exp(−β_k (κ_k − u)²)                     u = 1..U
    w_t = Σ_u φ(t, u) c_u
    hˡ_t = LSTMˡ([x_t, hˡ⁻¹_t, w_t])                            l = 2..L
    y_t = [h¹_t, …, hᴸ_t] · W_out + b_out                       (1 + 6M)

Only the first layer and the window feed back through w_{t−1}, so they are stepped one point at a
time; the later layers read finished sequences and run as one ``nn.LSTM`` call per window of
points. Characters are indices into the model's alphabet (``alphabet`` str); index
``len(alphabet)`` is the one symbol for every character the training texts lack, and padding
rows of the one-hot are zero, so they never enter w.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .model import log_density  # noqa: F401 — the same loss as the unconditional model

UNKNOWN = "\ufffd"  # how the alphabet's extra symbol is shown


def encode(text: str, alphabet: str) -> list[int]:
    """Character indices; anything outside ``alphabet`` becomes the unknown symbol."""
    index = {ch: i for i, ch in enumerate(alphabet)}
    return [index.get(ch, len(alphabet)) for ch in text]


class SynthesisModel(nn.Module):
    def __init__(self, alphabet: str, hidden: int = 256, layers: int = 2, window: int = 10,
                 mixtures: int = 20, dropout: float = 0.0):
        super().__init__()
        self.alphabet, self.hidden, self.layers, self.K, self.mixtures = alphabet, hidden, layers, window, mixtures
        self.A = len(alphabet) + 1  # one-hot width: the alphabet and the unknown symbol
        self.cell1 = nn.LSTMCell(3 + self.A, hidden)
        self.window = nn.Linear(hidden, 3 * window)
        self.upper = nn.ModuleList(nn.LSTM(3 + hidden + self.A, hidden, batch_first=True) for _ in range(layers - 1))
        self.drop = nn.Dropout(dropout)  # on the cells' outputs before the head, training only
        self.head = nn.Linear(layers * hidden, 1 + 6 * mixtures)
        with torch.no_grad():
            self.cell1.bias_ih[hidden:2 * hidden].fill_(1.0)  # forget gates start open
            self.cell1.bias_hh.zero_()
            for lstm in self.upper:
                lstm.bias_ih_l0[hidden:2 * hidden].fill_(1.0)
                lstm.bias_hh_l0.zero_()
            # the window starts about two characters wide, weighs about one character in all, and
            # moves one character per ~20 points (the data has about 21 per character)
            self.window.weight.mul_(0.1)
            self.window.bias[:window].fill_(-math.log(window))
            self.window.bias[window:2 * window].fill_(-1.0)
            self.window.bias[2 * window:].fill_(-3.0)

    def one_hot(self, chars: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """chars (B, U) indices, lengths (B,) → (B, U, A) one-hot, zero rows past each length."""
        onehot = nn.functional.one_hot(chars.clamp(min=0), self.A).to(self.head.weight.dtype)
        mask = torch.arange(chars.shape[1], device=chars.device)[None, :] < lengths[:, None]
        return onehot * mask[..., None]

    def zero_state(self, batch: int, device=None):
        z = torch.zeros(batch, self.hidden, device=device, dtype=self.head.weight.dtype)
        w = torch.zeros(batch, self.A, device=device, dtype=z.dtype)
        kappa = torch.zeros(batch, self.K, device=device, dtype=z.dtype)
        return {"h1": z, "c1": z, "kappa": kappa, "w": w, "upper": [None] * (self.layers - 1)}

    def window_step(self, h1, kappa, onehot):
        """h¹ (B, H), κ (B, K), one-hot (B, U, A) → φ (B, U), κ_t, w_t (B, A)."""
        a, b, k = torch.exp(self.window(h1)).chunk(3, dim=-1)
        kappa = kappa + k
        u = torch.arange(1, onehot.shape[1] + 1, device=h1.device, dtype=h1.dtype)
        phi = (a[:, :, None] * torch.exp(-b[:, :, None] * (kappa[:, :, None] - u) ** 2)).sum(1)  # (B, U)
        return phi, kappa, torch.bmm(phi[:, None, :], onehot)[:, 0]

    def forward(self, x, onehot, state=None, trace: bool = False):
        """x (B, T, 3), one-hot (B, U, A) → (y (B, T, 1 + 6M), state, extras). ``trace`` also
        returns every step's h of each layer, κ, φ and w (for the engine's parity test)."""
        B, T, _ = x.shape
        s = state or self.zero_state(B, x.device)
        h1, c1, kappa, w = s["h1"], s["c1"], s["kappa"], s["w"]
        h1s, ws, phis, kappas = [], [], [], []
        for t in range(T):
            h1, c1 = self.cell1(torch.cat([x[:, t], w], dim=-1), (h1, c1))
            phi, kappa, w = self.window_step(h1, kappa, onehot)
            h1s.append(h1)
            ws.append(w)
            if trace:
                phis.append(phi)
                kappas.append(kappa)
        hs = [torch.stack(h1s, 1)]
        wseq = torch.stack(ws, 1)
        upper = []
        for lstm, st in zip(self.upper, s["upper"]):
            out, st = lstm(torch.cat([x, hs[-1], wseq], dim=-1), st)
            hs.append(out)
            upper.append(st)
        y = self.head(self.drop(torch.cat(hs, dim=-1)))
        new = {"h1": h1, "c1": c1, "kappa": kappa, "w": w, "upper": upper}
        extras = {"h": hs, "w": wseq}
        if trace:
            extras.update(phi=torch.stack(phis, 1), kappa=torch.stack(kappas, 1))
        return y, new, extras


def detach(state: dict) -> dict:
    """The state with its history cut (truncated backpropagation between windows)."""
    return {"h1": state["h1"].detach(), "c1": state["c1"].detach(), "kappa": state["kappa"].detach(),
            "w": state["w"].detach(), "upper": [tuple(t.detach() for t in st) for st in state["upper"]]}
