"""Commands of the web intake: serve it, re-check what it holds, manage its keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from bcf_xl.cli.common import (
    REFERENCE_OPTION, err, load_reference_or_exit, parse_limits, usage_error, writable_out,
)

DATA_OPTION = typer.Option(Path("bcf-xl-data"), "--data", file_okay=False,
                           help="Folder for the database and the stored files (made if missing).")
DATABASE_OPTION = typer.Option(None, "--database", help="Database URL, e.g. "
                               "postgresql+psycopg://user@host/bcf (default: SQLite in --data).")


def _settings(data: Path, database: Optional[str], **changes):
    from bcf_xl.web.settings import Settings

    return Settings(data_dir=data, database_url=database, **changes)


def _service(settings):
    from sqlalchemy.exc import SQLAlchemyError

    from bcf_xl.web.service import Service

    try:
        return Service(settings)
    except SQLAlchemyError as exc:
        raise usage_error(f"cannot use the database: {str(exc).splitlines()[0]}")


def _deadline(text: Optional[str]) -> dt.datetime:
    from bcf_xl.web.settings import DEFAULT_DEADLINE, LONDON

    if not text:
        return DEFAULT_DEADLINE
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise usage_error(f"--deadline {text!r} is not a time like 2014-02-14T12:00")
    return value if value.tzinfo else value.replace(tzinfo=LONDON)


def serve(
    data: Path = DATA_OPTION,
    database: Optional[str] = DATABASE_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (only this "
                             "machine by default)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(2, "--workers", min=1, max=64,
                                help="Processes that check returns."),
    timeout: float = typer.Option(30.0, "--timeout", min=1.0, help="Seconds allowed per file."),
    deadline: Optional[str] = typer.Option(None, "--deadline", help="When returns are due, "
                                           "UK time unless a zone is given (default: "
                                           "2014-02-14T12:00; with --demo, two weeks from now)."),
    keys: Optional[Path] = typer.Option(None, "--keys", dir_okay=False, exists=True,
                                        help="Board keys file (from `generate --keys`) to load "
                                        "first."),
    demo: bool = typer.Option(False, "--demo", help="Set up the bundled demo data first: "
                              "templates, returns, keys, submissions (once, in --data)."),
    reference: Optional[Path] = REFERENCE_OPTION,
    rate: int = typer.Option(60, "--rate", min=1, help="Requests per minute per key (and "
                             "the burst a key may make at once)."),
    secure_cookies: bool = typer.Option(True, "--secure-cookies/--no-secure-cookies",
                                        help="Mark cookies Secure (keep it, behind HTTPS or on "
                                        "this machine)."),
    limits: Optional[str] = typer.Option(None, "--limits", help="Override intake limits."),
    validator: str = typer.Option("bcf_xl.validate:validate_file", "--validator", hidden=True),
) -> None:
    """Run the web intake: boards upload returns and see findings; assurers see every board."""
    import uvicorn

    from bcf_xl.web.app import create_app

    load_reference_or_exit(reference)
    when = _deadline(deadline)
    if demo and not deadline:
        when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=14)
    settings = _settings(data, database, workers=workers, timeout=timeout, deadline=when,
                         reference_path=reference, rate_per_minute=rate, rate_burst=rate,
                         secure_cookies=secure_cookies, limits=parse_limits(limits),
                         validator=validator)
    _prepare(settings, keys, demo)
    if secure_cookies and host not in ("127.0.0.1", "localhost", "::1"):
        err.print("Browsers keep the sign-in cookie only over HTTPS (or on this machine): put "
                  "the intake behind HTTPS, or use --no-secure-cookies on a closed network.",
                  highlight=False)
    err.print(f"Serving on http://{host}:{port}/ (API description: /docs). Data: "
              f"{settings.data_dir}; stop with Ctrl+C.", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                proxy_headers=False, server_header=False)


def _prepare(settings, keys: Optional[Path], demo: bool) -> None:
    from bcf_xl.web.access import KeysFileError, read_board_keys

    service = _service(settings)
    try:
        if keys:
            try:
                added, revoked = service.keys.import_board_keys(read_board_keys(keys))
            except KeysFileError as exc:
                raise usage_error(str(exc))
            err.print(f"Board keys: {added} added, {revoked} replaced.", highlight=False)
        if demo:
            from bcf_xl.web.demo import prepare_demo

            err.print("Preparing the demo (the first time takes a minute)...", highlight=False)
            made = prepare_demo(service)
            err.print(f"Demo returns: {made.mailbox} ({made.submitted} submitted now)\n"
                      f"Board keys (one per board, sign in with any): {made.board_keys}\n"
                      f"National assurer key: {made.national_key}\n"
                      f"London assurer key: {made.regional_key}", highlight=False)
    finally:
        service.close()


def revalidate(
    data: Path = DATA_OPTION,
    database: Optional[str] = DATABASE_OPTION,
    hwb: Optional[str] = typer.Option(None, "--hwb", help="Only this board's submissions."),
    workers: int = typer.Option(2, "--workers", min=1, max=64),
    timeout: float = typer.Option(30.0, "--timeout", min=1.0),
    reference: Optional[Path] = REFERENCE_OPTION,
) -> None:
    """Check every stored submission again with this version's rules (after the rules changed).

    Each gets a new validation; earlier ones are kept. What counts may change with the results.
    """
    from collections import Counter

    load_reference_or_exit(reference)
    service = _service(_settings(data, database, workers=workers, timeout=timeout,
                                 reference_path=reference))
    try:
        before = {c.id: c.status for c in service.records.current()}
        after: dict[int, str] = {}
        count = service.revalidate(hwb=hwb, workers=workers,
                                   on_result=lambda i, status: after.__setitem__(i, status))
    finally:
        service.close()
    changed = sum(1 for i, s in after.items() if before.get(i) != s)
    statuses = Counter(after.values())
    err.print(f"Re-checked {count} submission(s): "
              + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
              + f"; {changed} changed status.", highlight=False)


keys_app = typer.Typer(no_args_is_help=True, help="Manage the intake's access keys.")


@keys_app.command("import")
def import_keys(
    file: Path = typer.Argument(..., dir_okay=False, exists=True,
                                help="Board keys file from `generate --keys`."),
    data: Path = DATA_OPTION,
    database: Optional[str] = DATABASE_OPTION,
) -> None:
    """Load board keys (only their hashes are stored); a board's earlier key stops working."""
    from bcf_xl.web.access import KeysFileError, read_board_keys

    try:
        board_keys = read_board_keys(file)
    except KeysFileError as exc:
        raise usage_error(str(exc))
    service = _service(_settings(data, database))
    try:
        unknown = [k.hwb_code for k in board_keys if service.board(k.hwb_code) is None]
        if unknown:
            raise usage_error(f"{file}: no board has the code(s) {', '.join(unknown[:5])}")
        added, revoked = service.keys.import_board_keys(board_keys)
    finally:
        service.close()
    err.print(f"Board keys: {added} added, {revoked} replaced.", highlight=False)


