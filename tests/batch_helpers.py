"""A validator for worker tests: crashes or hangs on request, otherwise the real one.

Named with ``bcf-xl batch``'s worker ``validator`` setting, so the worker process really dies
(SIGKILL of itself, as a native crash would) or really hangs, and the batch must cope.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from bcf_xl.validate import validate_file


def crashing_validator(path: Path, **options):
    if path.name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    if path.name.startswith("hang"):
        time.sleep(3600)
    return validate_file(path, **options)


# Set by a test in its own process after import: a forked worker sees the parent's value, a
# spawned one imports this module afresh and sees None.
MARK: str | None = None


def marking_validator(path: Path, **options):
    from bcf_xl.validate import Result

    return Result(str(path), "valid", (), checks={"mark": str(MARK)})
