"""Concurrent uploads over real HTTP: every upload is stored exactly once, none is lost, and
each has the result the validator gives the same file (bench/bench_web.py measures the speed of
the same path with all 151 demo returns)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import create_engine, text

from bcf_xl.samples.demo import MISTAKES
from bcf_xl.validate import validate_file

from support.webserver import upload

BOARDS = ("E06000053", "E09000001")


def test_concurrent_uploads_are_each_stored_once_with_their_result(
        web, filled_example, return_with, reference):
    """Twelve uploads from six clients at once: twelve new submissions, one per upload, each
    with the status and the finding codes the validator gives that file."""
    files = []
    for code in BOARDS:
        for variant, changes in enumerate(((), (MISTAKES[1],), (MISTAKES[2],))):
            path = return_with(code, *changes, name=f"load{variant}") if changes else \
                filled_example(code)
            expected = validate_file(path, reference=reference, expected_hwb=code)
            files += [(code, path, expected, f"load {code} {variant} {copy}.xlsx")
                      for copy in range(2)]
    engine = create_engine(f"sqlite:///{web.server.data / 'bcf-xl.sqlite3'}")
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM submissions")).scalar()

    def send(item):
        code, path, _, name = item
        with httpx.Client(base_url=web.url, timeout=120) as client:
            return upload(client, code, web.keys.boards[code], path, name=name)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, files))
    assert [a.status_code for a in answers] == [201] * len(files)
    for (code, _, expected, name), answer in zip(files, answers):
        got = answer.json()
        assert (got["filename"], got["hwb_code"], got["status"]) == (name, code, expected.status)
        assert [(f["code"], f["sheet"], tuple(f["cells"])) for f in got["findings"]] == [
            (f.code, f.sheet, f.cells) for f in expected.findings]
    with engine.connect() as connection:
        after = connection.execute(text("SELECT count(*) FROM submissions")).scalar()
        stored = connection.execute(text(
            "SELECT s.filename, count(v.id) FROM submissions s JOIN validations v "
            "ON v.submission_id = s.id WHERE s.filename LIKE 'load %' GROUP BY s.id")).all()
    engine.dispose()
    assert after - before == len(files)
    assert sorted(name for name, _ in stored) == sorted(f[3] for f in files)
    assert all(validations == 1 for _, validations in stored)
    assert len({a.json()["id"] for a in answers}) == len(files)
