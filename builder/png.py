"""A minimal PNG writer (stdlib only) for static heatmaps: RGB rows → bytes."""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def png_bytes(rgb: np.ndarray) -> bytes:
    """(rows, cols, 3) uint8 → PNG file bytes (deterministic: fixed compression level)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[r].astype(np.uint8).tobytes() for r in range(h))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def data_uri(rgb: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode()


# Diverging brown–teal (ColorBrewer BrBG ends), centred on white at 0.
NEG, MID, POS = np.array([140, 81, 10]), np.array([245, 245, 245]), np.array([1, 102, 94])


def diverging(values: np.ndarray) -> np.ndarray:
    """Values in [−1, 1] → (…, 3) uint8 colours: brown below 0, teal above."""
    v = np.clip(values, -1, 1)[..., None]
    rgb = np.where(v < 0, MID + (NEG - MID) * -v, MID + (POS - MID) * v)
    return np.rint(rgb).astype(np.uint8)
