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

Initialization (:func:`init_centred_`).  With PyTorch's default initialization the encoder
maps every image to nearly one point: on 256 rendered images the embeddings' mean pairwise
cosine is 0.9999 (minimum 0.9998), so every logit of Eq. (14) is about ``1/tau`` and the loss
starts on the plateau ``log b`` with almost no gradient.  Two causes, measured layer by layer as
the ratio of the between-image variance of a layer's output to its squared mean:

- the default weights shrink the signal by about ``1/sqrt(3)`` per layer while the default
  biases do not shrink, so by the sixth convolution the biases dominate (ratio 0.008; with the
  biases set to zero the mean cosine falls to 0.93);
- the black background is -1 after normalization and covers most of every image, a component
  shared by all inputs (Kaiming weights and zero biases still give a mean cosine of 0.96; the
  same network on inputs in [0, 1] gives 0.49).

:func:`init_centred_` removes both: Kaiming weights, then each layer's pre-activations are
centred and scaled to unit variance per channel over a batch of training images (a
data-dependent initialization: Krahenbuhl et al. 2016, Mishkin & Matas 2016), and the final
``Linear`` is centred, so the embeddings start spread over the sphere (mean cosine 0.00).  The
layers are the homework's; only their initial values change.

Shapes: images ``(B, 3, 64, 64)`` float, latents ``(B, d)``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Encoder", "Decoder", "Autoencoder", "CHANNELS", "IMAGE_SIZE", "normalize_images", "init_centred_",
           "INITS"]

#: Initializations: ``default`` (PyTorch's), ``centred`` (:func:`init_centred_`).
INITS = ("default", "centred")

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


@torch.no_grad()
def init_centred_(encoder: Encoder, x: torch.Tensor) -> Encoder:
    """Re-initialize ``encoder`` in place so that its outputs on ``x`` are centred (module
    docstring): ``x`` is a batch of normalized training images ``(n, 3, 64, 64)``, n >= 2.

    Layer by layer: Kaiming-normal weights (ReLU gain), then each convolution's weights and bias
    are set so that its output channels have mean 0 and variance 1 over ``x`` and all positions;
    the final ``Linear`` gets Kaiming-normal weights (linear gain) and the bias that makes its
    outputs' mean over ``x`` zero.  Deterministic given the global torch RNG and ``x``.
    """
    if not isinstance(encoder, Encoder):
        raise ValueError(f"init_centred_ needs an Encoder, got {type(encoder).__name__}")
    _check_images(x)
    if x.shape[0] < 2:
        raise ValueError("init_centred_ needs at least 2 images to centre on")
    x = x.to(next(encoder.parameters()).device, next(encoder.parameters()).dtype)
    h = x
    for layer in encoder.convs:
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            layer.bias.zero_()
            pre = layer(h)
            mean, std = pre.mean((0, 2, 3)), pre.std((0, 2, 3)).clamp_min(1e-6)
            layer.weight.div_(std[:, None, None, None])
            layer.bias.copy_(-mean / std)
        h = layer(h)
    nn.init.kaiming_normal_(encoder.fc.weight, nonlinearity="linear")
    encoder.fc.bias.zero_()
    encoder.fc.bias.copy_(-encoder.fc(h.flatten(1)).mean(0))
    return encoder
