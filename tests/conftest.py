"""Shared by every test folder: the support modules (``study_support``, ``data_support``,
``batch_support``) live beside this file, and tests in the sub-folders (which mirror ``helpers/``)
import them by name.

The main job's smoke batch (``batch_support``) starts in the background as soon as a test that
reads it is collected, and those tests run last, so that its minutes overlap the rest of the suite.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import batch_support  # noqa: E402  (found through the path above)

SMOKE_BATCH = pytest.StashKey[batch_support.SmokeBatch]()


def pytest_collection_modifyitems(config, items):
    """Move the tests that read the smoke batch to the end and start the batch now."""
    main_job = [item for item in items if batch_support.FIXTURE in getattr(item, "fixturenames", ())]
    if not main_job or config.option.collectonly:
        return
    items[:] = [item for item in items if batch_support.FIXTURE not in getattr(item, "fixturenames", ())] + main_job
    config.stash[SMOKE_BATCH] = batch_support.start()


def pytest_unconfigure(config):
    """Stop a batch still running (the session ended early) and remove its folder."""
    batch = config.stash.get(SMOKE_BATCH, None)
    if batch is not None:
        batch_support.stop(batch)


@pytest.fixture(scope="session")
def smoke_batch(request) -> dict:
    """The finished smoke batch of this session (started at collection; started here if not)."""
    batch = request.config.stash.get(SMOKE_BATCH, None)
    if batch is None:
        batch = request.config.stash[SMOKE_BATCH] = batch_support.start()
    return batch_support.wait_for(batch)
