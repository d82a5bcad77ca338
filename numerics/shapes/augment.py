"""Batched augmentations A, B and C of the homework's Question 8b, as tensor operations.

``augment(images, name, *, generator)`` takes float32 images ``(B, 3, 64, 64)`` in ``[0, 1]``
and returns float32 images ``(B, 3, 64, 64)`` in ``[0, 1]`` on the same device.  Every
parameter is drawn per image from the ``torch.Generator`` (one call per parameter for the
whole batch), and operations run on many images per call, never image by image: on a GPU on
the whole batch; on the CPU on chunks of :data:`CHUNK` images per thread (B, C), so that
each operation's tensors stay in the caches, and for A on chunks of :data:`CHUNK_A` images, whose
colour chain runs on each image's palette of distinct colours (:func:`_apply_A`).
The parameter ranges are the homework's torchvision pipelines (torchvision terms):

- **A** (colour): ``RandomGrayscale(p=0.2)``, then ``ColorJitter(brightness=0.3, contrast=0.3,
  saturation=0.9, hue=0.5)`` (the four adjustments in a random order per image).
- **B** (location): ``Pad(24)``, ``RandomRotation((0, 360))``,
  ``RandomResizedCrop(64, scale=(0.2, 0.6), ratio=(1, 1))``.
- **C** (location and shape): ``Pad(16)``, ``RandomRotation((0, 360))``, with probability 0.7
  both ``RandomAffine(0, translate=(0.3, 0.3), shear=(-80, 80, -80, 80))`` and
  ``RandomPerspective(0.6, p=1)``, then ``RandomResizedCrop(64, scale=(0.4, 0.8),
  ratio=(0.2, 5))``, then ``RandomRotation((0, 360))``.

Colour operations follow torchvision's tensor definitions pixel by pixel (no assumption on how
many colours an image has).  Geometric operations use nearest sampling and a black fill, as in
the homework.  Each geometric operation maps an output pixel to one input pixel (or to the
fill), so a chain of them is a chain of integer index maps: we compose the maps backwards from
the 64 x 64 output and gather once.  The result is the same as applying the operations one
after another on the padded image (tested), at a fraction of the cost.

``sample_params`` and ``apply_params`` split ``augment`` into drawing and applying, so the same
parameters can be given to a per-image pipeline (tests, benchmark).
"""

from __future__ import annotations

import math

import torch

NAMES = ("A", "B", "C")
IMAGE_SIZE = 64
#: Images per internal chunk and intra-op thread (CPU cache size); a GPU batch is processed whole.
CHUNK = 32
CHUNK_A = 256
#: Images per call of the per-pixel form of A (its tensors stay in the CPU caches).
CHUNK_A_PIXELS = 128

#: Parameter ranges (torchvision arguments).
GRAYSCALE_P = 0.2
BRIGHTNESS = (0.7, 1.3)
CONTRAST = (0.7, 1.3)
SATURATION = (0.1, 1.9)
HUE = (-0.5, 0.5)
B_PAD, B_SCALE, B_RATIO = 24, (0.2, 0.6), (1.0, 1.0)
C_PAD, C_SCALE, C_RATIO = 16, (0.4, 0.8), (0.2, 5.0)
C_APPLY_P, C_TRANSLATE, C_SHEAR, C_DISTORTION = 0.7, (0.3, 0.3), (-80.0, 80.0, -80.0, 80.0), 0.6
_GRAY = (0.2989, 0.587, 0.114)  # ITU-R 601 luma weights, as torchvision's rgb_to_grayscale


# ----------------------------------------------------------------------------- validation

