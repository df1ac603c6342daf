"""The service behind the pages and the API: receive a return, check it, keep it; re-check what
is kept; make the annotated copy. No HTTP here, so the command line uses it too.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path
from typing import BinaryIO, Callable

from bcf_xl.batch.assurance import Rule, load_policy
from bcf_xl.batch.workers import Job, Pool, run_jobs
from bcf_xl.reference import Hwb, Reference, load_reference
from bcf_xl.spec.load import default_template
from bcf_xl.spec.model import Template
from bcf_xl.validate import NOT_CHECKED, UNREADABLE
from bcf_xl.web.access import Principal, now
from bcf_xl.web.database import make_engine, migrate, sessions
from bcf_xl.web.files import FileStore
from bcf_xl.web.keys import Keys
from bcf_xl.web.records import Checked, Records
from bcf_xl.web.settings import Settings

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def clean_filename(name: str | None) -> str:
    """The name a sender gave, as shown back to people: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = _UNSAFE_NAME.sub(" ", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:255] or "return.xlsx"


class Service:
    """Everything a running intake holds: settings, database, files, reference data, workers.

    Built once per process; the worker pool starts with ``start()`` (the web app's startup), so
    commands that only read or write records do not start workers."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.url)
        migrate(self.engine)
        made = sessions(self.engine)
        self.records = Records(made)
        self.keys = Keys(made)
        self.files = FileStore(settings.data_dir)
        self.reference: Reference = load_reference(settings.reference_path)
        self.template: Template = default_template()
        self.policy: tuple[Rule, ...] = load_policy(settings.assurance_path)
        self.pool: Pool | None = None

    def start(self) -> None:
        if self.pool is None:
            self.pool = Pool(workers=self.settings.workers, timeout=self.settings.timeout,
                             config=self.settings.worker_config())

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        self.engine.dispose()

    def board(self, code: str) -> Hwb | None:
        try:
            return self.reference.get(code)
        except KeyError:
            return None

    def receive(self, principal: Principal, board: Hwb, filename: str | None,
                stream: BinaryIO) -> Checked:
        """Store the file, check it in a worker, record both at once. Raises files.TooLarge
        for a file over the limit (nothing is recorded)."""
        assert self.pool is not None, "start() the service before receiving"
        stored = self.files.put(stream, self.settings.limits.max_file_bytes)
        received = now()
        result = self.pool.check(Job(stored.path, board.code))
        return self.records.record_upload(
            hwb_code=board.code, key_id=principal.key_id, filename=clean_filename(filename),
            sha256=stored.sha256, size=stored.size, received_at=received, result=result)

    def late(self, checked: Checked) -> bool:
        return checked.received_at > self.settings.deadline

    def annotated(self, checked: Checked) -> Path | None:
        """The annotated copy of a readable submission, made once per validation (in a worker,
        under its limits) and kept beside the files; None for an unreadable one."""
        if checked.status in (UNREADABLE, NOT_CHECKED):
            return None
        target = self.files.root / "annotated" / f"{checked.validation_id}.xlsx"
        if not target.exists():
            assert self.pool is not None
            target.parent.mkdir(exist_ok=True)
            self.pool.check(Job(self.files.path(checked.sha256), checked.hwb_code, target))
        return target if target.exists() else None

    def revalidate(self, *, hwb: str | None = None, workers: int = 2,
                   on_result: Callable[[int, str], None] = lambda i, s: None) -> int:
        """Check every stored submission (of one board) again with the rules of this version,
        adding a validation to each; history is kept. Returns how many were checked."""
        stored = [s for s in self.records.stored_files() if hwb is None or s[1] == hwb]
        jobs = [Job(self.files.path(sha), code) for _, code, sha in stored]

        def keep(index: int, result):
            self.records.add_validation(stored[index][0], result, now())
            on_result(stored[index][0], result.status)
            return dataclasses.replace(result, document=None, computed={})

        run_jobs(jobs, workers=workers, timeout=self.settings.timeout,
                 config=self.settings.worker_config(), keep=keep)
        return len(jobs)
