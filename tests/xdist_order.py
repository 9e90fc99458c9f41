"""The order pytest-xdist hands test files to its workers (``--dist loadfile``, as
``python3 manage.py test`` runs, with one worker more than the cores): the longest first.

xdist hands out whole files, by default the file with the most tests first. Some of the
longest files have few tests (``test_backends_agree``: 5 tests, 11 s), so they came last, and
the other workers sat idle while the last one finished them. Handing out the longest first
(the classic longest-processing-time rule) leaves only short files for the end, where the
workers even out. Only the order changes: every test still runs, once, in its file's worker.

``SECONDS`` is a small maintained list: each file's setup + call + teardown, summed from
``pytest -n 2 --dist loadfile --durations=0`` (2026-11-30; rough figures are enough). A file not
listed is weighed by its number of tests. Registered by ``tests/conftest.py``
(``pytest_plugins``); without xdist (``-p no:xdist``) the hook is never asked.
"""

from __future__ import annotations

from typing import Any

import pytest

SECONDS = {
    "tests/store/test_store.py": 15,
    "tests/store/test_backends_agree.py": 11,
    "tests/adapters/console/test_console.py": 8,
    "tests/store/test_cached_store.py": 8,
    "tests/adapters/discord/test_faults_database.py": 7,
    "tests/adapters/discord/test_discord_e2e.py": 6,
    "tests/core/test_permissions.py": 5,
    "tests/core/reading/test_service.py": 5,
    "tests/core/moderation/test_service.py": 4,
    "tests/adapters/discord/test_faults_e2e.py": 4,
    "tests/test_curated_loading.py": 4,
    "tests/adapters/discord/digest/test_digest_e2e.py": 4,
    "tests/core/digest/test_service.py": 4,
    "tests/adapters/discord/test_faults_gateway.py": 3,
    "tests/adapters/console/test_tty.py": 3,
    "tests/store/test_faults_store.py": 3,
    "tests/test_fakediscord.py": 3,
    "tests/adapters/http/test_ops_http.py": 3,
    "tests/adapters/discord/moderation/test_report_e2e.py": 3,
    "tests/test_faults_timeouts.py": 3,
    "tests/adapters/discord/digest/test_faults.py": 3,
    "tests/test_faults_outages.py": 3,
}
PER_TEST = 0.05
"""Seconds a test of a file not in ``SECONDS`` is taken to cost (most take a few ms)."""


def weight(scope: str, tests: int) -> float:
    """How long the file ``scope`` (a path relative to the root, as xdist names it) is
    expected to take with ``tests`` tests."""
    return SECONDS.get(scope, tests * PER_TEST)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """For ``--dist loadfile``, a scheduler that hands out the heaviest file left."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):  # type: ignore[misc]
        def _assign_work_unit(self, node: Any) -> None:
            # ``workqueue``: file -> {test id: done}, in hand-out order; the base class hands
            # out the first entry.
            heaviest = max(self.workqueue, key=lambda s: weight(s, len(self.workqueue[s])))
            self.workqueue.move_to_end(heaviest, last=False)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)
