"""A SoftHSM2 token for development and tests (the shell's business: it sets SOFTHSM2_CONF for the process).

Production names a real HSM's PKCS#11 module and token in the settings; nothing here is used then.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from pathlib import Path

SOFTHSM_UTIL = "softhsm2-util"


def softhsm_conf(directory: Path) -> Path:
    """Write (once) a SoftHSM2 configuration keeping its tokens under ``directory``."""
    conf = directory / "softhsm2.conf"
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not conf.exists():
        conf.write_text(
            f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
            "slots.removable = false\n",
            encoding="utf-8",
        )
    return conf


def token_labels(env: dict[str, str]) -> list[str]:
    shown = subprocess.run(
        [SOFTHSM_UTIL, "--show-slots"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"^\s*Label:\s*(\S.*?)\s*$", shown, flags=re.MULTILINE)


def ensure_softhsm_token(directory: Path, label: str, pin: str) -> Path:
    """A SoftHSM2 token labelled ``label`` with user PIN ``pin``; returns the configuration in use.

    The process environment's SOFTHSM2_CONF wins when set (a test session or an operator chose it);
    otherwise it is pointed at ``directory``. Call before the PKCS#11 module is loaded in this process.
    """
    if not os.environ.get("SOFTHSM2_CONF"):
        os.environ["SOFTHSM2_CONF"] = str(softhsm_conf(directory))
    conf = Path(os.environ["SOFTHSM2_CONF"])
    env = dict(os.environ)
    if label not in token_labels(env):
        so_pin_file = directory / "so-pin"
        directory.mkdir(parents=True, exist_ok=True)
        if not so_pin_file.exists():
            fd = os.open(so_pin_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(16))
        subprocess.run(
            [
                SOFTHSM_UTIL,
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                pin,
                "--so-pin",
                so_pin_file.read_text().strip(),
            ],
            env=env,
            capture_output=True,
            check=True,
        )
    return conf
