"""The homework's encoder and decoder."""

import pytest
import torch

from numerics.shapes.models import Autoencoder, Decoder, Encoder, normalize_images


@pytest.mark.parametrize("d", [1, 16, 128])
def test_encoder_shapes_and_layers(d):
    enc = Encoder(d)
    assert enc(torch.rand(2, 3, 64, 64)).shape == (2, d)
    convs = [m for m in enc.convs if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(3, 32), (32, 64), (64, 128), (128, 256),
                                                                (256, 512), (512, d)]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) and c.padding == (1, 1) for c in convs)
    assert sum(isinstance(m, torch.nn.ReLU) for m in enc.convs) == 5
    assert isinstance(enc.fc, torch.nn.Linear) and enc.fc.in_features == enc.fc.out_features == d


def test_contrastive_encoder_has_unit_rows():
    z = Encoder(32, normalize=True)(torch.rand(4, 3, 64, 64))
    assert torch.allclose(z.norm(dim=1), torch.ones(4), atol=1e-6)


def test_decoder_mirrors_and_has_no_output_activation():
    dec = Decoder(16)
    deconvs = [m for m in dec.deconvs if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels) for c in deconvs] == [(16, 512), (512, 256), (256, 128), (128, 64),
                                                                  (64, 32), (32, 3)]
    assert isinstance(dec.deconvs[-1], torch.nn.ConvTranspose2d)
    out = dec(torch.randn(3, 16))
    assert out.shape == (3, 3, 64, 64)


def test_autoencoder_round_trip_shape():
    x = torch.rand(2, 3, 64, 64)
    assert Autoencoder(8)(x).shape == x.shape


def test_normalize_images_maps_unit_interval_to_symmetric():
    x = torch.tensor([-0.2, 0.0, 0.5, 1.0, 1.7]).view(1, 1, 1, 5).expand(1, 3, 64, 5)
    y = normalize_images(x)
    assert torch.allclose(y[0, 0, 0], torch.tensor([-1.0, -1.0, 0.0, 1.0, 1.0]))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="latent size"):
        Encoder(0)
    with pytest.raises(ValueError, match="shape"):
        Encoder(8)(torch.rand(2, 3, 32, 32))
    with pytest.raises(ValueError, match="floating"):
        Encoder(8)(torch.zeros(2, 3, 64, 64, dtype=torch.uint8))
    with pytest.raises(ValueError, match="latents"):
        Decoder(8)(torch.rand(2, 9))


# --- the centred initialization -------------------------------------------------------------

def _rendered(n=256, seed=0):
    from numerics.shapes.render import make_dataset

    images, _ = make_dataset(n, seed)
    return normalize_images(images.float() / 255)


def _mean_cosine(enc, x):
    with torch.no_grad():
        z = torch.nn.functional.normalize(enc(x), dim=1)
    c = z @ z.T
    return float(c[~torch.eye(len(x), dtype=torch.bool)].mean())


def test_default_init_maps_rendered_images_to_nearly_one_point_and_centred_spreads_them():
    from numerics.shapes.models import init_centred_

    x = _rendered()
    torch.manual_seed(0)
    enc = Encoder(128, normalize=True)
    assert _mean_cosine(enc, x) > 0.999  # the plateau at log b: every logit is about 1 / tau
    init_centred_(enc, x)
    assert abs(_mean_cosine(enc, x)) < 0.05
    held_out = _rendered(256, seed=1)  # images the initialization did not see
    assert abs(_mean_cosine(enc, held_out)) < 0.1


def test_centred_init_gives_unit_variance_zero_mean_preactivations_layer_by_layer():
    """Reference: each convolution's output recomputed directly from the layer below."""
    from numerics.shapes.models import init_centred_

    x = _rendered(64)
    torch.manual_seed(1)
    enc = init_centred_(Encoder(32), x)
    h = x
    with torch.no_grad():
        for layer in enc.convs:
            if isinstance(layer, torch.nn.Conv2d):
                pre = torch.nn.functional.conv2d(h, layer.weight, layer.bias, stride=2, padding=1)
                dims = (0, 2, 3)
                assert torch.allclose(pre.mean(dims), torch.zeros(pre.shape[1]), atol=1e-4)
                # the last conv's output is 1x1: a channel's std over 64 images is still 1
                assert torch.allclose(pre.std(dims), torch.ones(pre.shape[1]), atol=1e-3)
            h = layer(h)
        z = enc.fc(h.flatten(1))
    assert torch.allclose(z.mean(0), torch.zeros(32), atol=1e-4)


def test_centred_init_is_deterministic_and_validates():
    from numerics.shapes.models import init_centred_

    x = _rendered(32)
    a, b = Encoder(16), Encoder(16)
    torch.manual_seed(3)
    init_centred_(a, x)
    torch.manual_seed(3)
    init_centred_(b, x)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    with pytest.raises(ValueError, match="at least 2"):
        init_centred_(Encoder(8), x[:1])
    with pytest.raises(ValueError, match="Encoder"):
        init_centred_(Decoder(8), x)
