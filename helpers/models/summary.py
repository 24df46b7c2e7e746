"""Parameter counts and torchsummary-style layer tables (the form of study 5's Figures 2 and 3)."""

from __future__ import annotations

import math

import pandas as pd
import torch
from torch import nn

BYTES_PER_VALUE = 4  # torchsummary's size estimates assume float32
MEBIBYTE = 1024**2
TOTAL_LABELS = {"total_params": "Total params", "trainable_params": "Trainable params",
                "non_trainable_params": "Non-trainable params"}


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameter values in ``model`` (only those with ``requires_grad`` if asked)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _is_listed(module: nn.Module, model: nn.Module) -> bool:
    # torchsummary's rule: every module but pure containers and the model itself gets a row, so
    # residual blocks appear (after their children, when their forward returns).
    return module is not model and not isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict))


def _tensors(output: object) -> list[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, (list, tuple)):
        return [item for item in output if isinstance(item, torch.Tensor)]
    return []


def _shape_text(tensors: list[torch.Tensor]) -> str:
    shapes = [[-1, *tensor.shape[1:]] for tensor in tensors]  # -1: any batch size
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def summary(model: nn.Module, input_size: tuple[int, int, int], *, device: str | torch.device = "cpu") -> pd.DataFrame:
    """One row per module call in forward order: ``layer``, ``output_shape``, ``params``.

    Runs a zero batch of 2 images of shape ``input_size`` (C, H, W) through ``model`` in eval mode
    without gradients, with forward hooks on every module except ``nn.Sequential``/``ModuleList``/
    ``ModuleDict`` containers and the model itself, like torchsummary: rows are numbered in the
    order the modules finish (so ``BasicBlock-8`` follows its convs), and ``params`` counts only a
    module's own parameters (0 for a block). ``device`` must be where the model's parameters are.

    ``df.attrs`` holds ``total_params``, ``trainable_params``, ``non_trainable_params`` and
    torchsummary's size estimates in MB (``input_size_mb``, ``forward_backward_mb``,
    ``params_size_mb``, ``total_size_mb``). Every module's training mode is restored and every
    hook removed afterwards, also on error. The global random state is not touched.
    """
    rows: list[dict[str, object]] = []
    output_values = 0  # per image, summed over rows, for the forward/backward size estimate

    def record(module: nn.Module, inputs: object, output: object) -> None:
        nonlocal output_values
        tensors = _tensors(output)
        output_values += sum(math.prod(tensor.shape[1:]) for tensor in tensors)
        rows.append({"layer": f"{type(module).__name__}-{len(rows) + 1}", "output_shape": _shape_text(tensors),
                     "params": sum(p.numel() for p in module.parameters(recurse=False))})

    modes = {module: module.training for module in model.modules()}
    handles = [module.register_forward_hook(record) for module in model.modules() if _is_listed(module, model)]
    try:
        model.eval()
        dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)
        images = torch.zeros(2, *input_size, device=device, dtype=dtype)
        with torch.no_grad():
            model(images)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training

    table = pd.DataFrame(rows, columns=["layer", "output_shape", "params"]).astype({"params": "int64"})
    total, trainable = count_parameters(model), count_parameters(model, trainable_only=True)
    sizes = {"input_size_mb": math.prod(input_size) * BYTES_PER_VALUE / MEBIBYTE,
             "forward_backward_mb": 2 * output_values * BYTES_PER_VALUE / MEBIBYTE,  # x2: gradients
             "params_size_mb": total * BYTES_PER_VALUE / MEBIBYTE}
    table.attrs.update(total_params=total, trainable_params=trainable, non_trainable_params=total - trainable,
                       **sizes, total_size_mb=sum(sizes.values()))
    return table


def summary_totals(table: pd.DataFrame) -> pd.DataFrame:
    """The totals of a :func:`summary` table, indexed "Total params", "Trainable params",
    "Non-trainable params", with an integer ``count`` and a ``formatted`` string ("4,815,940")."""
    counts = [int(table.attrs[key]) for key in TOTAL_LABELS]
    return pd.DataFrame({"count": counts, "formatted": [f"{count:,}" for count in counts]},
                        index=pd.Index(list(TOTAL_LABELS.values()), name="item"))


def format_summary(table: pd.DataFrame) -> str:
    """The :func:`summary` table as torchsummary prints it (the text of study 5's Figures 2-3)."""
    rule, double = "-" * 64, "=" * 64
    lines = [rule, f"{'Layer (type)':>20}  {'Output Shape':>25} {'Param #':>15}", double]
    lines += [f"{row.layer:>20}  {row.output_shape:>25} {row.params:>15,}" for row in table.itertuples()]
    lines.append(double)
    lines += [f"{label}: {table.attrs[key]:,}" for key, label in TOTAL_LABELS.items()]
    lines.append(rule)
    attrs = table.attrs
    lines += [f"Input size (MB): {attrs['input_size_mb']:.2f}",
              f"Forward/backward pass size (MB): {attrs['forward_backward_mb']:.2f}",
              f"Params size (MB): {attrs['params_size_mb']:.2f}",
              f"Estimated Total Size (MB): {attrs['total_size_mb']:.2f}", rule]
    return "\n".join(lines)
