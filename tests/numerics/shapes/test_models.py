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
