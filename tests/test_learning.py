"""A short WGAN-GP run must actually learn: cover the modes of 8 Gaussians."""
from helpers import learn_8_gaussians


def test_wgan_gp_covers_the_modes_of_8_gaussians():
    """The paper's toy setup shrunk to fit the slower CPU kind (see ``helpers.learn_8_gaussians``)."""
    modes, quality = learn_8_gaussians()
    assert modes >= 7, f"only {modes}/8 modes covered"
    assert quality >= 0.8, f"only {quality:.3f} of samples within 0.1 of a centre"
