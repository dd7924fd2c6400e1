"""Development PKI: root CA → agency issuing CA → signer certificates, a TSA and an OCSP responder.

The issuing CA issues the centre's seal (an organisation certificate), an official's personal certificate, the
certificate of the development timestamp authority (RFC 3161) and that of the delegated OCSP responder. When a
``services_url`` is given, every certificate below the root names where its revocation status is published
(CRL distribution point, OCSP in the authority information access), so that pyHanko fetches it while signing
at B-LT/B-LTA; :mod:`signing.devserver` serves those URLs on loopback.

Development and tests only. Production keys come from a real CA (PKCS#12 or an HSM through PKCS#11); nothing
here is meant to be trusted outside a developer machine, and every organisation name is marked ``(DEV)``.

``ensure_dev_pki(directory, agency_name)`` is idempotent: it reuses a complete, consistent, unexpired PKI in
``directory`` and generates a fresh one otherwise. Private keys (the signer's PKCS#12 and both CA keys, all
encrypted with the passphrase) and the passphrase file are written with mode 0600. The CA keys are kept so
that CRLs can be re-issued and, later, a timestamp-authority certificate can come from the same hierarchy.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from signing.errors import DevPkiError

logger = logging.getLogger(__name__)

SignerKeyType = Literal["rsa-3072", "ec-p256"]
"""Key type of the seal certificate. Both meet Circular 15/2025 (RSA ≥ 2048 with PSS, or ECDSA ≥ 256)."""

ROOT_CA_NAME = "sohoa Dev Root CA"
ISSUING_CA_NAME = "sohoa Dev Agency Issuing CA"
TSA_NAME = "sohoa Dev Timestamp Authority"
OCSP_NAME = "sohoa Dev OCSP Responder"
PKI_ORGANISATION = "sohoa Dev PKI (DEV)"
DEV_MARK = "(DEV)"

# RFC 9336 id-kp-documentSigning; Adobe and EU validators also accept emailProtection for PDF signing.
EKU_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")

_ROOT_VALIDITY = timedelta(days=20 * 365)
_ISSUING_VALIDITY = timedelta(days=10 * 365)
_SIGNER_VALIDITY = timedelta(days=3 * 365)
_CRL_VALIDITY = timedelta(days=30)
_CLOCK_SKEW = timedelta(minutes=5)
# A PKI expiring within this margin is regenerated rather than reused.
_RENEW_MARGIN = timedelta(days=1)

_ROOT_CERT = "root-ca.pem"
_ROOT_KEY = "root-ca.key.pem"
_ROOT_CRL = "root-ca.crl.pem"
_ISSUING_CERT = "issuing-ca.pem"
_ISSUING_KEY = "issuing-ca.key.pem"
_ISSUING_CRL = "issuing-ca.crl.pem"
_CHAIN = "ca-chain.pem"
_SIGNER_CERT = "signer.pem"
_SIGNER_P12 = "signer.p12"
_OFFICIAL_CERT = "official.pem"
_OFFICIAL_P12 = "official.p12"
_TSA_CERT = "tsa.pem"
_TSA_KEY = "tsa.key.pem"
_OCSP_CERT = "ocsp-responder.pem"
_OCSP_KEY = "ocsp-responder.key.pem"
_PASSPHRASE = "signer.passphrase"

# Paths under a services URL (signing.devserver serves them).
CRL_ROOT_PATH = "/crl/root.crl"
CRL_ISSUING_PATH = "/crl/issuing.crl"
CERT_ROOT_PATH = "/certs/root.cer"
CERT_ISSUING_PATH = "/certs/issuing.cer"
OCSP_PATH = "/ocsp"
TSA_PATH = "/tsa"

DEV_OFFICIAL_NAME = "Nguyễn Văn Cán Bộ"
"""A made-up official (DEV) holding the personal certificate of the development PKI."""
_LOCK = ".dev-pki.lock"

_PRIVATE_MODE = 0o600
_PUBLIC_MODE = 0o644


@dataclass(frozen=True)
class DevPki:
    """Paths of a development PKI written by :func:`ensure_dev_pki`."""

    directory: Path
    agency_name: str
    signer_key_type: SignerKeyType
    root_cert_path: Path
    root_key_path: Path
    root_crl_path: Path
    issuing_ca_cert_path: Path
    issuing_ca_key_path: Path
    issuing_ca_crl_path: Path
    ca_chain_path: Path
    """Issuing CA then root, PEM: the ``-CAfile`` for ``openssl cms -verify``."""
    signer_cert_path: Path
    signer_pkcs12_path: Path
    """PKCS#12 with the signer key, its certificate and the CA chain, encrypted with the passphrase."""
    passphrase_path: Path
    official_cert_path: Path
    """An official's personal certificate (a person, not the organisation)."""
    official_pkcs12_path: Path
    tsa_cert_path: Path
    tsa_key_path: Path
    ocsp_cert_path: Path
    ocsp_key_path: Path
    services_url: str | None = None
    """Base URL of the CRL/OCSP/TSA services named in the certificates (``None``: none named)."""

    @classmethod
    def at(
        cls,
        directory: Path,
        agency_name: str,
        signer_key_type: SignerKeyType,
        services_url: str | None = None,
    ) -> DevPki:
        d = Path(directory)
        return cls(
            directory=d,
            agency_name=agency_name,
            signer_key_type=signer_key_type,
            root_cert_path=d / _ROOT_CERT,
            root_key_path=d / _ROOT_KEY,
            root_crl_path=d / _ROOT_CRL,
            issuing_ca_cert_path=d / _ISSUING_CERT,
            issuing_ca_key_path=d / _ISSUING_KEY,
            issuing_ca_crl_path=d / _ISSUING_CRL,
            ca_chain_path=d / _CHAIN,
            signer_cert_path=d / _SIGNER_CERT,
            signer_pkcs12_path=d / _SIGNER_P12,
            passphrase_path=d / _PASSPHRASE,
            official_cert_path=d / _OFFICIAL_CERT,
            official_pkcs12_path=d / _OFFICIAL_P12,
            tsa_cert_path=d / _TSA_CERT,
            tsa_key_path=d / _TSA_KEY,
            ocsp_cert_path=d / _OCSP_CERT,
            ocsp_key_path=d / _OCSP_KEY,
            services_url=services_url,
        )

    @property
    def all_paths(self) -> tuple[Path, ...]:
        return (
            self.root_cert_path,
            self.root_key_path,
            self.root_crl_path,
            self.issuing_ca_cert_path,
            self.issuing_ca_key_path,
            self.issuing_ca_crl_path,
            self.ca_chain_path,
            self.signer_cert_path,
            self.signer_pkcs12_path,
            self.passphrase_path,
            self.official_cert_path,
            self.official_pkcs12_path,
            self.tsa_cert_path,
            self.tsa_key_path,
            self.ocsp_cert_path,
            self.ocsp_key_path,
        )

    @property
    def trust_roots(self) -> tuple[Path, ...]:
        """What a verifier of this PKI's signatures should trust."""
        return (self.root_cert_path,)

    @property
    def crl_paths(self) -> tuple[Path, ...]:
        """CRLs covering the issuing CA (root CRL) and the signer (issuing CA CRL)."""
        return (self.root_crl_path, self.issuing_ca_crl_path)

    def passphrase(self) -> bytes:
        """The dev-only passphrase protecting the PKCS#12 and the CA keys."""
        return self.passphrase_path.read_bytes().strip()

    def root_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.root_cert_path.read_bytes())

    def issuing_ca_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.issuing_ca_cert_path.read_bytes())

    def signer_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.signer_cert_path.read_bytes())

    def official_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.official_cert_path.read_bytes())

    def tsa_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.tsa_cert_path.read_bytes())

    def ocsp_cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.ocsp_cert_path.read_bytes())

    def url(self, path: str) -> str | None:
        """A service URL of this PKI (``path`` one of the ``*_PATH`` constants), or ``None``."""
        return None if self.services_url is None else self.services_url.rstrip("/") + path

    @property
    def tsa_url(self) -> str | None:
        return self.url(TSA_PATH)


