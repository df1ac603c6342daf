"""Put a batch's reports in place all at once: the old set or the new set, never a mix.

A run holds an exclusive lock (a lock file beside ``--out``) from start to finish, so a second
run to the same folder stops at once with a clear message instead of destroying the first
one's reports. It writes every report into a folder of its own beside ``--out`` (a hidden
``.NAME.run-XXXX``) and then switches that folder in with one operation:

- on Linux, one ``renameat2(RENAME_EXCHANGE)`` swaps the new folder and ``--out`` atomically,
  so ``--out`` always exists and always holds one complete set;
- where that is not available, ``--out`` is renamed aside (``.NAME.old-XXXX``) and the new
  folder renamed into place; a run killed between the two renames leaves no ``--out`` but the
  old set aside, and the next run puts it back before anything else.

A run that fails or is killed before the switch leaves the previous reports untouched. Folders
left by killed runs are removed by the next run, under the lock, when no run can be using them.
The lock is released by the system when the process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from bcf_xl.atomic import current_umask


class ReportFolderError(Exception):
    """--out cannot be used (a usage error: the message says why and what to do)."""


class Busy(ReportFolderError):
    pass


def check_apart(folder: Path, out: Path) -> None:
    """Refuse an --out that is the folder of inputs, is inside it or contains it (symbolic
    links resolved): the reports replace --out as a whole, and inputs are never written to."""
    inputs, target = Path(folder).resolve(), Path(out).resolve()
    if target == inputs:
        raise ReportFolderError(f"--out {out} is the folder of returns itself; choose a folder "
                                "outside it (the returns are never written to)")
    if inputs in target.parents:
        raise ReportFolderError(f"--out {out} is inside the folder of returns {folder}; choose "
                                "a folder outside it (the returns are never written to)")
    if target in inputs.parents:
        raise ReportFolderError(f"--out {out} contains the folder of returns {folder}; choose "
                                "a folder that does not (the reports replace --out as a whole)")


class ReportFolder:
    """--out for one run: locked while the run lasts, written in a folder of its own, switched
    into place by publish(). Use as a context manager."""

    def __init__(self, out: Path, *, allowed: Iterable[str] = ()):
        self.out = Path(out)
        # Work on the real place: a symbolic link as --out stands for the folder it points to.
        self._target = self.out.resolve()
        self._parent, self._name = self._target.parent, self._target.name
        # Names a report folder may hold; anything else in an existing --out is someone's file.
        self._allowed = frozenset(allowed)
        self._lock_fd: int | None = None
        self.staging: Path | None = None

    def _sibling(self, kind: str) -> str:
        return f".{self._name}.{kind}-"

    def __enter__(self) -> "ReportFolder":
        if self._target.exists() and not self._target.is_dir():
            raise ReportFolderError(f"--out {self.out} is a file, not a folder")
        self._parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self._recover()
            self._check_contents()
            self._clean()
            self.staging = Path(tempfile.mkdtemp(prefix=self._sibling("run"), dir=self._parent))
            # mkdtemp makes it 0700; the reports are for colleagues too: the user's umask.
            os.chmod(self.staging, 0o777 & ~current_umask())
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if self.staging is not None:  # not published: the previous reports stay as they are
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._unlock()

    def _lock(self) -> None:
        path = self._parent / f".{self._name}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ReportFolderError(f"cannot write beside --out {self.out}: "
                                    f"{exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise Busy(f"another batch is writing to {self.out}; wait for it to finish, or "
                       "choose another --out") from None
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the file releases the lock
            self._lock_fd = None

    def _leftovers(self, kind: str) -> list[Path]:
        prefix = self._sibling(kind)
        return sorted((p for p in self._parent.iterdir() if p.name.startswith(prefix)),
                      key=lambda p: p.lstat().st_mtime)

    def _recover(self) -> None:
        """A run killed between moving the old reports aside and the new ones in: put the old
        ones back, so --out is never found missing."""
        aside = self._leftovers("old")
        if aside and not os.path.lexists(self._target):
            os.rename(aside[-1], self._target)

    def _check_contents(self) -> None:
        if not self._target.is_dir() or not self._allowed:
            return
        foreign = sorted(p.name for p in self._target.iterdir() if p.name not in self._allowed)
        if foreign:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise ReportFolderError(
                f"--out {self.out} holds files that are not batch reports ({shown}); the "
                "reports replace the folder as a whole, so choose a new or empty folder, or "
                "one written by an earlier batch")

    def _clean(self) -> None:
        """Folders of runs that were killed: no run is using them while the lock is held."""
        for path in self._leftovers("run") + self._leftovers("old"):
            shutil.rmtree(path, ignore_errors=True)
        # The single staging folder of earlier versions of bcf-xl.
        shutil.rmtree(self._parent / f".{self._name}.staging", ignore_errors=True)

    def publish(self) -> list[Path]:
        """Switch the run's folder in for --out; the files now in --out, as under self.out."""
        staging = self.staging
        assert staging is not None, "publish() inside the with block, once"
        files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        _sync(staging)
        previous = _switch(staging, self._target, self._parent / (self._sibling("old")
                                                                  + staging.name[-8:]))
        self.staging = None
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return [self.out / f for f in files]


def _switch(new: Path, target: Path, aside: Path) -> Path | None:
    """Put new in place of target; the folder now holding the previous set, if there was one."""
    if not os.path.lexists(target):
        os.rename(new, target)
        return None
    if _exchange(new, target):
        return new
    os.rename(target, aside)
    os.rename(new, target)
    return aside


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library older than glibc 2.28
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint)
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # a file system that cannot exchange: the two-rename way
    raise OSError(code, os.strerror(code), str(b))


def _sync(folder: Path) -> None:
    """Every file and folder of the new set on disk before it is switched in, so a power cut
    after the switch cannot leave empty reports in place."""
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

