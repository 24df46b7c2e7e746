"""Study 2's three networks as each profile builds them: their parameter counts per dataset (the
notebook's model table) and per network for the paper's claim about parameters (the findings)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.models import count_parameters, create_model
from helpers.runs import RunOutcome
from helpers.studies.s02_plain_nets.recipe import IN_CHANNELS, MODELS, model_options


def model_table(profile: str = "paper") -> pd.DataFrame:
    """Parameter count of each network for each dataset, as ``profile`` builds it (LeNet's and
    AlexNet's do not depend on the image size; the input channels change the first conv)."""
    rows = []
    for model, registry_name in MODELS.items():
        options = model_options(model, profile)
        row = {"model": model, "registry name": registry_name, "options": options or ""}
        for dataset, channels in IN_CHANNELS.items():
            network = create_model(registry_name, in_channels=channels, seed=0, **options)
            row[f"params ({dataset})"] = count_parameters(network)
        rows.append(row)
    return pd.DataFrame(rows)


def network_parameters(outcomes: Sequence[RunOutcome]) -> dict[str, int]:
    """Parameters per network at 3 input channels, from this run's CIFAR-10 runs where there are all three."""
    params = {outcome.spec.labels["model"]: int(outcome.metrics["params"]) for outcome in outcomes
              if outcome.spec.labels["dataset"] == "CIFAR-10"}
    return params if len(params) == len(MODELS) else dict(model_table().set_index("model")["params (CIFAR-10)"])