def dev_agency_name(agency_name: str) -> str:
    """NFC-normalise the agency name and mark it ``(DEV)`` so a dev seal is never mistaken for a real one."""
    name = " ".join(unicodedata.normalize("NFC", agency_name).split())
    if not name:
        raise ValueError("agency_name must not be empty")
    return name if name.endswith(DEV_MARK) else f"{name} {DEV_MARK}"


def _common_name(agency_name: str) -> str:
    """The agency name, shortened at a word boundary to the 64 UTF-8 bytes ``cryptography`` allows in a CN.

    The organisation attribute always carries the full name.
    """
    if len(agency_name.encode("utf-8")) <= 64:
        return agency_name
    words = agency_name.removesuffix(DEV_MARK).split()
    while words and len(f"{' '.join(words)}… {DEV_MARK}".encode()) > 64:
        words.pop()
    return f"{' '.join(words)}… {DEV_MARK}"


def ensure_dev_pki(
    directory: Path,
    agency_name: str,
    *,
    signer_key_type: SignerKeyType = "rsa-3072",
    services_url: str | None = None,
) -> DevPki:
    """Return the development PKI in ``directory``, generating it if missing, incomplete or expiring.

    ``services_url`` (e.g. ``http://127.0.0.1:18089``, loopback only) is written into the certificates as
    CRL distribution point and OCSP responder; a PKI whose certificates name another URL (or none) is
    regenerated. Raises :class:`DevPkiError` if the directory already holds a PKI for another agency or key
    type (it is never silently replaced). Safe to call concurrently from several processes (file lock).
    """
    if signer_key_type not in get_args(SignerKeyType):
        raise ValueError(f"unknown signer key type {signer_key_type!r}")
    if services_url is not None:
        services_url = _check_services_url(services_url)
    directory = Path(directory)
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
    pki = DevPki.at(directory, dev_agency_name(agency_name), signer_key_type, services_url)
    with _locked(directory):
        now = _now()
        if _is_reusable(pki, now):
            _refresh_crls(pki, now)
            return pki
        logger.info("generating development PKI (signer key %s)", signer_key_type)
        _generate(pki, now)
        return pki


