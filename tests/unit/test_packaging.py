"""`pip install .` must give a working app: the wheel carries templates, static files, catalogs
and migrations inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_carries_everything_the_app_reads(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("familyapp-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "familyapp/_resources/templates/base.html",
        "familyapp/_resources/static/css/app.css",
        "familyapp/_resources/static/js/sw/wiring.js",
        "familyapp/_resources/static/icons/icon-maskable-512.png",
        "familyapp/_resources/translations/es/LC_MESSAGES/messages.mo",
        "familyapp/migrations/env.py",
        "familyapp/migrations/versions/0001_foundation.py",
        "familyapp/accounts/common_passwords.txt",
    }
    assert expected - names == set()
    assert not any(name.startswith(("tests/", "node_modules/")) for name in names)
