"""Synthetic microscopy-like images and a minimal PNG encoder for the demo packages.

Everything here is derived from a seed with numpy's PCG64 generator, whose streams are
stable across platforms and numpy versions, so demo packages are reproducible.
The PNG encoder is a few lines of zlib + struct instead of Pillow: Pillow is only present
as a transitive dependency, and a fixed compression level keeps the bytes reproducible.
"""

import struct
import zlib

import numpy as np
from numpy.typing import NDArray

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def encode_png(image: NDArray[np.uint8]) -> bytes:
    """Encode an 8-bit grayscale (y, x) or RGB (y, x, 3) image as PNG bytes."""
    if image.dtype != np.uint8:
        raise ValueError(f"PNG encoder expects uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        color_type = 0  # grayscale
    elif image.ndim == 3 and image.shape[2] == 3:
        color_type = 2  # truecolor RGB
    else:
        raise ValueError(f"expected a (y, x) or (y, x, 3) image, got shape {image.shape}")
    height, width = image.shape[:2]
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    rows = np.ascontiguousarray(image).reshape(height, -1)
    # every scanline starts with its filter type; 0 means "unfiltered"
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def nuclei_image(seed: int, size: int = 64, n_nuclei: int = 9) -> NDArray[np.float32]:
    """A (size, size) fluorescence-like image: Gaussian blobs on a noisy background.

    Values are in camera-like units (background around 100, nuclei up to about 1000) so that
    a normalising preprocessing step has something to do.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.full((size, size), 100.0)
    for _ in range(n_nuclei):
        cy, cx = rng.uniform(4, size - 4, size=2)
        radius = rng.uniform(2.5, 5.0)
        brightness = rng.uniform(400.0, 900.0)
        image += brightness * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))
    image += rng.normal(0.0, 15.0, size=image.shape)
    return image.astype(np.float32)


def nuclei_labels(image: NDArray[np.float32]) -> NDArray[np.uint16]:
    """A rough foreground mask (1) vs. background (0) for `nuclei_image` output."""
    threshold = 0.5 * (float(image.min()) + float(image.max()))
    return (image > threshold).astype(np.uint16)


def to_uint8(image: NDArray[np.floating] | NDArray[np.integer]) -> NDArray[np.uint8]:
    """Stretch an image's min..max to 0..255 for display."""
    values = image.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return np.round(scaled * 255.0).astype(np.uint8)


def _upscale(image: NDArray[np.uint8], height: int, width: int) -> NDArray[np.uint8]:
    rows = np.arange(height) * image.shape[0] // height
    cols = np.arange(width) * image.shape[1] // width
    picked: NDArray[np.uint8] = image[rows][:, cols]
    return picked


def cover_image(left: NDArray[np.uint8], right: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A 256x128 RGB cover (2:1, as bioimage.io recommends): `left` in gray, `right` in green.

    The two halves are typically an input image and a model's output.
    """
    half = 128
    gray = _upscale(left, half, half)
    green = _upscale(right, half, half)
    cover = np.zeros((half, 2 * half, 3), dtype=np.uint8)
    cover[:, :half] = gray[..., np.newaxis]
    cover[:, half:, 1] = green
    cover[:, half - 1 : half + 1] = 255  # a white divider between the two halves
    return cover
