"""Generate the templates of many boards, in worker processes when there are enough of them.

Each template is independent of the others. By default each file is stamped (issue/stamp.py):
a process renders one base per layout it meets and writes every board's file from it, byte for
byte what generate_workbook renders; ``stamp=False`` renders every file. Either way a file's
bytes do not depend on the number of workers or on which worker wrote it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Sequence

from bcf_xl.issue.stamp import Stamper
from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.parallel import map_in_processes
from bcf_xl.reference import Hwb
from bcf_xl.spec.model import Template

# The stamper of the version this process is generating: its bases serve every board the
# process is given (a worker is sent the template once, so it stays the same object).
_stamper: Stamper | None = None


def _stamper_for(template: Template) -> Stamper:
    global _stamper
    if _stamper is None or _stamper.template is not template:
        _stamper = Stamper(template)
    return _stamper


def _one(shared: tuple[Template, Path, dt.date, bool], hwb: Hwb) -> Path:
    template, out_dir, issued, stamp = shared
    if stamp:
        return _stamper_for(template).write(hwb, out_dir, issued)
    return generate_workbook(template, hwb, out_dir, issued)


def generate_many(template: Template, boards: Sequence[Hwb], out_dir: Path, issued: dt.date,
                  workers: int = 1, on_done: Callable[[Path], None] | None = None,
                  stamp: bool = True) -> list[Path]:
    """Write one template per board into out_dir; returns the paths in the order of boards.
    A failure (a full disk, say) is raised; the templates already written stay, each complete,
    as every write is atomic."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return map_in_processes(_one, (template, Path(out_dir), issued, stamp), list(boards),
                            workers, on_done)