def check_images(images) -> None:
    """Raise ValueError unless ``images`` is a float tensor ``(B, 3, 64, 64)`` in [0, 1]."""
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if images.ndim != 4 or tuple(images.shape[1:]) != (3, IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images must have shape (B, 3, 64, 64), got {tuple(images.shape)}")
    if not images.is_floating_point():
        raise ValueError(f"images must be floating point in [0, 1], got {images.dtype} "
                         "(convert uint8 with numerics.shapes.render.to_float)")
    if images.numel() and not _in_unit_interval(images):
        lo, hi = torch.aminmax(images)
        raise ValueError(f"images must lie in [0, 1], got values in [{float(lo)}, {float(hi)}]")


def _in_unit_interval(images: torch.Tensor) -> bool:
    """Every value in [0, 1] (NaN is not).  float32: one integer reduction over the bit
    patterns, which for +0.0 ... 1.0 are exactly 0 ... 0x3F800000 (negative values, -0.0
    included, have the sign bit; larger ones, infinities and NaNs, larger patterns); where the
    minimum is negative, the float comparison decides (-0.0 is in range)."""
    if images.dtype == torch.float32:
        lo, hi = torch.aminmax(images.contiguous().view(torch.int32))
        if int(hi) > 0x3F800000:
            return False
        if int(lo) >= 0:
            return True
    lo, hi = torch.aminmax(images)
    return bool(lo >= 0.0) and bool(hi <= 1.0)


def _check_name(name) -> str:
    if name not in NAMES:
        raise ValueError(f"unknown augmentation {name!r}; expected one of {', '.join(NAMES)}")
    return name


# ----------------------------------------------------------------------------- colour ops
# Each takes images (B, 3, H, W) and per-image factors (B,), following torchvision's
# functional tensor ops (adjust_brightness, ..., rgb_to_grayscale) for every pixel.

def _col(f: torch.Tensor, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image ``f`` and ``1 - f`` as ``(B, 1, 1, 1)`` (computed in float64, as torchvision's
    Python floats, then rounded to the images' dtype)."""
    f = f.double()
    return (f.to(images.dtype).view(-1, 1, 1, 1), (1.0 - f).to(images.dtype).view(-1, 1, 1, 1))


def luma(images: torch.Tensor) -> torch.Tensor:
    """``(B, 1, H, W)``: ``0.2989 r + 0.587 g + 0.114 b`` per pixel."""
    r, g, b = images.unbind(1)
    return (_GRAY[0] * r).add_(g, alpha=_GRAY[1]).add_(b, alpha=_GRAY[2]).unsqueeze(1)


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """Luma copied to three channels."""
    return luma(images).expand_as(images).contiguous()


# In-place forms, on tensors the caller owns; f, g = factor, 1 - factor as (B, 1, 1, 1).
def _brightness_(x, f, g):
    return x.mul_(f).clamp_(0.0, 1.0)


def _contrast_(x, f, g):
    mean = luma(x).mean(dim=(-2, -1), keepdim=True)
    return torch.addcmul(g * mean, x, f, out=x).clamp_(0.0, 1.0)


def _saturation_(x, f, g):
    gray = luma(x).mul_(g)
    return torch.addcmul(gray, x, f, out=x).clamp_(0.0, 1.0)


def adjust_brightness(images, factor):
    """``clamp(f x, 0, 1)``."""
    return _brightness_(images.clone(), *_col(factor, images))


def adjust_contrast(images, factor):
    """``clamp(f x + (1 - f) m, 0, 1)``, ``m`` the image's mean luma."""
    return _contrast_(images.clone(), *_col(factor, images))


def adjust_saturation(images, factor):
    """``clamp(f x + (1 - f) luma(x), 0, 1)`` per pixel."""
    return _saturation_(images.clone(), *_col(factor, images))


def rgb_to_hsv(images: torch.Tensor) -> torch.Tensor:
    """RGB to HSV (all in [0, 1]) per pixel, torchvision's formula."""
    r, g, b = images.unbind(1)
    maxc = images.amax(1)
    minc = images.amin(1)
    eqc = maxc == minc
    cr = maxc - minc
    ones = torch.ones_like(maxc)
    s = cr / torch.where(eqc, ones, maxc)
    crd = torch.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return torch.stack((h, s, maxc), 1)


def _trapezoid(u: torch.Tensor) -> torch.Tensor:
    """``clamp(2 - d, 0, 1)`` with ``d`` the distance from ``u`` to the nearest multiple of 6:
    the periodic trapezoid ``clamp(min(k, 4 - k), 0, 1)``, ``k = (u + 2) mod 6``, of the HSV
    sector table (1 on ``[1, 3]``, ramps on ``[0, 1]`` and ``[3, 4]``, 0 on ``[4, 6]``)."""
    d = u - 6.0 * torch.round(u * (1.0 / 6.0))
    return d.abs_().neg_().add_(2.0).clamp_(0.0, 1.0)


def _trapezoid_rgb(h6: torch.Tensor, maxc: torch.Tensor, chroma: torch.Tensor) -> torch.Tensor:
    """RGB from hue in sextants ``h6`` (any real), value ``maxc`` and chroma ``maxc - min``:
    channel ``n`` in (5, 3, 1) is ``maxc - chroma clamp(min(k, 4 - k), 0, 1)``,
    ``k = (n + h6) mod 6`` -- torchvision's sector table written as one formula."""
    out = torch.empty((h6.shape[0], 3) + h6.shape[1:], dtype=h6.dtype, device=h6.device)
    for i, n in enumerate((5.0, 3.0, 1.0)):
        t = _trapezoid(h6 + (n - 2.0)).mul_(chroma)
        torch.sub(maxc, t, out=out[:, i])
    return out


def hsv_to_rgb(hsv: torch.Tensor) -> torch.Tensor:
    """HSV to RGB per pixel (the inverse of :func:`rgb_to_hsv`)."""
    h, s, v = hsv.unbind(1)
    return _trapezoid_rgb(h * 6.0, v, v * s)


def _is_max(maxc: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """1.0 where channel ``c`` equals the maximum, else 0.0 (``c <= maxc``), without branches."""
    return 1.0 - torch.sign(maxc - c)


def _hue_h6(r, g, b, shift6):
    """``(maxc, chroma, h6)`` of pixels given as 1-d channel tensors, ``h6`` the rotated hue in
    sextants (``shift6`` per pixel)."""
    maxc = torch.maximum(torch.maximum(r, g), b)
    chroma = maxc - torch.minimum(torch.minimum(r, g), b)
    inv = 1.0 / (chroma + (1.0 - torch.sign(chroma)))  # 1/C, or 1 where C = 0
    wr = _is_max(maxc, r)
    wg = _is_max(maxc, g).mul_(1.0 - wr)
    wb = (1.0 - wr).sub_(wg)
    h6 = (wr * (g - b)).addcmul_(wg, b - r).addcmul_(wb, r - g).mul_(inv)
    return maxc, chroma, h6.add_(2.0 * wg).add_(4.0 * wb).add_(shift6)


def _hue_rotate(r, g, b, shift6):
    """Hue rotation of pixels given as 1-d channel tensors; ``shift6`` in sextants per pixel."""
    maxc, chroma, h6 = _hue_h6(r, g, b, shift6)
    return [maxc - _trapezoid(h6 + (n - 2.0)).mul_(chroma) for n in (5.0, 3.0, 1.0)]


def _hue_rotate_rows(rgb, shift6):
    """:func:`_hue_rotate` of colours given as rows ``(N, 3)``, returning rows ``(N, 3)`` (the
    same arithmetic, the three channels in one tensor)."""
    r, g, b = rgb.unbind(1)
    maxc, chroma, h6 = _hue_h6(r, g, b, shift6)
    n2 = torch.tensor([3.0, 1.0, -1.0], dtype=rgb.dtype, device=rgb.device)  # n - 2, n = 5, 3, 1
    return maxc.unsqueeze(1) - _trapezoid(h6.unsqueeze(1) + n2).mul_(chroma.unsqueeze(1))


def adjust_hue(images, factor, *, inplace: bool = False):
    """Rotate every pixel's hue by ``factor`` turns (``factor`` in [-0.5, 0.5]): value and chroma
    stay, the hue in sextants ``h6`` (red 0, yellow 1, green 2, ...) moves by ``6 factor``.

    ``h6`` follows torchvision's ``_rgb2hsv`` case by case (red is the maximum: ``(g - b)/C``;
    else green: ``2 + (b - r)/C``; else ``4 + (r - g)/C``), written with 0/1 weights instead of
    branches.  A grey pixel (chroma ``C = 0``: black, white, greys) has no hue and is left as it
    is by the definition, so the formula is evaluated on the other pixels only, whatever their
    number and colours."""
    B, C, H, W = images.shape
    images = images.contiguous()
    flat = images.view(B, C, H * W)
    mx = flat.amax(1)
    mn = flat.amin(1)
    where = (mx > mn).view(-1).nonzero().squeeze(1)  # chromatic pixels: b * HW + p
    out = images if inplace else images.clone()
    if where.numel() == 0:
        return out
    bi = torch.div(where, H * W, rounding_mode="floor")
    base = where + bi * ((C - 1) * H * W)  # offset of channel 0 of that pixel in (B, C, H, W)
    r, g, b = (torch.take(images, base + c * H * W) for c in range(3))
    shift6 = (6.0 * factor.double()).to(images.dtype).view(-1)[bi]
    ov = out.view(-1)
    for c, v in enumerate(_hue_rotate(r, g, b, shift6)):
        ov[base + c * H * W] = v
    return out


_JITTER = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
JITTER_NAMES = ("brightness", "contrast", "saturation", "hue")


# ----------------------------------------------------------------------------- index maps
# A map takes output pixel indices (rows, cols: (B, H, W) long) and returns the source pixel
# indices in the previous image of the chain and whether the source lies inside it.

# Coordinates are float32 tensors holding integer pixel indices (exact far beyond 2^10), so
# every step is plain arithmetic; a source outside an intermediate image is recorded in a 0/1
# ``valid`` factor, and the last step clamps into a one-pixel black border around the image.

def inverse_affine_matrix(angle, translate, shear) -> torch.Tensor:
    """``(B, 6)`` float64 inverse affine matrices about the image centre (scale 1), as
    torchvision's ``_get_inverse_affine_matrix``; angles and shears in degrees."""
    rot = torch.deg2rad(angle.double())
    sx, sy = torch.deg2rad(shear[0].double()), torch.deg2rad(shear[1].double())
    tx, ty = translate[0].double(), translate[1].double()
    a = torch.cos(rot - sy) / torch.cos(sy)
    b = -torch.cos(rot - sy) * torch.tan(sx) / torch.cos(sy) - torch.sin(rot)
    c = torch.sin(rot - sy) / torch.cos(sy)
    d = -torch.sin(rot - sy) * torch.tan(sx) / torch.cos(sy) + torch.cos(rot)
    m0, m1, m3, m4 = d, -b, -c, a
    m2 = m0 * (-tx) + m1 * (-ty)
    m5 = m3 * (-tx) + m4 * (-ty)
    return torch.stack((m0, m1, m2, m3, m4, m5), 1)


def rotation_matrix(angle) -> torch.Tensor:
    """Inverse matrices of ``F.rotate(img, angle)`` (counter-clockwise, degrees)."""
    z = torch.zeros_like(angle, dtype=torch.float64)
    return inverse_affine_matrix(-angle.double(), (z, z), (z, z))


def _in_range(rows, cols, size: int) -> torch.Tensor:
    """0/1 float: both integer coordinates in ``[0, size - 1]``."""
    lo = torch.minimum(rows, cols).add_(1.0).clamp_(0.0, 1.0)
    hi = torch.maximum(rows, cols).neg_().add_(float(size)).clamp_(0.0, 1.0)
    return lo.mul_(hi)


def affine_source(rows, cols, matrix, size: int, *, with_valid: bool = True):
    """Nearest source pixels ``(rows, cols, valid)`` of an affine warp of a ``size`` x ``size``
    image, as torchvision's grid: pixel centres relative to the image centre, ``matrix`` from
    :func:`inverse_affine_matrix`.  ``rows``/``cols`` float, broadcastable to ``(B, H, W)``.
    ``with_valid=False`` (the last map before :func:`gather`, which clamps itself) returns the
    unclamped indices and ``valid = None``."""
    m = matrix.to(torch.float32).view(-1, 6, 1, 1)
    h = size * 0.5 - 0.5
    xc, yc = cols - h, rows - h
    xs = torch.addcmul(torch.addcmul(m[:, 2] + h, m[:, 0], xc), m[:, 1], yc).round_()
    ys = torch.addcmul(torch.addcmul(m[:, 5] + h, m[:, 3], xc), m[:, 4], yc).round_()
    if not with_valid:
        return ys, xs, None
    ys.clamp_(-1.0, float(size))
    xs.clamp_(-1.0, float(size))
    return ys, xs, _in_range(ys, xs, size)


def perspective_coeffs(startpoints, endpoints) -> torch.Tensor:
    """``(B, 8)`` coefficients of the map from output to input pixel coordinates, solving the
    same 8 x 8 systems as torchvision's ``_get_perspective_coeffs``; points ``(B, 4, 2)``."""
    e = endpoints.double()
    s = startpoints.double()
    n = e.shape[0]
    A = torch.zeros(n, 8, 8, dtype=torch.float64, device=e.device)
    A[:, 0::2, 0] = e[:, :, 0]
    A[:, 0::2, 1] = e[:, :, 1]
    A[:, 0::2, 2] = 1
    A[:, 0::2, 6] = -s[:, :, 0] * e[:, :, 0]
    A[:, 0::2, 7] = -s[:, :, 0] * e[:, :, 1]
    A[:, 1::2, 3] = e[:, :, 0]
    A[:, 1::2, 4] = e[:, :, 1]
    A[:, 1::2, 5] = 1
    A[:, 1::2, 6] = -s[:, :, 1] * e[:, :, 0]
    A[:, 1::2, 7] = -s[:, :, 1] * e[:, :, 1]
    return torch.linalg.solve(A, s.reshape(n, 8)).to(torch.float32)


def perspective_source(rows, cols, coeffs, size: int):
    """Nearest source pixels ``(rows, cols, valid)`` of a perspective warp (pixel centres at
    ``index + 0.5``, as torchvision's ``_perspective_grid``)."""
    c = coeffs.to(torch.float32).view(-1, 8, 1, 1)
    x = cols + 0.5
    y = rows + 0.5
    den = torch.addcmul(torch.addcmul(torch.ones_like(c[:, 6]), c[:, 6], x), c[:, 7], y)
    xs = torch.addcmul(torch.addcmul(c[:, 2], c[:, 0], x), c[:, 1], y).div_(den).sub_(0.5).round_()
    ys = torch.addcmul(torch.addcmul(c[:, 5], c[:, 3], x), c[:, 4], y).div_(den).sub_(0.5).round_()
    ys.clamp_(-1.0, float(size))
    xs.clamp_(-1.0, float(size))
    return ys, xs, _in_range(ys, xs, size)


def resized_crop_source(rows, cols, top, left, height, width, out: int = IMAGE_SIZE):
    """Source pixels of crop ``(top, left, height, width)`` resized to ``out`` x ``out`` by
    nearest interpolation (``src = min(floor(dst * in / out), in - 1)``, as ``interpolate``)."""
    v = lambda t: t.to(torch.float32).view(-1, 1, 1)  # noqa: E731
    r = torch.minimum(torch.floor(rows * (v(height) / out)), v(height) - 1.0).add_(v(top))
    c = torch.minimum(torch.floor(cols * (v(width) / out)), v(width) - 1.0).add_(v(left))
    return r, c


def gather(images, rows, cols, valid, pad: int, *, out=None, overwrite: bool = False):
    """Output pixel = ``images[b, :, rows - pad, cols - pad]``, black where that lies outside
    the image or ``valid`` is 0 (``valid`` None: always valid); written to ``out`` if given.
    ``overwrite=True``: ``rows`` and ``cols`` are the caller's full ``(B, H, W)`` temporaries
    and are used as work space (two fewer passes over the pixels)."""
    B, C, H, W = images.shape
    src = torch.nn.functional.pad(images, (1, 1, 1, 1))  # a black ring: index 0 is black
    if not overwrite:
        rows, cols = (t.float().clone(memory_format=torch.contiguous_format)
                      for t in torch.broadcast_tensors(rows, cols))
    r = rows.sub_(pad - 1).clamp_(0.0, H + 1.0)
    idx = cols.sub_(pad - 1).clamp_(0.0, W + 1.0).add_(r, alpha=W + 2.0)
    if valid is not None:
        idx.mul_(valid)
    idx = idx.to(torch.long).view(B, 1, -1).expand(B, C, -1)
    if out is not None:
        torch.gather(src.reshape(B, C, -1), 2, idx, out=out.view(B, C, -1))
        return out
    return torch.gather(src.reshape(B, C, -1), 2, idx).view(B, C, *rows.shape[1:])


# ----------------------------------------------------------------------------- parameters

def _uniform(n, lo, hi, g):
    return lo + (hi - lo) * torch.rand(n, generator=g, device=g.device, dtype=torch.float64)


def _randint(lo, hi, g):
    """Per-image integers uniform in ``[lo, hi)`` (``lo``, ``hi``: (B,) long tensors)."""
    u = torch.rand(lo.shape[0], generator=g, device=g.device, dtype=torch.float64)
    return lo + torch.floor(u * (hi - lo).double()).long().clamp_max_((hi - lo - 1).clamp_min(0))


def _resized_crop_params(n, size, scale, ratio, g):
    """Per image ``(top, left, height, width)`` as ``RandomResizedCrop.get_params``: up to ten
    draws of area and log-uniform aspect ratio, the first that fits; else a central crop."""
    area = float(size * size)
    logr = (math.log(ratio[0]), math.log(ratio[1]))
    tries = 10
    ta = area * _uniform(n * tries, scale[0], scale[1], g).view(n, tries)
    ar = torch.exp(_uniform(n * tries, logr[0], logr[1], g)).view(n, tries)
    w = torch.round(torch.sqrt(ta * ar)).long()
    h = torch.round(torch.sqrt(ta / ar)).long()
    ok = (w > 0) & (w <= size) & (h > 0) & (h <= size)
    first = torch.where(ok.any(1), ok.long().argmax(1), torch.full((n,), -1, device=ok.device))
    # Central-crop fallback (torchvision): square images give the whole image when ratio
    # contains 1, else the clipped ratio.
    if ratio[0] > 1:
        fw, fh = size, int(round(size / ratio[0]))
    elif ratio[1] < 1:
        fw, fh = int(round(size * ratio[1])), size
    else:
        fw, fh = size, size
    idx = first.clamp_min(0).view(-1, 1)
    W = torch.where(first >= 0, w.gather(1, idx).squeeze(1), torch.full_like(first, fw))
    H = torch.where(first >= 0, h.gather(1, idx).squeeze(1), torch.full_like(first, fh))
    top = _randint(torch.zeros_like(H), size - H + 1, g)
    left = _randint(torch.zeros_like(W), size - W + 1, g)
    fb = first < 0
    top = torch.where(fb, (size - H) // 2, top)
    left = torch.where(fb, (size - W) // 2, left)
    return {"top": top, "left": left, "height": H, "width": W}


def _perspective_points(n, size, distortion, g):
    """``(startpoints, endpoints)`` ``(B, 4, 2)`` as ``RandomPerspective.get_params``."""
    half = size // 2
    dw = int(distortion * half)
    z = torch.zeros(n, dtype=torch.long, device=g.device)

    def ri(lo, hi):  # integers in [lo, hi)
        return _randint(z + lo, z + hi, g)

    tl = torch.stack((ri(0, dw + 1), ri(0, dw + 1)), 1)
    tr = torch.stack((ri(size - dw - 1, size), ri(0, dw + 1)), 1)
    br = torch.stack((ri(size - dw - 1, size), ri(size - dw - 1, size)), 1)
    bl = torch.stack((ri(0, dw + 1), ri(size - dw - 1, size)), 1)
    start = torch.tensor([[0, 0], [size - 1, 0], [size - 1, size - 1], [0, size - 1]],
                         device=g.device).expand(n, 4, 2)
    return start.clone(), torch.stack((tl, tr, br, bl), 1)


def sample_params(name: str, n: int, *, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Per-image parameters of augmentation ``name`` for ``n`` images (tensors of length n, on
    the generator's device).  Angles in degrees, pixel offsets as integers."""
    _check_name(name)
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    g = generator
    if name == "A":
        return {
            "gray": torch.rand(n, generator=g, device=g.device) < GRAYSCALE_P,
            "order": torch.argsort(torch.rand(n, 4, generator=g, device=g.device), dim=1),
            "brightness": _uniform(n, *BRIGHTNESS, g),
            "contrast": _uniform(n, *CONTRAST, g),
            "saturation": _uniform(n, *SATURATION, g),
            "hue": _uniform(n, *HUE, g),
        }
    if name == "B":
        size = IMAGE_SIZE + 2 * B_PAD
        p = {"angle": _uniform(n, 0.0, 360.0, g)}
        p.update({f"crop_{k}": v for k, v in _resized_crop_params(n, size, B_SCALE, B_RATIO, g).items()})
        return p
    size = IMAGE_SIZE + 2 * C_PAD
    p = {"angle1": _uniform(n, 0.0, 360.0, g),
         "warp": torch.rand(n, generator=g, device=g.device) <= C_APPLY_P}
    max_dx, max_dy = C_TRANSLATE[0] * size, C_TRANSLATE[1] * size
    p["tx"] = torch.round(_uniform(n, -max_dx, max_dx, g)).long()
    p["ty"] = torch.round(_uniform(n, -max_dy, max_dy, g)).long()
    p["shear_x"] = _uniform(n, C_SHEAR[0], C_SHEAR[1], g)
    p["shear_y"] = _uniform(n, C_SHEAR[2], C_SHEAR[3], g)
    p["startpoints"], p["endpoints"] = _perspective_points(n, size, C_DISTORTION, g)
    p.update({f"crop_{k}": v for k, v in _resized_crop_params(n, size, C_SCALE, C_RATIO, g).items()})
    p["angle2"] = _uniform(n, 0.0, 360.0, g)
    return p


# ----------------------------------------------------------------------------- apply

def _grid(device):
    ar = torch.arange(IMAGE_SIZE, device=device, dtype=torch.float32)
    return ar.view(1, -1, 1), ar.view(1, 1, -1)  # rows (1, H, 1), cols (1, 1, W)


def _runs(values: list[int]) -> list[tuple[int, int, int]]:
    """``(value, start, stop)`` of the runs of equal consecutive values."""
    out, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((values[start], start, i))
            start = i
    return out


def _apply_A_pixels(x, p, out=None):
    """Grayscale, then the four jitter operations in each image's own order, on every pixel.

    The images are sorted by their order (a copy), so that for every slot the images with the
    same operation form a few contiguous runs: brightness, contrast and saturation then run in
    place on each run (a view that stays in the CPU caches).  The hue runs once per slot on the
    chromatic pixels of the images whose operation it is; the chromatic pixels are listed once,
    as no operation of A turns a grey pixel into a coloured one (each maps r = g = b to
    r' = g' = b'), and a pixel that turns grey is left unchanged by the hue formula."""
    order = p["order"]
    code = ((order[:, 0] * 4 + order[:, 1]) * 4 + order[:, 2]) * 4 + order[:, 3]
    code_sorted, perm = torch.sort(code, stable=True)
    xs = x.index_select(0, perm)
    gray = p["gray"].index_select(0, perm)
    if bool(gray.any()):
        gi = gray.nonzero().squeeze(1)
        xs.index_copy_(0, gi, grayscale(xs.index_select(0, gi)))
    f = {k: p[k].double().index_select(0, perm) for k in JITTER_NAMES}
    fs = {k: v.to(x.dtype).view(-1, 1, 1, 1) for k, v in f.items()}
    gs = {k: (1.0 - v).to(x.dtype).view(-1, 1, 1, 1) for k, v in f.items()}
    ords = order.index_select(0, perm).tolist()
    B, C, H, W = xs.shape
    flat = xs.view(B, C, H * W)
    r, g, b = flat.unbind(1)
    cand = ((r != g) | (g != b)).view(-1).nonzero().squeeze(1)  # chromatic: b * HW + pixel
    cand_img = torch.div(cand, H * W, rounding_mode="floor")
    cand_base = cand + cand_img * ((C - 1) * H * W)
    shift6 = (6.0 * f["hue"]).to(x.dtype)
    linear = (_brightness_, _contrast_, _saturation_)
    xv = xs.view(-1)
    for slot in range(4):
        for j, a, b in _runs([o[slot] for o in ords]):
            if j < 3:
                name = JITTER_NAMES[j]
                linear[j](xs[a:b], fs[name][a:b], gs[name][a:b])
        is_h = torch.tensor([o[slot] == 3 for o in ords], device=x.device)
        sel = is_h.index_select(0, cand_img).nonzero().squeeze(1)
        if sel.numel():
            base = cand_base.index_select(0, sel)
            r, g, b_ = (torch.take(xs, base + c * H * W) for c in range(3))
            sh = shift6.index_select(0, cand_img.index_select(0, sel))
            for c, v in enumerate(_hue_rotate(r, g, b_, sh)):
                xv.index_put_((base + c * H * W,), v)
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(perm.numel(), device=perm.device)
    if out is not None:
        return torch.index_select(xs, 0, inverse, out=out)
    return xs.index_select(0, inverse)


#: Most distinct colours per image for the palette form of A (more: :func:`_apply_A_pixels`).
PALETTE_MAX = 8
_LOW = 2 ** 32
_SUB = 64  # images per part of a per-pixel pass of the palette form of A


def _unique_pairs(hi: torch.Tensor, lo: torch.Tensor):
    """Distinct pairs ``(hi, lo)`` (``hi`` indices below 2^31, ``lo`` in ``[0, 2^32)``),
    sorted by ``hi`` then ``lo``, as ``(keys, inverse)`` with ``key = hi 2^32 + lo``."""
    return torch.unique(hi * _LOW + lo, return_inverse=True)


def _bits(t: torch.Tensor) -> torch.Tensor:
    """int32 bit patterns as int64 in ``[0, 2^32)``."""
    return t.long() & (_LOW - 1)


def _select_bits(masks, values, out):
    """Exact per-pixel selection among a few values, on float32 bit patterns:
    ``out = values[0]`` where no mask holds, ``values[j]`` where ``masks[j - 1]`` holds (masks
    disjoint).  ``masks``: int32 0/-1 ``(B, 1, N)``; ``values``: int32 ``(B, C, 1)`` each."""
    v0 = values[0]
    torch.bitwise_and(masks[0], torch.bitwise_xor(values[1], v0), out=out)
    for m, v in zip(masks[1:], values[2:]):
        out ^= m & (v ^ v0)
    out ^= v0
    return out


def _apply_A_split(x, p, out, ok, palette_rest: bool):
    """:func:`_apply_A` on the images where ``ok`` holds; the others again by :func:`_apply_A`
    (``palette_rest``) or per pixel, in chunks of :data:`CHUNK_A_PIXELS` images."""
    sub = lambda i: {n: v.index_select(0, i) for n, v in p.items()}  # noqa: E731
    good = ok.nonzero().squeeze(1)
    rest = (~ok).nonzero().squeeze(1)
    if good.numel():
        out.index_copy_(0, good, _apply_A(x.index_select(0, good), sub(good)))
    if palette_rest:
        out.index_copy_(0, rest, _apply_A(x.index_select(0, rest), sub(rest)))
        return out
    for a in range(0, rest.numel(), CHUNK_A_PIXELS):
        r = rest[a:a + CHUNK_A_PIXELS]
        out.index_copy_(0, r, _apply_A_pixels(x.index_select(0, r), sub(r)))
    return out


def _apply_A(x, p, out=None):
    """Augmentation A on each image's palette of colours, the same bit for bit as
    :func:`_apply_A_pixels` on every pixel.

    Every step of A is a function of the pixel's colour and per-image numbers (contrast: the
    mean luma of the whole current image), so it can run on each image's distinct colours, the
    results then being written to the pixels.  The colours are listed exactly from the runs of
    equal consecutive pixels (compared bit-wise), whatever their number; each pixel's colour is
    then recognised by a key (a channel chosen per image, or the bitwise or / xor of the three)
    whose value differs between all colours of its image, and written by an exact bit-wise
    selection.  The
    mean luma at a contrast step is taken, as on the pixels, over the full luma image (rebuilt
    from the palette).  Images with more runs than a quarter of their pixels (many-coloured
    images), more than :data:`PALETTE_MAX` colours, or colours that no key tells apart take
    the per-pixel path."""
    B, C, H, W = x.shape
    HW = H * W
    dev = x.device
    if dev.type != "cpu":  # a GPU keeps the per-pixel form, without host synchronisation
        return _apply_A_pixels(x, p, out)
    if out is not None and not out.is_contiguous():
        out.copy_(_apply_A(x, p))
        return out
    if out is None:
        out = torch.empty(x.shape, dtype=x.dtype, device=dev)
    if B == 0:
        return out
    xi = x.contiguous().view(B, C, HW).view(torch.int32)
    # runs of equal consecutive pixels (bit-wise): a run starts where some channel changes
    st = torch.empty(B, HW, dtype=torch.bool, device=dev)
    for a in range(0, B, _SUB):  # in parts that stay in the CPU caches
        xa = xi[a:a + _SUB]
        t = torch.bitwise_xor(xa[:, 0, 1:], xa[:, 0, :-1])
        for c in range(1, C):
            t |= torch.bitwise_xor(xa[:, c, 1:], xa[:, c, :-1])
        st[a:a + _SUB, 1:] = t
    st[:, 0] = True
    nruns = st.view(torch.uint8).sum(1, dtype=torch.int32)
    if not bool((nruns * 4 <= HW).all()):  # many-coloured images: per pixel, before any listing
        return _apply_A_split(x, p, out, nruns * 4 <= HW, False)
    st = st.view(-1)
    if st.numel() % 8 == 0:  # scan 8 flags at a time, then within the blocks that have one
        blocks = st.view(torch.int64).nonzero().squeeze(1)
        within = st.view(-1, 8).index_select(0, blocks).nonzero()
        s = blocks.index_select(0, within[:, 0]) * 8 + within[:, 1]
    else:
        s = st.nonzero().squeeze(1)
    img = torch.div(s, HW, rounding_mode="floor")
    base = s + img * ((C - 1) * HW)
    rep = [_bits(torch.take(xi, base + c * HW)) for c in range(C)]
    # A run start whose colour is that of the run start two before it, in the same image (a
    # shape and its background alternate along the rows), adds no colour: dropping it leaves
    # every image's set of colours as it is, and the sorts below see a few entries per image.
    if img.numel() > 2:
        again = img[2:] == img[:-2]
        for c in range(C):
            again &= rep[c][2:] == rep[c][:-2]
        kept = torch.cat((torch.ones(2, dtype=torch.bool, device=dev), ~again)).nonzero().squeeze(1)
        img = img.index_select(0, kept)
        rep = [r.index_select(0, kept) for r in rep]
    # the palette: distinct (image, r, g, b), sorted by image
    k1, i1 = _unique_pairs(img, rep[0])
    k2, i2 = _unique_pairs(i1, rep[1])
    k3, _ = _unique_pairs(i2, rep[2])
    j2 = torch.div(k3, _LOW, rounding_mode="floor")
    j1 = torch.div(k2[j2], _LOW, rounding_mode="floor")
    pimg = torch.div(k1[j1], _LOW, rounding_mode="floor")
    pal = torch.stack((k1[j1], k2[j2], k3), 1).remainder_(_LOW).to(torch.int32)  # (M, 3) bits
    M = pal.shape[0]
    k = torch.bincount(pimg, minlength=B)
    # A key telling the colours of each image apart: one channel per image (the first that
    # does), else the bitwise or / xor of the three channels for the whole chunk.
    few = k <= PALETTE_MAX

    def separates(kv):  # (B,) bool: key values kv (M,) differ between all colours of an image
        return torch.bincount(torch.div(torch.unique(pimg * _LOW + _bits(kv)), _LOW,
                                        rounding_mode="floor"), minlength=B) == k

    sep_c = torch.stack([separates(pal[:, c]) for c in range(C)], 1)  # (B, C)
    chan = sep_c.to(torch.uint8).argmax(1)  # the first channel that separates (0 if none)
    seps = [sep_c.any(1)]
    if not bool((seps[0] | ~few).all()):
        seps += [separates(pal[:, 0] | pal[:, 1] | pal[:, 2]), separates(pal[:, 0] ^ pal[:, 1] ^ pal[:, 2])]
    sep = torch.stack(seps, 1)
    ki = int((sep & few.view(-1, 1)).sum(0).argmax())
    ok = few & sep[:, ki]
    if not bool(ok.all()):  # the others by another key, or per pixel
        return _apply_A_split(x, p, out, ok, bool(ok.any() and (few & sep.any(1) & ~ok).any()))
    first = torch.cumsum(k, 0) - k
    rank = torch.arange(M, device=dev) - first[pimg]
    K = int(k.max())
    vals = torch.full((B, K), -1, dtype=torch.int32, device=dev)  # -1: bits of a NaN, no pixel's key
    if ki == 0:
        vals[pimg, rank] = pal.gather(1, chan.long().index_select(0, pimg).view(-1, 1)).squeeze(1)
        rows = torch.arange(B, device=dev) * C + chan.long()
        key = xi.reshape(B * C, HW).index_select(0, rows).view(B, 1, HW)
    elif ki == 1:
        vals[pimg, rank] = pal[:, 0] | pal[:, 1] | pal[:, 2]
        key = (xi[:, 0:1] | xi[:, 1:2]).bitwise_or_(xi[:, 2:3])
    else:
        vals[pimg, rank] = pal[:, 0] ^ pal[:, 1] ^ pal[:, 2]
        key = (xi[:, 0:1] ^ xi[:, 1:2]).bitwise_xor_(xi[:, 2:3])
    # -1 where the pixel has colour j, else 0
    masks = [torch.eq(key, vals[:, j].view(B, 1, 1), out=torch.empty(B, 1, HW, dtype=torch.int32,
                                                                      device=dev)).neg_()
             for j in range(1, K)]
    ent = pal.view(torch.float32)  # (M, 3) colours
    # the chain on the palette
    f = {n: p[n].double() for n in JITTER_NAMES}
    fs = {n: v.to(x.dtype) for n, v in f.items()}
    gs = {n: (1.0 - v).to(x.dtype) for n, v in f.items()}
    shift6 = (6.0 * f["hue"]).to(x.dtype)[pimg]
    ent = torch.where(p["gray"][pimg].view(-1, 1), luma(ent).expand(M, C), ent)
    order = p["order"]
    zero = torch.zeros(B, dtype=x.dtype, device=dev)
    # per entry and slot: the factor f (1 for the hue), and 1 - f for the saturation (else 0)
    fe = torch.stack((fs["brightness"], fs["contrast"], fs["saturation"], zero + 1.0), 1)
    fe = fe.gather(1, order).index_select(0, pimg)
    ge = torch.where(order == 2, gs["saturation"].view(-1, 1), 0.0).index_select(0, pimg)
    op_e = order.index_select(0, pimg)
    cslot = (order == 1).to(torch.uint8).argmax(1)
    for slot in range(4):
        l = luma(ent)  # (M, 1)
        # base: (1 - f) mean for the contrast, (1 - f) luma for the saturation, else 0
        ci = (cslot == slot).nonzero().squeeze(1)
        gm = zero
        if ci.numel():
            n = ci.numel()
            L = torch.zeros(B, K, dtype=torch.int32, device=dev)
            L[pimg, rank] = l.squeeze(1).view(torch.int32)
            L = L.index_select(0, ci)
            lum = torch.empty(n, 1, HW, dtype=torch.int32, device=dev)
            if K == 1:
                lum.copy_(L[:, :1].view(n, 1, 1).expand(n, 1, HW))
            else:
                _select_bits([m.index_select(0, ci) for m in masks],
                             [L[:, j].view(n, 1, 1) for j in range(K)], lum)
            m = lum.view(torch.float32).view(n, 1, H, W).mean(dim=(-2, -1), keepdim=True).view(n)
            gm = zero.index_copy(0, ci, gs["contrast"].index_select(0, ci) * m)
        base = torch.addcmul(gm.index_select(0, pimg).view(-1, 1), l, ge[:, slot:slot + 1])
        ent = torch.addcmul(base, ent, fe[:, slot:slot + 1]).clamp_(0.0, 1.0)
        hi = (op_e[:, slot] == 3).nonzero().squeeze(1)
        if hi.numel():
            ent.index_copy_(0, hi, _hue_rotate_rows(ent.index_select(0, hi), shift6.index_select(0, hi)))
    O = torch.zeros(B, K, C, dtype=torch.int32, device=dev)
    O[pimg, rank] = ent.view(torch.int32)
    ov = out.view(B, C, HW).view(torch.int32)
    if K == 1:
        ov.copy_(O[:, 0].view(B, C, 1).expand(B, C, HW))
    else:
        for a in range(0, B, _SUB):
            _select_bits([m[a:a + _SUB] for m in masks], [O[a:a + _SUB, j].view(-1, C, 1) for j in range(K)],
                         ov[a:a + _SUB])
    return out


def _f32(t: torch.Tensor) -> torch.Tensor:
    return t.to(torch.float32)


def _prepare_B(p: dict) -> dict:
    """Per-image numbers of B's pixel pass, computed once per batch: the crop as float32 and
    the rotation's inverse matrix ``(B, 6)``."""
    return {"top": _f32(p["crop_top"]), "left": _f32(p["crop_left"]),
            "height": _f32(p["crop_height"]), "width": _f32(p["crop_width"]),
            "rotation": _f32(rotation_matrix(p["angle"]))}


def _pixels_B(x, q, out=None):
    size = IMAGE_SIZE + 2 * B_PAD
    rows, cols = _grid(x.device)
    # crop + resize (separable: (B, H, 1) and (B, 1, W)), then the rotation of the padded image
    rows, cols = resized_crop_source(rows, cols, q["top"], q["left"], q["height"], q["width"])
    rows, cols, _ = affine_source(rows, cols, q["rotation"], size, with_valid=False)
    # A source outside the padded image is outside the image too: the clamp in gather covers it.
    return gather(x, rows, cols, None, B_PAD, out=out, overwrite=True)


_IDENTITY_PERSPECTIVE = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
_IDENTITY_AFFINE = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def _prepare_C(p: dict) -> dict:
    """Per-image numbers of C's pixel pass, computed once per batch: both rotations' inverse
    matrices, the crop, and the warps (identity where an image is not warped)."""
    dev = p["warp"].device
    warp = p["warp"].view(-1, 1)
    coeffs = perspective_coeffs(p["startpoints"], p["endpoints"])
    coeffs = torch.where(warp, coeffs, torch.tensor(_IDENTITY_PERSPECTIVE, device=dev))
    zero = torch.zeros_like(p["shear_x"])
    m = inverse_affine_matrix(zero, (p["tx"], p["ty"]), (p["shear_x"], p["shear_y"]))
    m = torch.where(warp, m, torch.tensor(_IDENTITY_AFFINE, dtype=m.dtype, device=dev))
    return {"rotation2": _f32(rotation_matrix(p["angle2"])),
            "top": _f32(p["crop_top"]), "left": _f32(p["crop_left"]),
            "height": _f32(p["crop_height"]), "width": _f32(p["crop_width"]),
            "perspective": _f32(coeffs), "affine": _f32(m),
            "rotation1": _f32(rotation_matrix(p["angle1"]))}


def _pixels_C(x, q, out=None):
    size = IMAGE_SIZE + 2 * C_PAD
    rows, cols = _grid(x.device)
    # Last operation first: rotation of the 64 x 64 crop, the crop, the warps, the rotation.
    rows, cols, valid = affine_source(rows, cols, q["rotation2"], IMAGE_SIZE)
    rows, cols = resized_crop_source(rows, cols, q["top"], q["left"], q["height"], q["width"])
    rows, cols, v = perspective_source(rows, cols, q["perspective"], size)
    valid = valid * v
    rows, cols, v = affine_source(rows, cols, q["affine"], size)
    valid.mul_(v)
    rows, cols, _ = affine_source(rows, cols, q["rotation1"], size, with_valid=False)
    return gather(x, rows, cols, valid, C_PAD, out=out, overwrite=True)


def _chunk(name: str) -> int:
    """Images per chunk of a CPU pixel pass: about :data:`CHUNK` per intra-op thread, so that
    every thread's share of an operation stays in its caches while the operations are large
    enough to be split between threads (A: :data:`CHUNK_A`)."""
    if name == "A":
        return CHUNK_A
    return CHUNK * max(1, torch.get_num_threads())


_PREPARE = {"A": dict, "B": _prepare_B, "C": _prepare_C}  # A uses its numbers as drawn
_PIXELS = {"A": _apply_A, "B": _pixels_B, "C": _pixels_C}


def apply_params(images: torch.Tensor, name: str, params: dict) -> torch.Tensor:
    """Apply augmentation ``name`` with given per-image ``params`` (from :func:`sample_params`)."""
    _check_name(name)
    check_images(images)
    dev = images.device
    p = {k: v.to(dev) for k, v in params.items()}
    n = images.shape[0]
    bad = [k for k, v in p.items() if v.shape[0] != n]
    if bad:
        raise ValueError(f"params {bad} do not have one entry per image ({n})")
    chunk = _chunk(name)
    q = _PREPARE[name](p)  # the per-image numbers of the geometric maps, once for the batch
    if n <= chunk or images.device.type != "cpu":
        return _PIXELS[name](images, q)
    # Chunks keep each operation's tensors in the CPU caches (2-3x faster than one pass over a
    # large batch); every operation still runs on a whole chunk.
    out = torch.empty_like(images)
    for s in range(0, n, chunk):
        _PIXELS[name](images[s:s + chunk], {k: v[s:s + chunk] for k, v in q.items()}, out=out[s:s + chunk])
    return out


def augment(images: torch.Tensor, name: str, *, generator: torch.Generator) -> torch.Tensor:
    """Augment a batch: float32 ``(B, 3, 64, 64)`` in [0, 1] -> float32 ``(B, 3, 64, 64)`` in
    [0, 1], on the images' device; parameters drawn per image from ``generator``."""
    _check_name(name)
    check_images(images)
    params = sample_params(name, images.shape[0], generator=generator)
    return apply_params(images, name, params)
