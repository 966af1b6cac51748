"""Shared fixtures: LibreOffice headless recalculation of a workbook."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def libreoffice_recalc(book: Path, out_dir: Path) -> Path:
    """Open ``book`` in headless LibreOffice (own fresh profile), recalculate, save as .xlsx in ``out_dir``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; the test setup installs libreoffice-calc-nogui")
    if Path(book).resolve().parent == Path(out_dir).resolve():
        raise ValueError("out_dir must differ from the workbook's folder (the converted file has the same name)")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.resolve().as_uri()}",
         "--convert-to", "xlsx", "--outdir", str(out_dir), str(book)],
        capture_output=True, text=True, timeout=240,
    )
    converted = out_dir / (Path(book).stem + ".xlsx")
    if result.returncode != 0 or not converted.exists():
        raise RuntimeError(f"LibreOffice conversion failed ({result.returncode}): {result.stdout} {result.stderr}")
    return converted


@pytest.fixture(scope="session")
def lo_recalc():
    """The function libreoffice_recalc(book, out_dir) -> converted .xlsx path."""
    return libreoffice_recalc
