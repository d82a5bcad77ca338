"""Per-image references for the batched augmentations of :mod:`numerics.shapes.augment`.

- :func:`sequential`: one image at a time, each operation applied to the whole (padded) image
  in turn with ``grid_sample(mode="nearest")`` and ``interpolate(mode="nearest")``, exactly as
  the operations are defined; no index-map composition.  It needs only torch.
- :func:`torchvision_pipeline`: the same image through torchvision's functional ops with the
  same parameters (needs the optional ``torchvision``).

Both take one float image ``(3, 64, 64)`` in [0, 1] and the parameters of that image (the
``i``-th entry of every tensor from :func:`numerics.shapes.augment.sample_params`, see
:func:`params_of`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from . import augment as aug


def params_of(params: dict, i: int) -> dict:
    """The parameters of image ``i`` as plain Python values (lists for point arrays)."""
    out = {}
    for k, v in params.items():
        t = v[i].cpu()
        out[k] = t.tolist() if t.ndim else t.item()
    return out


def _grid_sample(img, src_x, src_y):
    """Sample ``img`` (C, H, W) at pixel coordinates (nearest, zeros outside) via grid_sample."""
    C, H, W = img.shape
    gx = (src_x + 0.5) / (W * 0.5) - 1.0
    gy = (src_y + 0.5) / (H * 0.5) - 1.0
    grid = torch.stack((gx, gy), -1).unsqueeze(0).to(img.dtype)
    return F.grid_sample(img.unsqueeze(0), grid, mode="nearest", padding_mode="zeros",
                         align_corners=False)[0]


def _affine(img, matrix):
    C, H, W = img.shape
    m = torch.as_tensor(matrix, dtype=torch.float32)
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float32), torch.arange(W, dtype=torch.float32),
                            indexing="ij")
    xc, yc = xs - (W * 0.5 - 0.5), ys - (H * 0.5 - 0.5)
    sx = m[0] * xc + m[1] * yc + m[2] + (W * 0.5 - 0.5)
    sy = m[3] * xc + m[4] * yc + m[5] + (H * 0.5 - 0.5)
    return _grid_sample(img, sx, sy)


def _perspective(img, coeffs):
    C, H, W = img.shape
    c = torch.as_tensor(coeffs, dtype=torch.float32)
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float32) + 0.5,
                            torch.arange(W, dtype=torch.float32) + 0.5, indexing="ij")
    den = c[6] * xs + c[7] * ys + 1.0
    return _grid_sample(img, (c[0] * xs + c[1] * ys + c[2]) / den - 0.5,
                        (c[3] * xs + c[4] * ys + c[5]) / den - 0.5)


def _resized_crop(img, top, left, h, w, out=aug.IMAGE_SIZE):
    crop = img[:, top:top + h, left:left + w]
    return F.interpolate(crop.unsqueeze(0), size=(out, out), mode="nearest")[0]


def _rot(angle):
    return aug.rotation_matrix(torch.tensor([float(angle)]))[0].tolist()


def sequential(img: torch.Tensor, name: str, p: dict) -> torch.Tensor:
    """Augment one image ``(3, 64, 64)`` by applying each operation in turn (the definition)."""
    x = img.unsqueeze(0)
    if name == "A":
        one = lambda v: torch.tensor([v], dtype=torch.float64)  # noqa: E731
        if p["gray"]:
            x = aug.grayscale(x)
        for j in p["order"]:
            x = aug._JITTER[j](x, one(p[aug.JITTER_NAMES[j]]))
        return x[0]
    if name == "B":
        x = F.pad(img, [aug.B_PAD] * 4)
        x = _affine(x, _rot(p["angle"]))
        return _resized_crop(x, p["crop_top"], p["crop_left"], p["crop_height"], p["crop_width"])
    if name == "C":
        x = F.pad(img, [aug.C_PAD] * 4)
        x = _affine(x, _rot(p["angle1"]))
        if p["warp"]:
            t = lambda v: torch.tensor([float(v)])  # noqa: E731
            m = aug.inverse_affine_matrix(t(0), (t(p["tx"]), t(p["ty"])), (t(p["shear_x"]), t(p["shear_y"])))
            x = _affine(x, m[0].tolist())
            coeffs = aug.perspective_coeffs(torch.tensor([p["startpoints"]]), torch.tensor([p["endpoints"]]))
            x = _perspective(x, coeffs[0].tolist())
        x = _resized_crop(x, p["crop_top"], p["crop_left"], p["crop_height"], p["crop_width"])
        return _affine(x, _rot(p["angle2"]))
    raise ValueError(f"unknown augmentation {name!r}; expected one of {', '.join(aug.NAMES)}")


def torchvision_pipeline(img: torch.Tensor, name: str, p: dict) -> torch.Tensor:
    """Augment one image with torchvision's functional ops and the given parameters."""
    import torchvision.transforms.functional as TF
    from torchvision.transforms import InterpolationMode

    NEAREST = InterpolationMode.NEAREST
    if name == "A":
        x = img
        if p["gray"]:
            x = TF.rgb_to_grayscale(x, num_output_channels=3)
        fns = (TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue)
        for j in p["order"]:
            x = fns[j](x, p[aug.JITTER_NAMES[j]])
        return x
    if name == "B":
        x = TF.pad(img, aug.B_PAD, fill=0)
        x = TF.rotate(x, p["angle"], interpolation=NEAREST, fill=0)
        return TF.resized_crop(x, p["crop_top"], p["crop_left"], p["crop_height"], p["crop_width"],
                               [aug.IMAGE_SIZE, aug.IMAGE_SIZE], interpolation=NEAREST, antialias=False)
    if name == "C":
        x = TF.pad(img, aug.C_PAD, fill=0)
        x = TF.rotate(x, p["angle1"], interpolation=NEAREST, fill=0)
        if p["warp"]:
            x = TF.affine(x, angle=0.0, translate=[int(p["tx"]), int(p["ty"])], scale=1.0,
                          shear=[p["shear_x"], p["shear_y"]], interpolation=NEAREST, fill=0)
            x = TF.perspective(x, p["startpoints"], p["endpoints"], interpolation=NEAREST, fill=0)
        x = TF.resized_crop(x, p["crop_top"], p["crop_left"], p["crop_height"], p["crop_width"],
                            [aug.IMAGE_SIZE, aug.IMAGE_SIZE], interpolation=NEAREST, antialias=False)
        return TF.rotate(x, p["angle2"], interpolation=NEAREST, fill=0)
    raise ValueError(f"unknown augmentation {name!r}; expected one of {', '.join(aug.NAMES)}")
