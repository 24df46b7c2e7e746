"""The units accuracies are recorded in, and the factor that turns each into percent.

The library stores accuracies as fractions in [0, 1]; papers often print percent. Plain data with
no imports, so that the studies' paper tables and the torch-free batch tooling can both use it.
"""

from __future__ import annotations

UNITS = ("fraction", "percent")
PERCENT_PER_UNIT = {"fraction": 100.0, "percent": 1.0}  # value * factor = percent (or percentage points)
