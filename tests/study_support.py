"""Shared by the study tests: where the shared datasets are, and checked notebook parameters."""

from pathlib import Path

from helpers.data.locate import shared_data_dir
from helpers.studies.common.parameters import check_parameters

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = shared_data_dir()


def parameters(tmp_path, profile="smoke", **overrides):
    """A study's checked parameters writing into ``tmp_path`` (CPU, one seed, the profile's defaults)."""
    values = dict(profile=profile, data_dir=None, device="cpu", seeds=[0], epochs=None, batch_size=None,
                  output_dir=tmp_path)
    return check_parameters(**{**values, **overrides})
