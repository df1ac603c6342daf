"""`bcf-xl serve --demo`: the intake on the bundled data, ready to use.

In the data folder: the demo's templates and the returns the boards sent (the same mailbox as
`bcf-xl demo`), a key for every board and two assurer keys in ``keys/`` (files only their owner
can read; keys are never printed), and every return in the mailbox already submitted by its
board, so the dashboard has the national picture and any board can sign in and send a
corrected return. Running it again reuses all of it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bcf_xl.samples.demo import build_mailbox
from bcf_xl.web.access import board_keys, read_board_keys, write_board_keys, write_private
from bcf_xl.web.service import Service

DEMO_REGION = "London"
_CODE = re.compile(r"(E\d{8})(?![0-9])")


@dataclass(frozen=True)
class DemoFiles:
    mailbox: Path
    board_keys: Path
    national_key: Path
    regional_key: Path
    submitted: int


def _keys(service: Service, folder: Path) -> tuple[Path, Path, Path]:
    boards_file = folder / "board-keys.csv"
    if not boards_file.exists():
        write_board_keys(boards_file, board_keys(service.reference.hwbs))
    service.keys.import_board_keys(read_board_keys(boards_file))
    national, regional = folder / "assurer-national.txt", folder / "assurer-london.txt"
    for path, region in ((national, None), (regional, DEMO_REGION)):
        if not path.exists():
            _, key = service.keys.issue_assurer(region, label=f"demo {path.stem}")
            write_private(path, key + "\n")
    return boards_file, national, regional


def _submit_mailbox(service: Service, mailbox: Path, keys_file: Path) -> int:
    """Each file in the mailbox whose name carries a board's code, sent with that board's key;
    a board's files one after another in name order (a draft before the final), boards side by
    side."""
    keys = {k.hwb_code: k.key for k in read_board_keys(keys_file)}
    by_board: dict[str, list[Path]] = {}
    for path in sorted(mailbox.iterdir(), key=lambda p: p.name):
        match = _CODE.search(path.name)
        board = service.board(match.group(1)) if match and path.is_file() else None
        if board is not None and not path.name.startswith("~$"):
            by_board.setdefault(board.code, []).append(path)

    def send(code: str) -> int:
        board = service.board(code)
        principal = service.keys.principal(keys[code])
        for path in by_board[code]:
            with open(path, "rb") as handle:
                service.receive(principal, board, path.name, handle)
        return len(by_board[code])

    with ThreadPoolExecutor(max(1, service.settings.workers)) as pool:
        return sum(pool.map(send, sorted(by_board)))


def prepare_demo(service: Service, progress=lambda: None) -> DemoFiles:
    """Templates, mailbox, keys and submissions, made once in the data folder."""
    root = service.files.root
    mailbox = root / "demo" / "mailbox"
    if not mailbox.exists():
        build_mailbox(service.template, service.reference, root / "demo", progress=progress,
                      workers=service.settings.workers)
    boards_file, national, regional = _keys(service, root / "keys")
    submitted = 0
    if service.records.count() == 0:
        service.start()
        submitted = _submit_mailbox(service, mailbox, boards_file)
    return DemoFiles(mailbox, boards_file, national, regional, submitted)
