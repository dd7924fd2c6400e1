"""PAdES signing of finished PDFs (after OCR, text layer, conversion mark and QR; see DESIGN.md "Signing").

The signature is added as an incremental update, so the bytes of the input stay exactly as they were and a
later step may only add further signatures or timestamps. Only baseline B-B for now: B-T, B-LT and B-LTA (TSA,
revocation data in the DSS, archive timestamps), visible stamps and PKCS#11 keys are left to the PAdES-levels
issue; :class:`SigningOptions` and :class:`DocumentSigner` are shaped so they can be added without changing
callers.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError, PdfStrictReadError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError

from signing.errors import SigningConfigError, SigningInputError, SigningKeyError, UnsupportedPadesLevel
from signing.subject import SignerSubject

logger = logging.getLogger(__name__)

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
IMPLEMENTED_LEVELS: frozenset[str] = frozenset({"B-B"})
DigestName = Literal["sha256", "sha384", "sha512"]
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
DEFAULT_FIELD_PREFIX = "Signature"
MIN_RSA_BITS = 2048  # Circular 15/2025/TT-BKHCN: RSA >= 2048 (RSASSA-PSS) or ECDSA >= 256
MIN_EC_BITS = 256


@dataclass(frozen=True)
class SigningOptions:
    """What to sign with and how. Frozen, so one instance can be shared by threads and logged safely."""

    pkcs12_path: Path
    passphrase: bytes | None = None
    level: PadesLevel = "B-B"
    """PAdES baseline level. Anything but "B-B" raises :class:`UnsupportedPadesLevel` for now."""
    field_name: str | None = None
    """Signature field to create or fill; ``None`` picks the first free ``Signature<n>``."""
    reason: str | None = None
    location: str | None = None
    contact_info: str | None = None
    use_pss: bool = True
    """RSA keys sign with RSASSA-PSS (salt length = digest length), as Circular 15/2025 requires.
    ``False`` falls back to PKCS#1 v1.5. No effect on ECDSA keys."""
    digest: DigestName = "sha256"
    certify: bool = False
    """Make this a certification (DocMDP) signature that still permits form filling and further signatures.
    Only valid as the first signature in a document."""
    extra_chain_paths: tuple[Path, ...] = ()
    """CA certificates (PEM/DER) to embed that are not in the PKCS#12."""

    def __post_init__(self) -> None:
        if self.level not in get_args(PadesLevel):
            raise SigningConfigError(
                f"Unknown PAdES level {self.level!r}; expected one of {', '.join(get_args(PadesLevel))}.",
                f"Mức PAdES không hợp lệ {self.level!r}.",
            )
        if self.level not in IMPLEMENTED_LEVELS:
            raise UnsupportedPadesLevel(self.level)
        if self.digest not in _DIGEST_SIZES:
            raise SigningConfigError(
                f"Unsupported digest {self.digest!r}; use sha256, sha384 or sha512.",
                f"Thuật toán băm không được hỗ trợ {self.digest!r}; dùng sha256, sha384 hoặc sha512.",
            )
        if self.field_name is not None and not _FIELD_NAME.fullmatch(self.field_name):
            raise SigningConfigError(
                "The signature field name must be 1-64 characters from A-Z, a-z, 0-9, '_' and '-'.",
                "Tên trường chữ ký phải gồm 1-64 ký tự A-Z, a-z, 0-9, '_' hoặc '-'.",
            )

    def __repr__(self) -> str:  # never show the passphrase
        return (
            f"SigningOptions(pkcs12_path={str(self.pkcs12_path)!r}, "
            f"passphrase={'***' if self.passphrase else None}, "
            f"level={self.level!r}, field_name={self.field_name!r}, use_pss={self.use_pss!r}, "
            f"digest={self.digest!r}, certify={self.certify!r})"
        )


