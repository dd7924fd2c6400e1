"""Who signed: the parts of a certificate subject that reports show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class SignerSubject:
    """Subject of a signer's certificate.

    For the centre's seal this is an organisation, not a person. Signatures verified from elsewhere may carry
    a person's name: reports may show it to an auditor, but it never goes into exception messages or logs.
    """

    common_name: str | None
    organisation: str | None
    country: str | None
    rfc4514: str
    serial_number: int | None = None
    """Serial number of the certificate (not the subject's serialNumber attribute)."""

    def __str__(self) -> str:
        return self.rfc4514

    @property
    def display_name(self) -> str:
        cn, org = self.common_name, self.organisation
        if cn and org:
            # A CN that is the organisation name (possibly shortened to fit 64 bytes) adds nothing.
            core = cn.replace("(DEV)", "").replace("…", "").strip()
            return org if org.startswith(core) else f"{cn} ({org})"
        return org or cn or self.rfc4514

    def to_dict(self) -> dict[str, Any]:
        return {
            "common_name": self.common_name,
            "organisation": self.organisation,
            "country": self.country,
            "rfc4514": self.rfc4514,
            "certificate_serial": None if self.serial_number is None else format(self.serial_number, "x"),
        }

    @classmethod
    def from_certificate(cls, cert: x509.Certificate | asn1_x509.Certificate) -> SignerSubject:
        if isinstance(cert, asn1_x509.Certificate):
            cert = x509.load_der_x509_certificate(cert.dump())
        name = cert.subject

        def first(oid: x509.ObjectIdentifier) -> str | None:
            attrs = name.get_attributes_for_oid(oid)
            value = attrs[0].value if attrs else None
            return value if isinstance(value, str) else None

        return cls(
            common_name=first(NameOID.COMMON_NAME),
            organisation=first(NameOID.ORGANIZATION_NAME),
            country=first(NameOID.COUNTRY_NAME),
            rfc4514=name.rfc4514_string(),
            serial_number=cert.serial_number,
        )
