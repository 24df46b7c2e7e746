"""Shared by every test folder: the support modules (``study_support``, ``data_support``) live
beside this file, and tests in the sub-folders (which mirror ``helpers/``) import them by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
