"""Typed signing errors.

Each error carries a stable ``code`` and a Vietnamese + English message (see ../shared/DESIGN.md, "Errors are
typed"). Messages never contain personal data, passphrases or document content: only codes, algorithm names
and file roles.
"""

from __future__ import annotations


class SigningError(Exception):
    """Base class for everything the signing package raises on purpose."""

    code = "signing_error"
    permanent = True

    def __init__(self, message_en: str, message_vi: str, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        self.message_en = message_en
        self.message_vi = message_vi
        super().__init__(f"[{self.code}] {message_en}")


class UnsupportedPadesLevel(SigningError, NotImplementedError):
    """Kept for callers of the B-B-only release: every baseline level is implemented now."""

    code = "pades_level_not_implemented"

    def __init__(self, level: str) -> None:
        self.level = level
        super().__init__(
            f"PAdES level {level!r} is not implemented yet: only 'B-B' is available; "
            "B-T, B-LT and B-LTA (timestamp authority, revocation data, archive timestamps) are the "
            "subject of the later PAdES-levels issue.",
            f"Chưa hỗ trợ mức PAdES {level!r}: hiện chỉ có 'B-B'; các mức B-T, B-LT, B-LTA (dấu thời gian, "
            "dữ liệu thu hồi, dấu thời gian lưu trữ) thuộc đầu việc PAdES sau.",
        )


class SigningServiceError(SigningError):
    """A timestamp authority or revocation service could not be reached: transient, worth retrying."""

    code = "signing_service_unavailable"
    permanent = False


class SigningConfigError(SigningError):
    """Options that cannot work (unknown digest, bad field name, weak key...)."""

    code = "signing_config_invalid"


class SigningKeyError(SigningError):
    """The signing key or certificate could not be loaded or is not usable."""

    code = "signing_key_unusable"


class SigningInputError(SigningError):
    """The PDF handed to the signer cannot be signed (unreadable, encrypted, field already signed...)."""

    code = "signing_input_invalid"


class DevPkiError(SigningError):
    """The development PKI directory holds something ``ensure_dev_pki`` must not overwrite."""

    code = "dev_pki_conflict"
