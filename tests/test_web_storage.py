"""The intake's storage, against SQLite and a real PostgreSQL: the shipped migrations make the
tables the models describe, an upload is recorded with its validation at once, history is
append-only, keys are kept as hashes only, and concurrent uploads are each recorded once."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from bcf_xl.batch.store import Detail
from bcf_xl.samples.demo import MISTAKES
from bcf_xl.validate import INVALID, VALID, validate_file
from bcf_xl.web.access import board_keys, hash_key
from bcf_xl.web.database import is_current, migrate
from bcf_xl.web.models import Base
from bcf_xl.web.service import Service
from bcf_xl.web.settings import Settings

from support.postgres import cluster, require_postgres

CODE = "E08000035"
_names = itertools.count()


@pytest.fixture(scope="module")
def postgres():
    with cluster(require_postgres()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request, tmp_path):
    """A Service on a fresh, migrated database of each kind."""
    url = None
    if request.param == "postgresql":
        admin_url = request.getfixturevalue("postgres")
        name = f"t{next(_names)}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = admin_url.replace("/bcf?", f"/{name}?")
    made = Service(Settings(data_dir=tmp_path / "data", database_url=url))
    yield made
    made.close()


@pytest.fixture(scope="module")
def results(filled_example, return_with, reference):
    """A valid and an invalid result of the same board, validated as the workers do."""
    valid = validate_file(filled_example(CODE), reference=reference, expected_hwb=CODE)
    invalid = validate_file(return_with(CODE, MISTAKES[1], name="unbalanced"),
                            reference=reference, expected_hwb=CODE)
    assert (valid.status, invalid.status) == (VALID, INVALID)
    return valid, invalid


def _key(service: Service) -> int:
    key = board_keys([service.reference.get(CODE)])[0]
    service.keys.import_board_keys([key])
    return service.keys.principal(key.key).key_id


def _record(service: Service, result, minutes: int = 0, name: str = "return.xlsx"):
    at = dt.datetime(2014, 2, 13, 10, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minutes)
    return service.records.record_upload(hwb_code=CODE, key_id=_key(service), filename=name,
                                         sha256="a" * 64, size=100, received_at=at,
                                         result=result)


def test_migrations_make_the_tables_the_models_describe(service):
    """After the shipped migrations the database has every table and column of the models, no
    more and no fewer, and migrating again changes nothing."""
    with service.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert is_current(service.engine)
    migrate(service.engine)
    assert set(inspect(service.engine).get_table_names()) >= {
        "access_keys", "sessions", "submissions", "validations", "audit_events"}


def test_an_upload_is_recorded_with_its_findings_and_values(service, results):
    """The stored validation gives back the result's status, every finding at its sheet and
    cells, the identity, and the values the consolidated dataset is made from."""
    _, invalid = results
    checked = _record(service, invalid)
    stored = service.records.submission(checked.id)
    assert (stored.status, stored.errors, stored.counted) == (INVALID, invalid.errors, True)
    assert [(f.code, f.sheet, f.cells) for f in stored.result().findings] == [
        (f.code, f.sheet, f.cells) for f in invalid.findings]
    assert stored.identity["hwb_code"] == CODE
    detail = service.records.detail(stored.validation_id)
    expected = Detail.of(invalid)
    assert detail.data == expected.data and detail.computed == expected.computed
    assert detail.sources == expected.sources and detail.rows == expected.rows


@pytest.mark.parametrize("statement", [
    "UPDATE submissions SET filename = 'changed.xlsx'", "DELETE FROM submissions",
    "UPDATE validations SET status = 'valid'", "DELETE FROM validations"])
def test_history_cannot_be_rewritten(service, results, statement):
    """The database itself refuses to change or delete a submission or a validation."""
    _, invalid = results
    checked = _record(service, invalid)
    with pytest.raises(DBAPIError):
        with service.engine.begin() as connection:
            connection.execute(text(statement))
    stored = service.records.submission(checked.id)
    assert (stored.filename, stored.status) == ("return.xlsx", INVALID)


def test_revalidation_adds_a_record_and_can_change_what_counts(service, results):
    """A re-validation is a new record: the earlier one stays in the history, the submission's
    current result is the new one, and which return counts follows it."""
    valid, invalid = results
    first = _record(service, valid, minutes=0, name="first.xlsx")
    second = _record(service, valid, minutes=10, name="second.xlsx")
    assert [c.counted for c in service.records.history(CODE)] == [False, True]
    service.records.add_validation(second.id, invalid, dt.datetime.now(dt.timezone.utc))
    history = service.records.history(CODE)
    assert [(c.id, c.status, c.counted) for c in history] == [
        (first.id, VALID, True), (second.id, INVALID, False)]
    checks = service.records.validations(second.id)
    assert [(c["reason"], c["status"]) for c in checks] == [("upload", VALID),
                                                            ("revalidation", INVALID)]


def test_keys_are_kept_only_as_hashes(service):
    """No table holds a key or a session token, only their hashes; a new key for a board
    replaces the old one, and revoking a key ends its sessions."""
    board = service.reference.get(CODE)
    old, new = board_keys([board])[0], board_keys([board])[0]
    assert service.keys.import_board_keys([old]) == (1, 0)
    token = service.keys.open_session(service.keys.principal(old.key), hours=1)
    assert service.keys.import_board_keys([new]) == (1, 1)
    assert service.keys.import_board_keys([new]) == (0, 0)
    assert service.keys.principal(old.key) is None
    assert service.keys.session_principal(token) is None
    principal = service.keys.principal(new.key)
    assert principal.hwb_code == CODE and principal.is_board
    fresh = service.keys.open_session(principal, hours=1)
    with service.engine.connect() as connection:
        dump = " ".join(str(value) for table in Base.metadata.sorted_tables
                        for row in connection.execute(table.select()) for value in row)
    for secret in (old.key, new.key, token, fresh):
        assert secret not in dump
    assert hash_key(new.key) in dump
    assert service.keys.session_principal(fresh) == principal
    assert service.keys.revoke(principal.key_id)
    assert service.keys.session_principal(fresh) is None


def test_an_expired_session_opens_nothing(service):
    """A session past its expiry no longer identifies anyone."""
    key = board_keys([service.reference.get(CODE)])[0]
    service.keys.import_board_keys([key])
    token = service.keys.open_session(service.keys.principal(key.key), hours=-1)
    assert service.keys.session_principal(token) is None


def test_concurrent_uploads_are_each_recorded_once(service, results):
    """Uploads recorded from many threads at once are all there, each once, with their own
    validation."""
    valid, invalid = results
    key_id = _key(service)
    made, errors = [], []

    def record(i: int) -> None:
        try:
            made.append(service.records.record_upload(
                hwb_code=CODE, key_id=key_id, filename=f"r{i}.xlsx", sha256=f"{i:064x}",
                size=i, received_at=dt.datetime.now(dt.timezone.utc),
                result=valid if i % 2 else invalid).id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = service.records.history(CODE)
    assert sorted(c.id for c in history) == sorted(made) and len(set(made)) == 16
    assert {c.filename: c.status for c in history} == {
        f"r{i}.xlsx": VALID if i % 2 else INVALID for i in range(16)}