@keys_app.command("assurer")
def assurer_key(
    out: Path = typer.Option(..., "--out", dir_okay=False, help="File to write the new key "
                             "to (readable by you only)."),
    region: Optional[str] = typer.Option(None, "--region", help="NHS England region; "
                                         "without it, a national key."),
    label: str = typer.Option("", "--label", help="Whose key it is, for `keys list`."),
    data: Path = DATA_OPTION,
    database: Optional[str] = DATABASE_OPTION,
) -> None:
    """Issue an assurer key, national or for one region; it is written to --out, never shown."""
    writable_out(out, folder=False)  # before the key is made: a key nobody has is no use
    service = _service(_settings(data, database))
    try:
        regions = sorted({h.region_name for h in service.reference.hwbs})
        if region is not None and region not in regions:
            raise usage_error(f"--region must be one of: {', '.join(regions)}")
        from bcf_xl.web.access import write_private

        key_id, key = service.keys.issue_assurer(region, label)
        write_private(out, key + "\n")
    finally:
        service.close()
    err.print(f"Assurer key {key_id} ({region or 'national'}) written to {out}", highlight=False)


@keys_app.command("list")
def list_keys(data: Path = DATA_OPTION, database: Optional[str] = DATABASE_OPTION) -> None:
    """Every key's id, role, scope and dates (never a key or its hash)."""
    service = _service(_settings(data, database))
    try:
        infos = service.keys.list()
    finally:
        service.close()
    for k in infos:
        scope = k.hwb_code if k.role == "board" else (k.region or "national")
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        typer.echo(f"{k.id}\t{k.role}\t{scope}\t{k.label}\t{k.created_at:%Y-%m-%d}\t{state}")


@keys_app.command("revoke")
def revoke_key(key_id: int = typer.Argument(..., help="The key's id (see `keys list`)."),
               data: Path = DATA_OPTION, database: Optional[str] = DATABASE_OPTION) -> None:
    """Stop a key working at once, with every session it opened."""
    service = _service(_settings(data, database))
    try:
        done = service.keys.revoke(key_id)
    finally:
        service.close()
    if not done:
        raise usage_error(f"no active key has the id {key_id}")
    err.print(f"Key {key_id} revoked.", highlight=False)
