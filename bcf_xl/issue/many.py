"""Generate the templates of many boards, in worker processes when there are enough of them.

Each template is independent of the others and generating one is CPU-bound in xlsxwriter, so
the national issue of 151 templates runs about as many times faster as there are cores. Every
file is still written by one call of generate_workbook, so its bytes do not depend on the number
of workers or on which worker wrote it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Sequence

from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.parallel import map_in_processes
from bcf_xl.reference import Hwb
from bcf_xl.spec.model import Template


def _one(shared: tuple[Template, Path, dt.date], hwb: Hwb) -> Path:
    template, out_dir, issued = shared
    return generate_workbook(template, hwb, out_dir, issued)


def generate_many(template: Template, boards: Sequence[Hwb], out_dir: Path, issued: dt.date,
                  workers: int = 1, on_done: Callable[[Path], None] | None = None) -> list[Path]:
    """Write one template per board into out_dir; returns the paths in the order of boards.
    A failure (a full disk, say) is raised; the templates already written stay, each complete,
    as every write is atomic."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return map_in_processes(_one, (template, Path(out_dir), issued), list(boards), workers,
                            on_done)
