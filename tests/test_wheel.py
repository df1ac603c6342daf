"""An installed package works: the wheel is built, installed into a fresh virtual environment
and its commands run from there (generate, example, fill, validate, schema, batch), offline.

The project is imported from the wheel, not from this checkout: the new environment sees the
test environment's site-packages only for the dependencies (a path in a .pth file, whose own
.pth files, such as an editable install's, are not processed), and the test checks that
bcf_xl.__file__ is inside the new environment.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bcf_xl"
BOARD = "E08000035"


def _run(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=900, env={**env, "PIP_NO_INDEX": "1",
                                            "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def _builder() -> str | None:
    """A Python that can build the wheel offline (setuptools with bdist_wheel): this one, or
    the system's."""
    probe = "import setuptools, setuptools.build_meta; import wheel"
    for python in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if python and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0:
            if subprocess.run([python, "-m", "pip", "--version"],
                              capture_output=True).returncode == 0:
                return python
    return None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    python = _builder()
    if python is None:
        pytest.skip("no Python here can build a wheel offline (setuptools and wheel)")
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy: a build writes build/ and *.egg-info beside the sources.
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / "bcf_xl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run(python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", tmp / "dist", source, cwd=tmp)
    (built,) = (tmp / "dist").glob("bcf_xl-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("venv")
    env = tmp / "env"
    _run(sys.executable, "-m", "venv", env, cwd=tmp)
    python = env / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp).stdout.strip())
    # The dependencies from the test environment (offline), after the new environment's own.
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=tmp)
    return env


def test_the_wheel_holds_every_data_file_the_package_reads(wheel):
    """Every file of the package that is not Python source is in the wheel: specs, migration
    maps, payment presets, schemas, reference data, rounds, web templates and static files."""
    names = set(zipfile.ZipFile(wheel).namelist())
    data = sorted(p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc"))
    assert data and [d for d in data if d not in names] == []
    for expected in ("bcf_xl/templates/migrations/2014-02_to_2014-09.yaml",
                     "bcf_xl/templates/payment/jul2014-per-quarter.yaml",
                     "bcf_xl/schema/bcf-planning-2014-09.schema.json",
                     "bcf_xl/data/rounds.yaml", "bcf_xl/web/templates/base.html",
                     "bcf_xl/web/static/style.css", "bcf_xl/web/migrations/env.py"):
        assert expected in names


def test_the_installed_commands_work(venv, tmp_path):
    """generate, example, fill, validate, schema and batch from the installed package."""
    python, cli = venv / "bin" / "python", venv / "bin" / "bcf-xl"
    where = _run(python, "-c", "import bcf_xl; print(bcf_xl.__file__)", cwd=tmp_path).stdout
    assert Path(where.strip()).resolve().is_relative_to(venv.resolve()), where
    schema = json.loads(_run(cli, "schema", cwd=tmp_path).stdout)
    assert schema["type"] == "object"
    box = tmp_path / "box"
    box.mkdir()
    for version in ("2014-02", "2014-09"):
        out = tmp_path / f"templates-{version}"
        _run(cli, "generate", "--out", out, "--hwb", BOARD, "--template-version", version,
             cwd=tmp_path)
        (template,) = out.glob(f"{BOARD}*.xlsx")
        example = tmp_path / f"example-{version}.json"
        example.write_text(_run(cli, "example", "--hwb", BOARD, "--template-version", version,
                                cwd=tmp_path).stdout)
        filled = box / f"{BOARD}_{version}.xlsx"
        _run(cli, "fill", template, example, "--out", filled, cwd=tmp_path)
        _run(cli, "validate", filled, cwd=tmp_path)  # exit 0: valid
    superseded = _run(cli, "validate", box / f"{BOARD}_2014-02.xlsx", "--round", "sep2014",
                      "--format", "json", cwd=tmp_path, check=False)
    assert superseded.returncode == 1
    assert [f["code"] for f in json.loads(superseded.stdout)["files"][0]["findings"]] == [
        "identity.version_superseded"]
    batch = _run(cli, "batch", box, "--out", tmp_path / "reports", "--workers", "1",
                 cwd=tmp_path, check=False)
    assert batch.returncode == 1, batch.stderr  # 150 boards sent nothing
    with open(tmp_path / "reports" / "summary.csv", newline="", encoding="utf-8-sig") as handle:
        summary = list(csv.DictReader(handle))
    assert sorted((r["template_version"], r["status"]) for r in summary) == [
        ("2014-02", "valid"), ("2014-09", "valid")]
    assert (tmp_path / "reports" / "report.html").stat().st_size > 0