def revoke_dev_certificate(pki: DevPki, serial_number: int, *, revoked_at: datetime | None = None) -> None:
    """Add a certificate issued by the issuing CA to its CRL and re-issue the CRL (tests of revocation)."""
    with _locked(pki.directory):
        passphrase = pki.passphrase()
        issuing_cert = pki.issuing_ca_cert()
        issuing_key = _load_key(pki.issuing_ca_key_path, passphrase)
        old = x509.load_pem_x509_crl(pki.issuing_ca_crl_path.read_bytes())
        revoked = [(r.serial_number, r.revocation_date_utc) for r in old]
        if all(serial != serial_number for serial, _ in revoked):
            revoked.append((serial_number, revoked_at or _now()))
        crl = _issue_crl(issuing_cert, issuing_key, revoked, _crl_number(old) + 1, _now())
        _write(pki.issuing_ca_crl_path, crl.public_bytes(serialization.Encoding.PEM), _PUBLIC_MODE)


def _check_services_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if (
        parts.scheme != "http"
        or parts.hostname not in ("127.0.0.1", "localhost", "::1")
        or parts.path
        not in (
            "",
            "/",
        )
    ):
        raise ValueError("the development PKI services URL must be http://<loopback>:<port>")
    return url.rstrip("/")


# --- generation -----------------------------------------------------------------------------------


