"""The intake's commands: `generate --keys` writes one private key per board, `keys` loads,
issues, lists and revokes keys, `revalidate` re-checks stored submissions and keeps their
history, and `serve --demo` sets up the demo data once and reuses it."""

from __future__ import annotations

import csv
import dataclasses
import stat

import httpx
from typer.testing import CliRunner

from bcf_xl.cli import app
from bcf_xl.reference import to_csv
from bcf_xl.samples.demo import MISTAKES
from bcf_xl.validate import INVALID, VALID
from bcf_xl.web.access import board_keys, read_board_keys, write_board_keys
from bcf_xl.web.service import Service
from bcf_xl.web.settings import Settings

from support.webserver import Server, bearer, free_port, sign_in

LEEDS, SCILLY = "E08000035", "E06000053"


def _private(path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_generate_writes_one_private_key_per_board(tmp_path):
    """`generate --keys` writes a keys file only its owner can read, one new key per board
    generated, and prints none of them."""
    keys_file = tmp_path / "keys.csv"
    run = CliRunner().invoke(app, ["generate", "--out", str(tmp_path / "t"), "--hwb", LEEDS,
                                   "--hwb", SCILLY, "--issued", "2014-01-06", "--keys",
                                   str(keys_file)])
    assert run.exit_code == 0, run.output
    keys = read_board_keys(keys_file)
    assert [k.hwb_code for k in keys] == [LEEDS, SCILLY]
    assert len({k.key for k in keys}) == 2 and all(k.key.startswith("bcfb_") for k in keys)
    assert _private(keys_file)
    assert not any(k.key in run.output for k in keys)
    assert len(list((tmp_path / "t").glob("*.xlsx"))) == 2


def test_keys_commands_load_issue_list_and_revoke(tmp_path, reference):
    """`keys import` loads a keys file once (a new file replaces a board's key), `keys assurer`
    writes a private regional key, `keys list` shows them without secrets, `keys revoke`
    stops one; an unknown region or id is a usage error."""
    data = ["--data", str(tmp_path / "data")]
    runner = CliRunner()
    first = write_board_keys(tmp_path / "first.csv", board_keys([reference.get(LEEDS)]))
    assert runner.invoke(app, ["keys", "import", str(first), *data]).exit_code == 0
    again = runner.invoke(app, ["keys", "import", str(first), *data])
    assert "0 added" in again.output
    second = write_board_keys(tmp_path / "second.csv", board_keys([reference.get(LEEDS)]))
    assert "1 replaced" in runner.invoke(app, ["keys", "import", str(second), *data]).output
    out = tmp_path / "london.txt"
    made = runner.invoke(app, ["keys", "assurer", "--region", "London", "--out", str(out), *data])
    assert made.exit_code == 0 and _private(out)
    assert runner.invoke(app, ["keys", "assurer", "--region", "Atlantis", "--out",
                               str(tmp_path / "x"), *data]).exit_code == 2
    listed = runner.invoke(app, ["keys", "list", *data]).output
    for secret in (read_board_keys(first)[0].key, read_board_keys(second)[0].key,
                   out.read_text().strip()):
        assert secret not in listed
    rows = [line.split("\t") for line in listed.splitlines()]
    assert [(r[1], r[2], r[-1].startswith("revoked")) for r in rows] == [
        ("board", LEEDS, True), ("board", LEEDS, False), ("assurer", "London", False)]
    service = Service(Settings(data_dir=tmp_path / "data"))
    try:
        assert service.keys.principal(out.read_text().strip()).region == "London"
        assert runner.invoke(app, ["keys", "revoke", rows[2][0], *data]).exit_code == 0
        assert service.keys.principal(out.read_text().strip()) is None
    finally:
        service.close()
    assert runner.invoke(app, ["keys", "revoke", "999", *data]).exit_code == 2


def _service_with_two_returns(tmp_path, filled_example, return_with, validator=None):
    settings = Settings(data_dir=tmp_path / "data", workers=1,
                        **({"validator": validator} if validator else {}))
    service = Service(settings)
    key = board_keys([service.reference.get(LEEDS)])[0]
    service.keys.import_board_keys([key])
    service.start()
    board, principal = service.reference.get(LEEDS), service.keys.principal(key.key)
    for path in (filled_example(LEEDS), return_with(LEEDS, MISTAKES[1], name="later")):
        with open(path, "rb") as handle:
            service.receive(principal, board, path.name, handle)
    return service


def test_revalidate_adds_a_check_to_every_submission(tmp_path, filled_example, return_with):
    """`bcf-xl revalidate` gives each stored submission a second validation with the same
    result (the rules did not change) and keeps the first."""
    service = _service_with_two_returns(tmp_path, filled_example, return_with)
    service.close()
    run = CliRunner().invoke(app, ["revalidate", "--data", str(tmp_path / "data"),
                                   "--workers", "1"])
    assert run.exit_code == 0, run.output
    assert "Re-checked 2" in run.output and "0 changed" in run.output
    service = Service(Settings(data_dir=tmp_path / "data"))
    try:
        for checked in service.records.history(LEEDS):
            checks = service.records.validations(checked.id)
            assert [c["reason"] for c in checks] == ["upload", "revalidation"]
            assert checks[0]["status"] == checks[1]["status"] == checked.status
    finally:
        service.close()


def test_after_a_rule_change_revalidation_changes_what_counts(tmp_path, filled_example,
                                                             return_with):
    """When a new rule makes the valid return invalid, re-validation records it and the
    board's counted return becomes its latest one; the first results stay in the history."""
    service = _service_with_two_returns(tmp_path, filled_example, return_with)
    service.close()
    before = Service(Settings(data_dir=tmp_path / "data"))
    history = before.records.history(LEEDS)
    before.close()
    assert [(c.status, c.counted) for c in history] == [(VALID, True), (INVALID, False)]
    stricter = Service(Settings(data_dir=tmp_path / "data",
                                validator="web_helpers:stricter_validator"))
    try:
        assert stricter.revalidate(workers=1) == 2
        after = stricter.records.history(LEEDS)
        assert [(c.status, c.counted) for c in after] == [(INVALID, False), (INVALID, True)]
        assert [c["status"] for c in stricter.records.validations(after[0].id)] == [VALID,
                                                                                    INVALID]
    finally:
        stricter.close()


def test_serve_demo_sets_up_once_and_serves(tmp_path, reference):
    """`serve --demo` (on a reference of twelve boards, to be quick) makes private key files,
    submits the demo mailbox, and serves it: a board signs in with its key from the file, the
    national assurer sees the submissions; started again, it reuses everything."""
    small = tmp_path / "twelve.csv"
    small.write_text(to_csv(dataclasses.replace(reference, hwbs=reference.hwbs[:12])))
    data = tmp_path / "data"
    server = Server(data, free_port(), ("--demo", "--reference", str(small), "--workers", "2"),
                    tmp_path / "serve.log")
    server.start(timeout=180)
    try:
        keys_dir = data / "keys"
        board_file, national = keys_dir / "board-keys.csv", keys_dir / "assurer-national.txt"
        assert _private(board_file) and _private(national)
        first = next(csv.DictReader(board_file.open()))
        with httpx.Client(base_url=server.url, timeout=60) as client:
            sign_in(client, first["key"])
            statuses = client.get("/api/v1/boards",
                                  headers=bearer(national.read_text().strip())).json()
        assert len(statuses) == 12
        sent = sum(s["submissions"] for s in statuses)
        assert sent >= 10
        server.stop()
        server.start(timeout=180)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            again = client.get("/api/v1/boards", headers=bearer(national.read_text().strip()))
        assert sum(s["submissions"] for s in again.json()) == sent
        log = server.log.read_text()
        assert first["key"] not in log and national.read_text().strip() not in log
    finally:
        server.stop()
