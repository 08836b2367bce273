"""Run `flask --app api import ...` that stops (sleeps) after N features: for the kill -9 test.

Usage: python -m tests.pause_import N <import arguments>. The pause is patched in here, into
the progress bar the CLI advances after every committed-to-the-transaction batch, so the
production CLI carries no test hook.
"""

from __future__ import annotations

import sys
import time

from flask.cli import main
from rich.progress import Progress


def _pausing_update(limit: int):
    original = Progress.update

    def update(self, task_id, **kwargs):
        original(self, task_id, **kwargs)
        if self._tasks[task_id].completed >= limit:
            print(
                f"import paused after {self._tasks[task_id].completed:g} features",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(3600)

    return update


if __name__ == "__main__":
    limit, args = int(sys.argv[1]), sys.argv[2:]
    Progress.update = _pausing_update(limit)
    sys.argv = ["flask", "--app", "api", "import", *args]
    main()
