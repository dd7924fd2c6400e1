"""Development PKI: root CA → agency issuing CA → the centre's seal (organisation) certificate.

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
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.errors import DevPkiError

logger = logging.getLogger(__name__)

SignerKeyType = Literal["rsa-3072", "ec-p256"]
"""Key type of the seal certificate. Both meet Circular 15/2025 (RSA ≥ 2048 with PSS, or ECDSA ≥ 256)."""

ROOT_CA_NAME = "sohoa Dev Root CA"
ISSUING_CA_NAME = "sohoa Dev Agency Issuing CA"
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
_PASSPHRASE = "signer.passphrase"
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

    @classmethod
    def at(cls, directory: Path, agency_name: str, signer_key_type: SignerKeyType) -> DevPki:
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
    directory: Path, agency_name: str, *, signer_key_type: SignerKeyType = "rsa-3072"
) -> DevPki:
    """Return the development PKI in ``directory``, generating it if missing, incomplete or expiring.

    Raises :class:`DevPkiError` if the directory already holds a PKI for another agency or key type (it is
    never silently replaced). Safe to call concurrently from several processes (file lock).
    """
    if signer_key_type not in get_args(SignerKeyType):
        raise ValueError(f"unknown signer key type {signer_key_type!r}")
    directory = Path(directory)
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
    pki = DevPki.at(directory, dev_agency_name(agency_name), signer_key_type)
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
    issuing_cert = (
        _builder(issuing_name, root_name, issuing_key.public_key(), not_before, now + _ISSUING_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), critical=False)
        .add_extension(_aki(root_cert), critical=False)
        .sign(root_key, hashes.SHA256())
    )

    signer_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if pki.signer_key_type == "ec-p256":
        signer_key = ec.generate_private_key(ec.SECP256R1())
    else:
        signer_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    signer_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki.agency_name),
            x509.NameAttribute(NameOID.COMMON_NAME, _common_name(pki.agency_name)),
        ]
    )
    signer_cert = (
        _builder(signer_name, issuing_name, signer_key.public_key(), not_before, now + _SIGNER_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(_aki(issuing_cert), critical=False)
        .sign(issuing_key, hashes.SHA256())
    )

    p12 = pkcs12.serialize_key_and_certificates(
        name=b"sohoa-dev-seal",
        key=signer_key,
        cert=signer_cert,
        cas=[issuing_cert, root_cert],
        encryption_algorithm=encryption,
    )
    pem = serialization.Encoding.PEM
    root_crl = _issue_crl(root_cert, root_key, [], 1, now)
    issuing_crl = _issue_crl(issuing_cert, issuing_key, [], 1, now)

    # The passphrase goes first and the signer certificate last: a crash part-way leaves a set that
    # _is_reusable rejects (missing file or a chain that does not verify), so the next call regenerates.
    _write(pki.passphrase_path, passphrase + b"\n", _PRIVATE_MODE)
    _write(pki.root_key_path, _key_pem(root_key, encryption), _PRIVATE_MODE)
    _write(pki.issuing_ca_key_path, _key_pem(issuing_key, encryption), _PRIVATE_MODE)
    _write(pki.signer_pkcs12_path, p12, _PRIVATE_MODE)
    _write(pki.root_cert_path, root_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.issuing_ca_cert_path, issuing_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.ca_chain_path, issuing_cert.public_bytes(pem) + root_cert.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.root_crl_path, root_crl.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.issuing_ca_crl_path, issuing_crl.public_bytes(pem), _PUBLIC_MODE)
    _write(pki.signer_cert_path, signer_cert.public_bytes(pem), _PUBLIC_MODE)


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
    return True


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
