"""Study 5's Figures 2 and 3: each model's layer table (layer, output shape, parameters) in
torchsummary's form, and its totals beside the paper's."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from helpers.models import create_model, format_summary, summary, summary_totals
from helpers.studies.s05_small_resnets.paper import INPUT_SIZE, MODELS, PAPER_LAYER_TABLES, PAPER_PARAMS


def layer_table(model: str) -> pd.DataFrame:
    """Figure 2 ('ResNet18') or 3 ('ResNetLarge'): layer, output shape, parameters (torchsummary's form)."""
    return summary(create_model(MODELS[model]), INPUT_SIZE)


def layer_tables() -> dict[str, pd.DataFrame]:
    """Figures 2 and 3: the layer table of each model, by the paper's model name."""
    return {model: layer_table(model) for model in MODELS}


def layer_text(table: pd.DataFrame) -> str:
    """The layer table as torchsummary prints it, totals and size estimates included."""
    return format_summary(table)


def layer_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Total, trainable and non-trainable parameters of a layer table."""
    return summary_totals(table)


def layer_check(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Figures 2-3 as printed beside ours: parameters, rows and torchsummary's size estimates."""
    rows = []
    for model, table in tables.items():
        paper = {"params": PAPER_PARAMS[model], **PAPER_LAYER_TABLES[model]}
        here = {"params": table.attrs["total_params"], "rows": len(table),
                **{key: round(table.attrs[key], 2)
                   for key in ("forward_backward_mb", "params_size_mb", "total_size_mb")}}
        rows += [{"model": model, "item": key, "paper": paper[key], "this run": here[key],
                  "difference": round(here[key] - paper[key], 2)} for key in paper]
    return pd.DataFrame(rows)
