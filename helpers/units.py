"""The units accuracies are recorded in, and the factor that turns each into percent.

The library stores accuracies as fractions in [0, 1]; papers often print percent. Plain data with
no imports, so that both :mod:`helpers.studies.common.paper_tables` and the torch-free batch tooling can use it.
"""

from __future__ import annotations

UNITS = ("fraction", "percent")
PERCENT_PER_UNIT = {"fraction": 100.0, "percent": 1.0}  # value * factor = percent (or percentage points)
