"""PAdES signing and verification of finished documents (see ../shared/DESIGN.md, "Signing").

- :mod:`signing.pki` — development PKI (root → issuing CA → the centre's seal, an official, TSA, OCSP).
- :mod:`signing.devserver` — :class:`DevPkiServer`: that PKI's CRLs, OCSP responder and TSA on loopback.
- :mod:`signing.signer` — :class:`SigningOptions` and :class:`DocumentSigner` (PAdES B-B, B-T, B-LT, B-LTA;
  PKCS#12 or PKCS#11 keys; optional visible signature).
- :mod:`signing.verify` — :func:`verify_pdf` and its :class:`VerificationReport` (Vietnamese / English text,
  JSON, ETSI TS 119 102-2 XML).

Like every domain package, nothing here reads the environment: callers pass paths and options.
Names are imported lazily so that ``import signing.errors`` does not pull in pyHanko.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from signing.devserver import DevPkiServer
    from signing.errors import (
        DevPkiError,
        SigningConfigError,
        SigningError,
        SigningInputError,
        SigningKeyError,
        SigningServiceError,
        UnsupportedPadesLevel,
    )
    from signing.pki import DevPki, ensure_dev_pki, revoke_dev_certificate
    from signing.signer import DocumentSigner, Pkcs11Key, SigningOptions, VisibleSignature
    from signing.subject import SignerSubject
    from signing.verify import (
        DocumentTimestampReport,
        Problem,
        SignatureReport,
        VerificationReport,
        async_verify_pdf,
        verify_pdf,
    )

_EXPORTS = {
    "DevPkiError": "signing.errors",
    "SigningConfigError": "signing.errors",
    "SigningError": "signing.errors",
    "SigningInputError": "signing.errors",
    "SigningKeyError": "signing.errors",
    "SigningServiceError": "signing.errors",
    "UnsupportedPadesLevel": "signing.errors",
    "DevPkiServer": "signing.devserver",
    "Pkcs11Key": "signing.signer",
    "VisibleSignature": "signing.signer",
    "DevPki": "signing.pki",
    "ensure_dev_pki": "signing.pki",
    "revoke_dev_certificate": "signing.pki",
    "DocumentSigner": "signing.signer",
    "SigningOptions": "signing.signer",
    "SignerSubject": "signing.subject",
    "DocumentTimestampReport": "signing.verify",
    "Problem": "signing.verify",
    "SignatureReport": "signing.verify",
    "VerificationReport": "signing.verify",
    "async_verify_pdf": "signing.verify",
    "verify_pdf": "signing.verify",
}

__all__ = [
    "DevPki",
    "DevPkiError",
    "DevPkiServer",
    "DocumentSigner",
    "DocumentTimestampReport",
    "Pkcs11Key",
    "Problem",
    "SignatureReport",
    "SignerSubject",
    "SigningConfigError",
    "SigningError",
    "SigningInputError",
    "SigningKeyError",
    "SigningOptions",
    "SigningServiceError",
    "UnsupportedPadesLevel",
    "VerificationReport",
    "VisibleSignature",
    "async_verify_pdf",
    "ensure_dev_pki",
    "revoke_dev_certificate",
    "verify_pdf",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'signing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