class DocumentSigner:
    """Signs PDFs with one key, loaded once when the signer is built.

    Thread-safe: :meth:`sign` keeps no state between calls. :meth:`sign` runs its own event loop, so from
    async code call :meth:`async_sign` instead.
    """

    def __init__(self, options: SigningOptions) -> None:
        self._options = options
        pkcs12_path = Path(options.pkcs12_path)
        if not pkcs12_path.is_file():
            raise SigningKeyError(
                "The PKCS#12 file of the signing key does not exist.",
                "Không tìm thấy tệp PKCS#12 chứa khóa ký.",
                code="signing_key_missing",
            )
        loaded = signers.SimpleSigner.load_pkcs12(
            pfx_file=str(pkcs12_path),
            ca_chain_files=[str(p) for p in options.extra_chain_paths] or None,
            passphrase=options.passphrase,
            prefer_pss=options.use_pss,
        )
        if loaded is None:  # pyHanko logs the cause and returns None
            raise SigningKeyError(
                "The signing key could not be loaded from the PKCS#12 file "
                "(wrong passphrase or damaged file).",
                "Không nạp được khóa ký từ tệp PKCS#12 (sai mật khẩu hoặc tệp hỏng).",
            )
        cert = loaded.signing_cert
        if cert is None:  # pragma: no cover - load_pkcs12 always sets it
            raise SigningKeyError(
                "The PKCS#12 file holds no certificate.", "Tệp PKCS#12 không có chứng thư số."
            )
        self._certificate = x509.load_der_x509_certificate(cert.dump())
        self._check_certificate(self._certificate)
        mechanism = self._signature_mechanism(cert, options)
        self._signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
            signature_mechanism=mechanism,
            prefer_pss=options.use_pss,
        )
        self._subject = SignerSubject.from_certificate(self._certificate)

    @property
    def options(self) -> SigningOptions:
        return self._options

    @property
    def signer_subject(self) -> SignerSubject:
        """Subject of the signing certificate (for reports; ``str()`` gives the RFC 4514 form)."""
        return self._subject

    @property
    def signer_certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def signer_fingerprint_sha256(self) -> str:
        return self._certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def signature_algorithm(self) -> str:
        """e.g. ``rsassa_pss`` or ``sha256_ecdsa``."""
        return str(self._signer.get_signature_mechanism_for_digest(self._options.digest).signature_algo)

    def sign(self, pdf: bytes) -> bytes:
        """Return ``pdf`` with a PAdES B-B signature appended as an incremental update."""
        return asyncio.run(self.async_sign(pdf))

    async def async_sign(self, pdf: bytes) -> bytes:
        writer = self._open(pdf)
        field_name = self._field_name(writer)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=self._options.digest,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=self._options.reason,
            location=self._options.location,
            contact_info=self._options.contact_info,
            certify=self._options.certify,
            # DocMDP for certification: keep further signatures and form filling allowed.
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        )
        pdf_signer = signers.PdfSigner(meta, signer=self._signer)
        output = io.BytesIO()
        try:
            await pdf_signer.async_sign_pdf(writer, output=output)
        except (PyHankoSigningError, PdfError) as exc:
            raise SigningInputError(
                f"The PDF could not be signed ({type(exc).__name__}).",
                "Không ký được tệp PDF.",
            ) from exc
        return output.getvalue()

    # --- helpers ----------------------------------------------------------------------------------------

    def _open(self, pdf: bytes) -> IncrementalPdfFileWriter:
        if not pdf.lstrip(b"\x00\t\n\f\r ").startswith(b"%PDF-"):
            raise SigningInputError(
                "The input is not a PDF.", "Dữ liệu đầu vào không phải PDF.", code="signing_input_not_pdf"
            )
        try:
            try:
                writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
            except PdfStrictReadError:
                # e.g. hybrid-reference files; an incremental update on top of them is still well-formed.
                logger.info("PDF not readable in strict mode; signing in lenient mode")
                writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        except (PdfReadError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise SigningInputError(
                f"The PDF cannot be read for signing ({type(exc).__name__}).",
                "Không đọc được tệp PDF để ký.",
                code="signing_input_unreadable",
            ) from exc
        if writer.prev.encrypted:
            raise SigningInputError(
                "The PDF is encrypted; it cannot be signed.",
                "Tệp PDF được mã hóa, không ký được.",
                code="signing_input_encrypted",
            )
        return writer

    def _field_name(self, writer: IncrementalPdfFileWriter) -> str:
        existing = {name: filled for name, filled in _sig_fields(writer)}
        wanted = self._options.field_name
        if wanted is not None:
            if existing.get(wanted):
                raise SigningInputError(
                    "The signature field is already signed; choose another field name.",
                    "Trường chữ ký đã được ký; hãy chọn tên trường khác.",
                    code="signing_field_taken",
                )
            return wanted
        n = 1
        while f"{DEFAULT_FIELD_PREFIX}{n}" in existing:
            n += 1
        return f"{DEFAULT_FIELD_PREFIX}{n}"

    @staticmethod
    def _check_certificate(cert: x509.Certificate) -> None:
        now = datetime.now(UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise SigningKeyError(
                "The signing certificate is expired or not yet valid.",
                "Chứng thư số ký đã hết hạn hoặc chưa có hiệu lực.",
                code="signing_cert_expired",
            )
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
            non_repudiation = usage.content_commitment
        except x509.ExtensionNotFound:
            non_repudiation = False
        if not non_repudiation:
            raise SigningKeyError(
                "The signing certificate lacks the nonRepudiation key usage "
                "required for document signatures.",
                "Chứng thư số ký thiếu mục đích sử dụng nonRepudiation cần cho chữ ký tài liệu.",
                code="signing_cert_key_usage",
            )
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            algorithm, key_size, minimum = "RSA", key.key_size, MIN_RSA_BITS
        elif isinstance(key, ec.EllipticCurvePublicKey):
            algorithm, key_size, minimum = "ECDSA", key.curve.key_size, MIN_EC_BITS
        else:
            algorithm, key_size, minimum = type(key).__name__, 0, 1
        if key_size < minimum:
            raise SigningKeyError(
                f"The signing key is too weak or unsupported ({algorithm}, {key_size} bits).",
                f"Khóa ký quá yếu hoặc không được hỗ trợ ({algorithm}, {key_size} bit).",
                code="signing_key_weak",
            )

    @staticmethod
    def _signature_mechanism(
        cert: asn1_x509.Certificate, options: SigningOptions
    ) -> algos.SignedDigestAlgorithm | None:
        """RSASSA-PSS with salt length = digest length for RSA keys; ``None`` lets pyHanko pick otherwise.

        pyHanko's own PSS default uses the maximum salt length, which is valid but less interoperable
        (several verifiers and tokens only handle sLen = hLen, the RFC 4055/8017 recommendation).
        """
        if cert.public_key.algorithm != "rsa" or not options.use_pss:
            return None
        digest = algos.DigestAlgorithm({"algorithm": options.digest})
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": digest,
                "mask_gen_algorithm": algos.MaskGenAlgorithm({"algorithm": "mgf1", "parameters": digest}),
                "salt_length": _DIGEST_SIZES[options.digest],
            }
        )
        return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": params})


def _sig_fields(writer: IncrementalPdfFileWriter) -> list[tuple[str, bool]]:
    return [(str(name), value is not None) for name, value, _ref in fields.enumerate_sig_fields(writer)]