def _generate(pki: DevPki, now: datetime) -> None:
    passphrase = secrets.token_urlsafe(32).encode("ascii")
    encryption = serialization.BestAvailableEncryption(passphrase)
    not_before = now - _CLOCK_SKEW

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    root_name = _name(ROOT_CA_NAME, PKI_ORGANISATION)
    root_cert = (
        _builder(root_name, root_name, root_key.public_key(), not_before, now + _ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )

    issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    issuing_name = _name(ISSUING_CA_NAME, PKI_ORGANISATION)
    issuing_builder = (
        _builder(issuing_name, root_name, issuing_key.public_key(), not_before, now + _ISSUING_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), critical=False)
        .add_extension(_aki(root_cert), critical=False)
    )
    issuing_cert = _with_urls(issuing_builder, pki, CRL_ROOT_PATH, CERT_ROOT_PATH, ocsp=False).sign(
        root_key, hashes.SHA256()
    )

    def leaf(
        subject: x509.Name,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        eku: list[x509.ObjectIdentifier],
    ) -> x509.CertificateBuilder:
        builder = (
            _builder(subject, issuing_name, key.public_key(), not_before, now + _SIGNER_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(_aki(issuing_cert), critical=False)
        )
        return builder.add_extension(
            x509.ExtendedKeyUsage(eku), critical=eku == [ExtendedKeyUsageOID.TIME_STAMPING]
        )

    signing_eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING]
    signer_key = _new_key(pki.signer_key_type)
    signer_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki.agency_name),
            x509.NameAttribute(NameOID.COMMON_NAME, _common_name(pki.agency_name)),
        ]
    )
    signer_cert = _with_urls(
        leaf(signer_name, signer_key, signing_eku).add_extension(_signing_key_usage(), critical=True),
        pki,
        CRL_ISSUING_PATH,
        CERT_ISSUING_PATH,
    ).sign(issuing_key, hashes.SHA256())

    official_key = _new_key(pki.signer_key_type)
    official_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki.agency_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{DEV_OFFICIAL_NAME} {DEV_MARK}"),
        ]
    )
    official_cert = _with_urls(
        leaf(official_name, official_key, signing_eku).add_extension(_signing_key_usage(), critical=True),
        pki,
        CRL_ISSUING_PATH,
        CERT_ISSUING_PATH,
    ).sign(issuing_key, hashes.SHA256())

    # pyHanko's development timestamper signs with RSA PKCS#1 v1.5, so the TSA key is RSA.
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    tsa_cert = _with_urls(
        leaf(_name(TSA_NAME, PKI_ORGANISATION), tsa_key, [ExtendedKeyUsageOID.TIME_STAMPING]).add_extension(
            _key_usage(digital_signature=True, content_commitment=True), critical=True
        ),
        pki,
        CRL_ISSUING_PATH,
        CERT_ISSUING_PATH,
    ).sign(issuing_key, hashes.SHA256())

    ocsp_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ocsp_cert = (
        leaf(_name(OCSP_NAME, PKI_ORGANISATION), ocsp_key, [ExtendedKeyUsageOID.OCSP_SIGNING])
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .sign(issuing_key, hashes.SHA256())
    )

    def p12(
        friendly: bytes, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, cert: x509.Certificate
    ) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            name=friendly, key=key, cert=cert, cas=[issuing_cert, root_cert], encryption_algorithm=encryption
        )

    pem = serialization.Encoding.PEM
    root_crl = _issue_crl(root_cert, root_key, [], 1, now)
    issuing_crl = _issue_crl(issuing_cert, issuing_key, [], 1, now)

    # The passphrase goes first and the signer certificate last: a crash part-way leaves a set that
    # _is_reusable rejects (missing file or a chain that does not verify), so the next call regenerates.
    _write(pki.passphrase_path, passphrase + b"\n", _PRIVATE_MODE)
    _write(pki.root_key_path, _key_pem(root_key, encryption), _PRIVATE_MODE)
    _write(pki.issuing_ca_key_path, _key_pem(issuing_key, encryption), _PRIVATE_MODE)
    _write(pki.tsa_key_path, _key_pem(tsa_key, encryption), _PRIVATE_MODE)
    _write(pki.ocsp_key_path, _key_pem(ocsp_key, encryption), _PRIVATE_MODE)
    _write(pki.signer_pkcs12_path, p12(b"sohoa-dev-seal", signer_key, signer_cert), _PRIVATE_MODE)
    _write(pki.official_pkcs12_path, p12(b"sohoa-dev-official", official_key, official_cert), _PRIVATE_MODE)
    _write(pki.root_cert_path, root_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.issuing_ca_cert_path, issuing_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.ca_chain_path, issuing_cert.public_bytes(pem) + root_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.root_crl_path, root_crl.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.issuing_ca_crl_path, issuing_crl.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.tsa_cert_path, tsa_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.ocsp_cert_path, ocsp_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.official_cert_path, official_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.signer_cert_path, signer_cert.public_bytes(pem), _PUBLIC_MODE)


def _new_key(key_type: SignerKeyType) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def _with_urls(
    builder: x509.CertificateBuilder, pki: DevPki, crl_path: str, issuer_path: str, *, ocsp: bool = True
) -> x509.CertificateBuilder:
    """Name the CRL distribution point, the issuer certificate and (for leaves) the OCSP responder."""
    crl_url, issuer_url, ocsp_url = pki.url(crl_path), pki.url(issuer_path), pki.url(OCSP_PATH)
    if crl_url is None or issuer_url is None or ocsp_url is None:
        return builder
    builder = builder.add_extension(
        x509.CRLDistributionPoints(
            [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
        ),
        critical=False,
    )
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(issuer_url)
        )
    ]
    if ocsp:
        access.insert(
            0,
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            ),
        )
    return builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)


def _signing_key_usage() -> x509.KeyUsage:
    return _key_usage(digital_signature=True, content_commitment=True)  # nonRepudiation


