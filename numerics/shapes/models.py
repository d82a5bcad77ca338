"""The homework's encoder and decoder for 64x64 RGB images (Q7, Q8).

Encoder ``f``: six ``Conv2d(kernel 4, stride 2, padding 1)`` layers
3 -> 32 -> 64 -> 128 -> 256 -> 512 -> d, with ReLU between them (not after the last),
flatten, ``Linear(d, d)``; for a contrastive encoder the output is l2-normalized, so that
``f: X -> S^{d-1}`` as Eq. (14) requires.  Each conv halves the side: 64 -> 32 -> 16 -> 8 -> 4
-> 2 -> 1, so the flattened map is exactly ``d`` numbers.

Decoder ``g``: the mirror image, ``Linear(d, d)``, unflatten to ``(d, 1, 1)``, then six
``ConvTranspose2d(kernel 4, stride 2, padding 1)`` layers d -> 512 -> 256 -> 128 -> 64 -> 32 -> 3
with ReLU between them and no output activation (the autoencoder is trained with MSE on
images normalized to [-1, 1]).

Shapes: images ``(B, 3, 64, 64)`` float, latents ``(B, d)``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Encoder", "Decoder", "Autoencoder", "CHANNELS", "IMAGE_SIZE", "normalize_images"]

#: Channel widths of the encoder's convolutions before the last one (which outputs d).
CHANNELS: tuple[int, ...] = (3, 32, 64, 128, 256, 512)
#: Side length of the images (six stride-2 convolutions take it to 1).
IMAGE_SIZE = 64


def _check_d(d) -> int:
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ValueError(f"latent size d must be a positive integer, got {d!r}")
    return d


def _check_images(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"images must be a torch tensor, got {type(x).__name__}")
    if x.ndim != 4 or tuple(x.shape[1:]) != (3, IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images must have shape (B, 3, {IMAGE_SIZE}, {IMAGE_SIZE}), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"images must be floating point (normalized), got dtype {x.dtype}")


def normalize_images(x01: torch.Tensor) -> torch.Tensor:
    """The homework's preprocessing after augmentation: clamp to [0, 1], then (x - 0.5) / 0.5.

    ``x01``: ``(B, 3, 64, 64)`` float in (about) [0, 1]; returns the same shape in [-1, 1].
    """
    return (x01.clamp(0.0, 1.0) - 0.5) / 0.5


class Encoder(nn.Module):
    """``f``: ``(B, 3, 64, 64) -> (B, d)``; unit rows when ``normalize`` (contrastive encoders)."""

    def __init__(self, d: int = 128, *, normalize: bool = False):
        super().__init__()
        self.d = _check_d(d)
        self.normalize = bool(normalize)
        widths = CHANNELS + (self.d,)
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1))
            if i < len(widths) - 2:
                layers.append(nn.ReLU())
        self.convs = nn.Sequential(*layers)
        self.fc = nn.Linear(self.d, self.d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x)
        h = self.convs(x).flatten(1)  # (B, d, 1, 1) -> (B, d)
        z = self.fc(h)
        if self.normalize:
            z = nn.functional.normalize(z, dim=1)
        return z


class Decoder(nn.Module):
    """``g``: ``(B, d) -> (B, 3, 64, 64)``, the encoder's mirror, no output activation."""

    def __init__(self, d: int = 128):
        super().__init__()
        self.d = _check_d(d)
        self.fc = nn.Linear(self.d, self.d)
        widths = (self.d,) + tuple(reversed(CHANNELS))  # d, 512, 256, 128, 64, 32, 3
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1))
            if i < len(widths) - 2:
                layers.append(nn.ReLU())
        self.deconvs = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.d:
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"latents must have shape (B, {self.d}), got {shape}")
        h = self.fc(z)
        return self.deconvs(h[:, :, None, None])


class Autoencoder(nn.Module):
    """``g(f(x))`` of Eq. (12): an unnormalized :class:`Encoder` and its :class:`Decoder`."""

    def __init__(self, d: int = 128):
        super().__init__()
        self.encoder = Encoder(d, normalize=False)
        self.decoder = Decoder(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))
