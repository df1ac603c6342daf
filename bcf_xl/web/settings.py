"""What a running service is configured with: one frozen value made by the command line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bcf_xl.batch.workers import WorkerConfig
from bcf_xl.read.intake import Limits

LONDON = ZoneInfo("Europe/London")
# The draft plans were due by 12:00 on Friday 14 February 2014 (the template's Guidance sheet).
DEFAULT_DEADLINE = dt.datetime(2014, 2, 14, 12, 0, tzinfo=LONDON)
DEFAULT_DATA = Path("bcf-xl-data")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA
    database_url: str | None = None  # None: SQLite in the data folder
    workers: int = 2
    timeout: float = 30.0
    memory_limit: int = WorkerConfig.memory_limit
    limits: Limits = field(default_factory=Limits)
    deadline: dt.datetime = DEFAULT_DEADLINE
    reference_path: Path | None = None
    assurance_path: Path | None = None
    # Requests a key may make: a burst of this many, refilled at this many per minute.
    rate_burst: int = 60
    rate_per_minute: int = 60
    session_hours: float = 8.0
    secure_cookies: bool = True
    # "module:function" with validate_file's signature; tests name a slow or crashing one.
    validator: str = WorkerConfig.validator

    @property
    def max_upload_bytes(self) -> int:
        """The largest request body accepted: the intake's file limit plus room for the form."""
        return self.limits.max_file_bytes + 64 * 1024

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(Path(self.data_dir) / 'bcf-xl.sqlite3').resolve()}"

    def worker_config(self) -> WorkerConfig:
        return WorkerConfig(self.reference_path, self.limits, self.memory_limit,
                            validator=self.validator)