def _key_usage(*, digital_signature: bool = False, content_commitment: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _aki(issuer_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _issue_crl(
    issuer_cert: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    revoked: Sequence[tuple[int, datetime]],
    number: int,
    now: datetime,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now - _CLOCK_SKEW)
        .next_update(now + _CRL_VALIDITY)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(_aki(issuer_cert), critical=False)
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def _key_pem(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, encryption: serialization.KeySerializationEncryption
) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _load_key(path: Path, passphrase: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DevPkiError("The dev CA key has an unexpected type.", "Khóa CA thử nghiệm không đúng loại.")
    return key


# --- reuse ----------------------------------------------------------------------------------------


def _is_reusable(pki: DevPki, now: datetime) -> bool:
    """True for a complete, consistent, unexpired PKI for this agency and key type.

    Raises DevPkiError when a complete PKI exists but for another agency or key type.
    """
    if not all(p.is_file() for p in pki.all_paths):
        if any(p.exists() for p in pki.all_paths):
            logger.warning("development PKI incomplete; regenerating")
        return False
    try:
        root = pki.root_cert()
        issuing = pki.issuing_ca_cert()
        signer = pki.signer_cert()
        issuing.verify_directly_issued_by(root)
        signer.verify_directly_issued_by(issuing)
        key, p12_cert, _ = pkcs12.load_key_and_certificates(
            pki.signer_pkcs12_path.read_bytes(), pki.passphrase()
        )
        for crl_path in pki.crl_paths:
            x509.load_pem_x509_crl(crl_path.read_bytes())
    except (ValueError, TypeError, OSError, InvalidSignature) as exc:
        logger.warning("development PKI inconsistent (%s); regenerating", type(exc).__name__)
        return False
    if p12_cert is None or key is None or p12_cert != signer:
        logger.warning("development PKI: PKCS#12 does not match the signer certificate; regenerating")
        return False

    organisations = signer.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    existing_agency = organisations[0].value if organisations else None
    if existing_agency != pki.agency_name:
        raise DevPkiError(
            "The directory already holds a development PKI for another agency; use another directory.",
            "Thư mục đã chứa PKI thử nghiệm của một cơ quan khác; hãy dùng thư mục khác.",
        )
    if _key_type(signer) != pki.signer_key_type:
        raise DevPkiError(
            "The directory already holds a development PKI with another signer key type; "
            "use another directory.",
            "Thư mục đã chứa PKI thử nghiệm với loại khóa khác; hãy dùng thư mục khác.",
        )
    for cert in (root, issuing, signer):
        if not (cert.not_valid_before_utc <= now and now + _RENEW_MARGIN < cert.not_valid_after_utc):
            logger.warning("development PKI expired or not yet valid; regenerating")
            return False
    if _ocsp_url(signer) != pki.url(OCSP_PATH):
        logger.info("development PKI names other revocation services; regenerating")
        return False
    return True


def _ocsp_url(cert: x509.Certificate) -> str | None:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    for access in aia:
        if access.access_method == AuthorityInformationAccessOID.OCSP:
            value = access.access_location.value
            return value if isinstance(value, str) else None
    return None


def _key_type(cert: x509.Certificate) -> str | None:
    public_key = cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 3072:
        return "rsa-3072"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        return "ec-p256"
    return None


def _refresh_crls(pki: DevPki, now: datetime) -> None:
    """Re-issue a CRL that is about to expire, keeping its revoked entries."""
    pairs = (
        (pki.root_crl_path, pki.root_cert_path, pki.root_key_path),
        (pki.issuing_ca_crl_path, pki.issuing_ca_cert_path, pki.issuing_ca_key_path),
    )
    for crl_path, cert_path, key_path in pairs:
        crl = x509.load_pem_x509_crl(crl_path.read_bytes())
        next_update = crl.next_update_utc
        if next_update is not None and now + _RENEW_MARGIN < next_update:
            continue
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = _load_key(key_path, pki.passphrase())
        revoked = [(r.serial_number, r.revocation_date_utc) for r in crl]
        fresh = _issue_crl(cert, key, revoked, _crl_number(crl) + 1, now)
        _write(crl_path, fresh.public_bytes(serialization.Encoding.PEM), _PUBLIC_MODE)


# --- files ----------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory / _LOCK, os.O_RDWR | os.O_CREAT, _PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Atomic write: a temporary file with ``mode`` from the start, fsynced, then renamed over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
