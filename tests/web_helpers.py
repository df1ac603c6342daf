"""Validators for the web intake's fault tests, named with `bcf-xl serve --validator`.

A file whose content starts with a marker makes the worker process really hang, crash (SIGKILL
of itself, as a native crash would) or take a while; any other file gets the real validator.
The files are stored by content, so the marker is in the bytes, not the name.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from bcf_xl.validate import validate_file

SLOW, CRASH, HANG = b"SLOW-CHECK", b"CRASH-THE-WORKER", b"HANG-THE-WORKER"


def marker_validator(path: Path, **options):
    with open(path, "rb") as handle:
        head = handle.read(32)
    if head.startswith(CRASH):
        os.kill(os.getpid(), signal.SIGKILL)
    if head.startswith(HANG):
        time.sleep(3600)
    if head.startswith(SLOW):
        time.sleep(float(head[len(SLOW):].split(b"\n")[0] or 5))
    return validate_file(path, **options)


def stricter_validator(path: Path, **options):
    """The validator after a rule change: every readable return gets one more error."""
    import dataclasses

    from bcf_xl import findings
    from bcf_xl.validate import INVALID, UNREADABLE

    result = validate_file(path, **options)
    if result.status == UNREADABLE:
        return result
    extra = findings.make("risk.none")  # as a new rule would report
    return dataclasses.replace(result, status=INVALID, findings=result.findings + (extra,))
