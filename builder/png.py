"""A minimal PNG writer (stdlib only) for static heatmaps: palette rows → bytes."""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def png_bytes(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """(rows, cols) uint8 indices into ``palette`` (n ≤ 256, 3) → an 8-bit palette PNG's bytes
    (deterministic: fixed compression level)."""
    h, w = indices.shape
    raw = b"".join(b"\x00" + indices[r].astype(np.uint8).tobytes() for r in range(h))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", np.asarray(palette, dtype=np.uint8).tobytes())
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


HEAT_LEVELS = 63  # odd, so 0 has its own (white) level; a 3× smaller static heatmap than 24-bit RGB


def heatmap_uri(values: np.ndarray, levels: int = HEAT_LEVELS) -> str:
    """Values in [−1, 1] (rows, cols) → a palette PNG data URI in the diverging colours, ``levels`` steps."""
    idx = np.rint((np.clip(values, -1, 1) + 1) / 2 * (levels - 1)).astype(np.uint8)
    png = png_bytes(idx, diverging(np.linspace(-1, 1, levels)))
    return "data:image/png;base64," + base64.b64encode(png).decode()


# Diverging brown–teal (ColorBrewer BrBG ends), centred on white at 0. The page's own heatmaps
# (article/runtime/draw.js) read these from the page config.
PALETTE = {"neg": [140, 81, 10], "mid": [245, 245, 245], "pos": [1, 102, 94]}
NEG, MID, POS = (np.array(PALETTE[k]) for k in ("neg", "mid", "pos"))


def diverging(values: np.ndarray) -> np.ndarray:
    """Values in [−1, 1] → (…, 3) uint8 colours: brown below 0, teal above."""
    v = np.clip(values, -1, 1)[..., None]
    rgb = np.where(v < 0, MID + (NEG - MID) * -v, MID + (POS - MID) * v)
    return np.rint(rgb).astype(np.uint8)
