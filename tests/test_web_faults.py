"""Faults: the server killed in the middle of an upload (while the body arrives, and while the
file is being checked) leaves no half-recorded submission, and after a restart everything stored
before is there; a worker that crashes or hangs costs one upload a batch.worker_failed finding,
never the service; every hostile file gets its own finding and no worker goes down."""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from bcf_xl.reference import load_reference
from bcf_xl.validate import NOT_CHECKED, UNREADABLE, VALID
from bcf_xl.web.settings import Settings

from support.webserver import HOSTILE_SENDER, Server, bearer, free_port, make_keys, upload
from web_helpers import CRASH, HANG, SLOW

LEEDS = "E08000035"


@pytest.fixture
def own_server(tmp_path):
    """A server of its own (this test kills it), with the marker validator and a 3 s limit."""
    data = tmp_path / "data"
    keys = make_keys(Settings(data_dir=data), load_reference(), [LEEDS])
    server = Server(data, free_port(), ("--workers", "1", "--timeout", "3", "--validator",
                                        "web_helpers:marker_validator"), tmp_path / "server.log")
    yield server.start(), keys.boards[LEEDS]
    server.stop()


def _stored(data) -> tuple[list, list]:
    engine = create_engine(f"sqlite:///{data / 'bcf-xl.sqlite3'}")
    with engine.connect() as connection:
        submissions = connection.execute(text(
            "SELECT id, filename, sha256 FROM submissions ORDER BY id")).all()
        validations = connection.execute(text(
            "SELECT submission_id, status FROM validations ORDER BY id")).all()
    engine.dispose()
    return [tuple(s) for s in submissions], [tuple(v) for v in validations]


def _wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _half_sent_upload(server: Server, key: str, body: bytes) -> socket.socket:
    """An upload whose headers and first half of the body have gone; the rest never will."""
    boundary = "killtest"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"half.xlsx\"\r\n\r\n").encode()
    payload = head + body + f"\r\n--{boundary}--\r\n".encode()
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    conn.sendall((f"POST /api/v1/boards/{LEEDS}/submissions HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Bearer {key}\r\nContent-Type: multipart/form-data; "
                  f"boundary={boundary}\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
                 + payload[: len(payload) // 2])
    return conn


def test_a_killed_server_leaves_no_half_recorded_submission(own_server, filled_example):
    """Killed by its PID while an upload's body is arriving, then again while an uploaded file
    is being checked: after each restart the earlier submissions are all there with their file
    and one validation each, nothing else was recorded, and uploads work again."""
    server, key = own_server
    path = filled_example(LEEDS)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        kept = [upload(client, LEEDS, key, path, name=f"kept {i}.xlsx").json() for i in range(2)]
    before = _stored(server.data)
    assert [s[1] for s in before[0]] == ["kept 0.xlsx", "kept 1.xlsx"]

    conn = _half_sent_upload(server, key, path.read_bytes())
    time.sleep(0.3)
    server.kill()
    conn.close()
    server.start()
    assert _stored(server.data) == before

    slow = SLOW + b"5\n" + b"x" * 1000
    files = server.data / "files"
    count = sum(1 for _ in files.rglob("*.xlsx"))
    thread = threading.Thread(target=lambda: _quietly(server, key, slow), daemon=True)
    thread.start()
    _wait_for(lambda: sum(1 for _ in files.rglob("*.xlsx")) > count)  # stored, being checked
    time.sleep(0.3)
    server.kill()
    thread.join(timeout=30)
    server.start()
    assert _stored(server.data) == before
    for _, _, sha in before[0]:
        stored = files / sha[:2] / f"{sha}.xlsx"
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    with httpx.Client(base_url=server.url, timeout=60) as client:
        history = client.get(f"/api/v1/boards/{LEEDS}/submissions", headers=bearer(key)).json()
        assert [(h["id"], h["status"]) for h in history] == [(k["id"], VALID) for k in kept]
        again = upload(client, LEEDS, key, path, name="after restart.xlsx")
    assert again.status_code == 201 and again.json()["status"] == VALID


def _quietly(server: Server, key: str, content: bytes) -> None:
    try:
        httpx.post(f"{server.url}/api/v1/boards/{LEEDS}/submissions", headers=bearer(key),
                   files={"file": ("slow.xlsx", content)}, timeout=60)
    except httpx.HTTPError:
        pass  # the server was killed under it: that is the test


@pytest.mark.parametrize("marker", [CRASH, HANG], ids=["crash", "hang"])
def test_a_worker_that_dies_or_hangs_costs_one_upload(own_server, filled_example, marker):
    """The upload that crashed or hung its worker is kept with batch.worker_failed; the
    service answers the next upload with a fresh worker."""
    server, key = own_server
    with httpx.Client(base_url=server.url, timeout=60) as client:
        bad = client.post(f"/api/v1/boards/{LEEDS}/submissions", headers=bearer(key),
                          files={"file": ("bad.xlsx", marker + b"\n")})
        assert bad.status_code == 201
        assert (bad.json()["status"], [f["code"] for f in bad.json()["findings"]]) == (
            NOT_CHECKED, ["batch.worker_failed"])
        good = upload(client, LEEDS, key, filled_example(LEEDS))
        assert (good.status_code, good.json()["status"]) == (201, VALID)


def test_each_hostile_file_gets_its_finding_and_the_service_stays_up(web, hostile_corpus,
                                                                      filled_example):
    """Every file of the hostile corpus, uploaded, is kept as unreadable with exactly its
    expected finding (never batch.worker_failed), and a valid return is still checked after."""
    key = web.keys.boards[HOSTILE_SENDER]
    with httpx.Client(base_url=web.url, timeout=120) as client:
        for case, (path, code) in sorted(hostile_corpus.items()):
            answer = upload(client, HOSTILE_SENDER, key, path)
            assert answer.status_code == 201, (case, answer.text)
            got = answer.json()
            assert got["status"] == UNREADABLE, case
            assert [(f["code"], f["severity"]) for f in got["findings"]] == [(code, "error")], case
        assert client.get("/healthz").status_code == 200
        after = upload(client, "E06000048", web.keys.boards["E06000048"],
                       filled_example("E06000048"))
        assert after.json()["status"] == VALID
