"""Progress reporting: a bar in terminals and JupyterLab, one line per epoch in logs and batch runs."""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def resolve_progress_mode(mode: str) -> str:
    """'bar', 'epoch' or 'none' for a configured mode ('auto' decides from where output goes: bars
    in a terminal or a notebook kernel, one line per epoch otherwise)."""
    if mode != "auto":
        return mode
    in_notebook_kernel = "ipykernel" in sys.modules
    return "bar" if in_notebook_kernel or sys.stderr.isatty() else "epoch"


class EpochProgress:
    """Reports one epoch's progress: a bar updated per step, or a single line at the end."""

    def __init__(self, mode: str, *, epoch: int, num_epochs: int, num_steps: int, label: str = ""):
        self.mode = mode
        self.prefix = f"{label} " if label else ""
        self.epoch_label = f"epoch {epoch}/{num_epochs}"
        self.bar = (
            tqdm(total=num_steps, desc=f"{self.prefix}{self.epoch_label}", unit="step", leave=True, dynamic_ncols=True)
            if mode == "bar"
            else None
        )

    def step(self) -> None:
        """Advance by one optimizer step."""
        if self.bar is not None:
            self.bar.update(1)

    def finish(self, summary: dict[str, Any]) -> None:
        """Show the epoch's summary numbers and close the bar (or print the epoch's line)."""
        text = "  ".join(f"{key} {_format(value)}" for key, value in summary.items())
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=True)
            self.bar.close()
        elif self.mode == "epoch":
            print(f"{self.prefix}{self.epoch_label}  {text}", flush=True)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
