"""PAdES signing of finished PDFs (after OCR, text layer, conversion mark and QR; see DESIGN.md "Signing").

The signature is added as an incremental update, so the bytes of the input stay exactly as they were and a
later step may only add further signatures or timestamps. Baseline levels (ETSI EN 319 142-1):

- ``B-B``: CAdES-detached signature with the signing-certificate-v2 attribute;
- ``B-T``: plus a signature timestamp from an RFC 3161 TSA (``tsa_url``);
- ``B-LT``: plus the validation data (certificates, OCSP responses, CRLs) of the signer and of the TSA in the
  document security store (DSS), fetched while signing;
- ``B-LTA``: plus a document timestamp over all of that (an archive timestamp).

The key comes from a PKCS#12 file or from a PKCS#11 token (an HSM; SoftHSM2 in tests) and is loaded (or the
token session opened) once, when the :class:`DocumentSigner` is built. The space for the signature container
is computed once as well, from the certificates and key size, so pyHanko never signs a document twice to
measure it (its default). Revocation of the signing certificate is checked before signing when
``check_revocation`` is on (Circular 15/2025/TT-BKHCN); the answer is kept for ``revocation_cache_seconds``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, get_args

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko import stamp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError, PdfStrictReadError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from signing.errors import SigningConfigError, SigningInputError, SigningKeyError, SigningServiceError
from signing.quiet import quiet_pyhanko
from signing.subject import SignerSubject

logger = logging.getLogger(__name__)

PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
IMPLEMENTED_LEVELS: frozenset[str] = frozenset({"B-B", "B-T", "B-LT", "B-LTA"})
TIMESTAMPED_LEVELS: frozenset[str] = frozenset({"B-T", "B-LT", "B-LTA"})
DigestName = Literal["sha256", "sha384", "sha512"]
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
_FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
DEFAULT_FIELD_PREFIX = "Signature"
MIN_RSA_BITS = 2048  # Circular 15/2025/TT-BKHCN: RSA >= 2048 (RSASSA-PSS) or ECDSA >= 256
MIN_EC_BITS = 256
# Room for the signed attributes, SignerInfo and CMS framing around certificates and the signature value.
_CMS_OVERHEAD = 3072
# Room for a signature timestamp token: a TSA's token carries its certificate and often its chain.
_TST_ALLOWANCE = 12288
DEFAULT_APPEARANCE_TEXT = "Ký bởi: %(signer)s\nThời gian ký: %(ts_vn)s"
VIETNAM_TZ = timezone(timedelta(hours=7), "UTC+07:00")
SIGNATURE_STRIP_KEY = "/SohoaSignatureStrip"
"""Page key marking the strip added below a page for visible signatures (its height in points)."""


@dataclass(frozen=True)
class Pkcs11Key:
    """A signing key on a PKCS#11 token (an HSM; SoftHSM2 in development and tests)."""

    module: Path
    """The PKCS#11 module (shared library), e.g. ``/usr/lib/softhsm/libsofthsm2.so``."""
    token_label: str
    pin: str | None = field(default=None, repr=False)
    """User PIN; ``None`` when the token authenticates by itself (protected authentication path)."""
    key_label: str | None = None
    key_id: bytes | None = None
    cert_label: str | None = None
    """Label of the certificate on the token; ignored when ``cert_path`` is given."""
    cert_path: Path | None = None
    """The signer's certificate as a file (PEM/DER), for tokens that hold the key only."""
    chain_paths: tuple[Path, ...] = ()
    """CA certificates to embed (PEM/DER files)."""

    def __post_init__(self) -> None:
        if self.key_label is None and self.key_id is None and self.cert_label is None:
            raise SigningConfigError(
                "A PKCS#11 key needs a key label, a key id or a certificate label.",
                "Khóa PKCS#11 cần nhãn khóa, mã khóa hoặc nhãn chứng thư.",
            )


@dataclass(frozen=True)
class VisibleSignature:
    """A visible signature: a box with the signer and the time, in an embedded TrueType font.

    ``placement="strip"`` (the default): the first signature extends ``page`` (negative counts from the end)
    downwards by a strip ``height + 2 * margin`` high, so no box covers the scan, the conversion mark or the
    QR code; each signature takes the next place in the strip from the right (three fit on A4 with the
    default width). A document signed before without a strip, or a full strip, falls back to a corner.
    ``placement="corner"``: the box goes in ``corner``, ``margin`` points in from the page edges, each further
    signature ``height + gap`` points inwards. ``box`` places it exactly instead.
    """

    font_path: Path
    """A TrueType/OpenType font with Vietnamese glyphs and 1000 units per em (embedded as a subset), e.g.
    ``/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf`` (Debian's fonts-noto-core)."""
    page: int = 0
    placement: Literal["strip", "corner"] = "strip"
    corner: Literal["top-right", "bottom-right", "bottom-left", "top-left"] = "bottom-right"
    width: float = 180.0
    height: float = 48.0
    margin: float = 12.0
    gap: float = 6.0
    box: tuple[float, float, float, float] | None = None
    text: str = DEFAULT_APPEARANCE_TEXT
    """Template: ``%(signer)s`` (certificate's common name), ``%(ts_vn)s`` (signing time, Vietnam time) and
    ``%(ts)s`` (the signing time in the machine's zone) are filled in."""
    font_size: int = 7


@dataclass(frozen=True)
class SigningOptions:
    """What to sign with and how. Frozen, so one instance can be shared by threads and logged safely."""

    pkcs12_path: Path | None = None
    passphrase: bytes | None = field(default=None, repr=False)
    level: PadesLevel = "B-B"
    """PAdES baseline level. B-T and above need ``tsa_url``; B-LT and B-LTA need ``trust_roots``."""
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
    pkcs11: Pkcs11Key | None = None
    """Sign with a key on a PKCS#11 token instead of ``pkcs12_path``."""
    tsa_url: str | None = None
    """RFC 3161 timestamp authority (B-T and above)."""
    tsa_timeout_s: float = 10.0
    trust_roots: tuple[Path, ...] = ()
    """Trust anchors (PEM/DER files) for the revocation check and the validation data of B-LT/B-LTA."""
    check_revocation: bool = False
    """Refuse to sign with a revoked certificate, or when its status cannot be established (OCSP or CRL
    fetched from the URLs in the certificates). Needs ``trust_roots``."""
    revocation_cache_seconds: float = 300.0
    """How long a "not revoked" answer is trusted before the next signature checks again."""
    visible: VisibleSignature | None = None
    complete_earlier_signatures: bool = True
    """At B-LT/B-LTA, first add the validation data of the document's earlier signatures (an official's) to
    the DSS, so that the seal's archive timestamp covers theirs too and they reach B-LTA as well."""
    bytes_reserved: int | None = None
    """Hex digits reserved for the signature container (even; twice its DER size); ``None`` computes it
    once from the certificates."""

    def __post_init__(self) -> None:
        if self.level not in get_args(PadesLevel):
            raise SigningConfigError(
                f"Unknown PAdES level {self.level!r}; expected one of {', '.join(get_args(PadesLevel))}.",
                f"Mức PAdES không hợp lệ {self.level!r}.",
            )
        if (self.pkcs12_path is None) == (self.pkcs11 is None):
            raise SigningConfigError(
                "Give exactly one key source: a PKCS#12 file or a PKCS#11 key.",
                "Cần đúng một nguồn khóa: tệp PKCS#12 hoặc khóa PKCS#11.",
            )
        if self.level in TIMESTAMPED_LEVELS and not self.tsa_url:
            raise SigningConfigError(
                f"PAdES {self.level} needs a timestamp authority (tsa_url).",
                f"Mức PAdES {self.level} cần máy chủ cấp dấu thời gian (tsa_url).",
            )
        if (self.level in ("B-LT", "B-LTA") or self.check_revocation) and not self.trust_roots:
            raise SigningConfigError(
                "Revocation checks and PAdES B-LT/B-LTA need trust roots (trust_roots).",
                "Kiểm tra thu hồi và mức PAdES B-LT/B-LTA cần chứng thư gốc tin cậy (trust_roots).",
            )
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

    def __repr__(self) -> str:  # never show the passphrase or the PIN
        key = f"pkcs12_path={str(self.pkcs12_path)!r}" if self.pkcs11 is None else f"pkcs11={self.pkcs11!r}"
        return (
            f"SigningOptions({key}, passphrase={'***' if self.passphrase else None}, "
            f"level={self.level!r}, field_name={self.field_name!r}, use_pss={self.use_pss!r}, "
            f"digest={self.digest!r}, certify={self.certify!r}, tsa_url={self.tsa_url!r}, "
            f"check_revocation={self.check_revocation!r}, visible={self.visible is not None})"
        )


class _ConstantAttribute(CMSAttributeProvider):
    """A signed attribute whose value does not change between documents, encoded once."""

    def __init__(self, attribute_type: str, value: Any) -> None:
        self.attribute_type = attribute_type
        self._value = type(value).load(value.dump())  # parsed form: dumped again without re-encoding

    async def build_attr_value(self, dry_run: bool = False) -> Any:
        return self._value


class _ParsedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with the private key parsed once.

    ``SimpleSigner.sign_raw`` re-parses the DER private key on every signature, and ``cryptography`` checks an
    RSA key's consistency on each load (~180 ms for RSA-3072 here): that, not the signature, dominated the
    time per document. The parsed key object is immutable and safe to share between threads.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningKeyError(
                "The signing key is neither RSA nor ECDSA.", "Khóa ký không phải RSA hoặc ECDSA."
            )
        self._key = key
        self._certificate_set: cms.CertificateSet | None = None
        cert = self.signing_cert
        self._signing_certificate_v2 = (
            None
            if cert is None
            else _ConstantAttribute("signing_certificate_v2", as_signing_certificate_v2(cert))
        )

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[CMSAttributeProvider]:
        """pyHanko's providers, with the signing-certificate-v2 attribute built once, not per document."""
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if (
                isinstance(provider, SigningCertificateV2Provider)
                and self._signing_certificate_v2 is not None
            ):
                yield self._signing_certificate_v2
            else:
                yield provider

    def _package_signature(
        self,
        *,
        digest_algorithm: str,
        cms_version: Any,
        signed_attrs: cms.CMSAttributes,
        signature: bytes,
        unsigned_attrs: cms.CMSAttributes | None,
        encap_content_info: Any,
    ) -> cms.ContentInfo:
        """pyHanko's SignedData assembly, with the certificate set encoded once instead of per document.

        Re-encoding the certificates (asn1crypto re-tags every value placed in a new structure) took about
        as long as the RSA signature itself.
        """
        sig_info = self.signer_info(digest_algorithm, signed_attrs, signature)
        if unsigned_attrs is not None:
            sig_info["unsigned_attrs"] = unsigned_attrs
        if self._certificate_set is None:
            certs = {c.dump(): c for c in self.cert_registry}
            if self.signing_cert is not None:
                certs[self.signing_cert.dump()] = self.signing_cert
            choices = [cms.CertificateChoices(name="certificate", value=c) for c in certs.values()]
            # Parsed from a SignedData, so it already carries the field's implicit tag: not re-tagged (copied)
            # again when placed in each document's SignedData.
            template = cms.SignedData(
                {
                    "version": "v1",
                    "digest_algorithms": [],
                    "encap_content_info": {"content_type": "data"},
                    "certificates": choices,
                    "signer_infos": [],
                }
            )
            self._certificate_set = cms.SignedData.load(template.dump())["certificates"]
        signed_data = cms.SignedData(
            {
                "version": cms_version,
                "digest_algorithms": cms.DigestAlgorithms((sig_info["digest_algorithm"],)),
                "encap_content_info": encap_content_info or {"content_type": "data"},
                "certificates": self._certificate_set,
                "signer_infos": [sig_info],
            }
        )
        return cms.ContentInfo({"content_type": cms.ContentType("signed_data"), "content": signed_data})

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algorithm = mechanism.signature_algo
        if isinstance(self._key, rsa.RSAPrivateKey):
            if algorithm == "rsassa_pss":
                pss_padding, hash_algo = process_pss_params(mechanism["parameters"])
                return self._key.sign(data, pss_padding, hash_algo)
            if algorithm == "rsassa_pkcs1v15":
                return self._key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        elif algorithm == "ecdsa":
            return self._key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        raise PyHankoSigningError(f"signature mechanism {algorithm} does not fit the key")


class DocumentSigner:
    """Signs PDFs with one key, loaded once when the signer is built.

    Thread-safe: :meth:`sign` keeps no per-document state (a PKCS#11 session is used by one thread at a time).
    :meth:`sign` runs its own event loop, so from async code call :meth:`async_sign` instead. Call
    :meth:`close` (or use the signer as a context manager) to close a PKCS#11 session.
    """

    def __init__(self, options: SigningOptions) -> None:
        self._options = options
        self._lock = threading.Lock()
        self._session: Any = None
        if options.pkcs11 is not None:
            self._signer: signers.Signer = self._load_pkcs11(options, options.pkcs11)
        else:
            self._signer = self._load_pkcs12(options)
        cert = self._signer.signing_cert
        if cert is None:  # pragma: no cover - both loaders set it
            raise SigningKeyError("No signing certificate was found.", "Không tìm thấy chứng thư số ký.")
        self._asn1_cert = cert
        self._certificate = x509.load_der_x509_certificate(cert.dump())
        self._check_certificate(self._certificate)
        self._subject = SignerSubject.from_certificate(self._certificate)
        self._trust_roots = _load_roots(options.trust_roots)
        self._timestamper = (
            timestamps.HTTPTimeStamper(options.tsa_url, timeout=int(max(1, options.tsa_timeout_s)))
            if options.tsa_url and options.level in TIMESTAMPED_LEVELS
            else None
        )
        self._bytes_reserved = options.bytes_reserved or self._estimate_container_size()
        self._revocation_ok_until = 0.0
        self._vc: ValidationContext | None = None
        self._vc_created = 0.0
        self._font: GlyphAccumulatorFactory | None = None
        if options.visible is not None:
            if not Path(options.visible.font_path).is_file():
                raise SigningConfigError(
                    "The font of the visible signature does not exist.",
                    "Không tìm thấy phông chữ của chữ ký hiển thị.",
                )
            _check_font(Path(options.visible.font_path))
            self._font = GlyphAccumulatorFactory(
                str(options.visible.font_path), font_size=options.visible.font_size
            )

    # --- key sources --------------------------------------------------------------------------------

    @classmethod
    def _load_pkcs12(cls, options: SigningOptions) -> signers.SimpleSigner:
        pkcs12_path = Path(options.pkcs12_path or "")
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
        return _ParsedKeySigner(
            signing_cert=cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
            signature_mechanism=cls._signature_mechanism(cert, options),
            prefer_pss=options.use_pss,
        )

    def _load_pkcs11(self, options: SigningOptions, key: Pkcs11Key) -> signers.Signer:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        cert = None
        if key.cert_path is not None:
            cert = _load_cert_file(key.cert_path)
        chain = [_load_cert_file(p) for p in (*key.chain_paths, *options.extra_chain_paths)]
        try:
            self._session = open_pkcs11_session(
                str(key.module), token_criteria=TokenCriteria(label=key.token_label), user_pin=key.pin
            )
        except Exception as exc:  # PKCS11Error, the module's own errors, a missing library...
            raise SigningKeyError(
                f"The PKCS#11 token could not be opened ({type(exc).__name__}).",
                "Không mở được thiết bị ký PKCS#11 (token).",
                code="signing_token_unavailable",
            ) from exc
        signer = PKCS11Signer(
            self._session,
            cert_label=None if cert is not None else key.cert_label,
            signing_cert=cert,
            ca_chain=chain,
            key_label=key.key_label,
            key_id=key.key_id,
            prefer_pss=options.use_pss,
            signature_mechanism=None if cert is None else self._signature_mechanism(cert, options),
        )
        try:
            asyncio.run(signer.ensure_objects_loaded())  # find the key (and certificate) once
        except Exception as exc:
            self.close()
            raise SigningKeyError(
                f"The signing key was not found on the PKCS#11 token ({type(exc).__name__}).",
                "Không tìm thấy khóa ký trên thiết bị PKCS#11.",
                code="signing_key_missing",
            ) from exc
        loaded_cert = signer.signing_cert
        if cert is None and loaded_cert is not None and signer.signature_mechanism is None:
            # The certificate came from the token: choose PSS with salt = digest length now that the key
            # type is known (pyHanko's own PSS default is the maximum salt length).
            signer._signature_mechanism = self._signature_mechanism(loaded_cert, options)
        if loaded_cert is not None and loaded_cert.public_key.algorithm == "ec":
            # Hash in software and have the token sign the digest (CKM_ECDSA): tokens such as SoftHSM2 lack
            # the combined CKM_ECDSA_SHA256 mechanisms.
            signer.use_raw_mechanism = True
        return signer

    def close(self) -> None:
        """Close the PKCS#11 session, if any. The signer cannot sign afterwards."""
        session, self._session = self._session, None
        if session is not None:
            try:
                session.close()
            except Exception:  # closing twice or a token already gone: nothing left to do
                logger.debug("PKCS#11 session close failed", exc_info=True)

    def __enter__(self) -> DocumentSigner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- properties ---------------------------------------------------------------------------------

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

    @property
    def bytes_reserved(self) -> int:
        """Hex digits reserved in each document for the signature container (twice its DER size)."""
        return self._bytes_reserved

    # --- signing ------------------------------------------------------------------------------------

    def sign(self, pdf: bytes) -> bytes:
        """Return ``pdf`` with a PAdES signature at the configured level, as incremental update(s)."""
        return asyncio.run(self.async_sign(pdf))

    async def async_sign(self, pdf: bytes) -> bytes:
        with quiet_pyhanko():
            return await self._sign(pdf)

    async def _sign(self, pdf: bytes) -> bytes:
        options = self._options
        writer = self._open(pdf)
        field_name, filled = self._field_name(writer)
        if options.check_revocation:
            await self._check_revocation()
        lt = options.level in ("B-LT", "B-LTA")
        if lt and filled and options.complete_earlier_signatures:
            pdf = await self._add_earlier_validation_data(pdf)
            writer = self._open(pdf)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=options.digest,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=options.reason,
            location=options.location,
            contact_info=options.contact_info,
            certify=options.certify,
            # DocMDP for certification: keep further signatures and form filling allowed.
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            embed_validation_info=lt,
            use_pades_lta=options.level == "B-LTA",
            validation_context=self._validation_context() if lt else None,
        )
        new_field_spec = None
        stamp_style = None
        if options.visible is not None and self._font is not None:
            new_field_spec = fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=_page_index(writer, options.visible.page),
                box=self._visible_box(writer, options.visible, filled),
            )
            stamp_style = stamp.TextStampStyle(
                stamp_text=options.visible.text,
                text_box_style=TextBoxStyle(font=self._font, font_size=options.visible.font_size),
                timestamp_format="%d/%m/%Y %H:%M:%S %z",
                border_width=1,
            )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=self._timestamper,
            stamp_style=stamp_style,
            new_field_spec=new_field_spec,
        )
        output = io.BytesIO()
        text_params = (
            {"ts_vn": datetime.now(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S (UTC+7)")} if stamp_style else None
        )
        try:
            if self._session is not None:
                with self._lock:  # one PKCS#11 operation at a time on the session
                    await pdf_signer.async_sign_pdf(
                        writer,
                        output=output,
                        bytes_reserved=self._bytes_reserved,
                        appearance_text_params=text_params,
                    )
            else:
                await pdf_signer.async_sign_pdf(
                    writer,
                    output=output,
                    bytes_reserved=self._bytes_reserved,
                    appearance_text_params=text_params,
                )
        except timestamps.TimestampRequestError as exc:
            raise SigningServiceError(
                "The timestamp authority did not answer or refused the request.",
                "Máy chủ cấp dấu thời gian không trả lời hoặc từ chối yêu cầu.",
                code="signing_tsa_unavailable",
            ) from exc
        except (PathValidationError, PathBuildingError, InsufficientRevinfoError) as exc:
            raise _revocation_error(exc) from exc
        except (PyHankoSigningError, PdfError) as exc:
            if _caused_by_network(exc):
                raise SigningServiceError(
                    "A timestamp or revocation service could not be reached while signing.",
                    "Không kết nối được dịch vụ dấu thời gian hoặc thu hồi khi ký.",
                    code="signing_service_unavailable",
                ) from exc
            raise SigningInputError(
                f"The PDF could not be signed ({type(exc).__name__}).",
                "Không ký được tệp PDF.",
            ) from exc
        return output.getvalue()

    # --- revocation, validation data ----------------------------------------------------------------

    def _validation_context(self) -> ValidationContext:
        """One context per signer, renewed with the revocation cache: it keeps fetched OCSP responses/CRLs."""
        now = time.monotonic()
        if self._vc is None or now - self._vc_created > self._options.revocation_cache_seconds:
            self._vc = ValidationContext(
                trust_roots=self._trust_roots,
                allow_fetching=True,
                revocation_mode="require",
                other_certs=list(self._signer.cert_registry),
            )
            self._vc_created = now
        return self._vc

    async def _add_earlier_validation_data(self, pdf: bytes) -> bytes:
        """One incremental update per earlier signature with its certificates, OCSP responses and CRLs."""
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation.dss import async_add_validation_info

        index = 0
        while True:
            try:
                reader = PdfFileReader(io.BytesIO(pdf), strict=False)
                earlier = [e for e in reader.embedded_signatures if e.sig_object_type == "/Sig"]
            except Exception as exc:
                raise SigningInputError(
                    f"An earlier signature of the document cannot be read ({type(exc).__name__}).",
                    "Không đọc được một chữ ký có sẵn trong tài liệu.",
                    code="signing_earlier_signature_unreadable",
                ) from exc
            if index >= len(earlier):
                return pdf
            try:
                output = await async_add_validation_info(earlier[index], self._validation_context())
            except (PathValidationError, PathBuildingError, InsufficientRevinfoError) as exc:
                if isinstance(exc, InsufficientRevinfoError) or _caused_by_network(exc):
                    raise _revocation_error(exc) from exc
                raise SigningInputError(
                    "An earlier signature's certificate is revoked or does not chain to a trust root.",
                    "Chứng thư số của một chữ ký có sẵn đã bị thu hồi hoặc không dẫn đến chứng thư gốc "
                    "tin cậy.",
                    code="signing_earlier_signature_untrusted",
                ) from exc
            pdf = bytes(output.getvalue())
            index += 1

    async def _check_revocation(self) -> None:
        if time.monotonic() < self._revocation_ok_until:
            return
        validator = CertificateValidator(
            self._asn1_cert,
            intermediate_certs=list(self._signer.cert_registry),
            validation_context=self._validation_context(),
        )
        try:
            await validator.async_validate_usage({"non_repudiation"})
        except (PathValidationError, PathBuildingError, InsufficientRevinfoError) as exc:
            raise _revocation_error(exc) from exc
        self._revocation_ok_until = time.monotonic() + self._options.revocation_cache_seconds

    # --- signature size -----------------------------------------------------------------------------

    def _estimate_container_size(self) -> int:
        """Hex digits to reserve for ``/Contents``: twice an upper bound of the DER CMS SignedData size
        (certificates + signature value + attributes, + a timestamp token)."""
        certs = {c.dump() for c in self._signer.cert_registry}
        certs.add(self._asn1_cert.dump())
        key = self._certificate.public_key()
        signature = (key.key_size // 8) if isinstance(key, rsa.RSAPublicKey) else 2 * 72
        size = sum(len(c) for c in certs) + signature + _CMS_OVERHEAD
        if self._timestamper is not None:
            size += _TST_ALLOWANCE
        return 2 * size

    # --- visible signature --------------------------------------------------------------------------

    @staticmethod
    def _visible_box(
        writer: IncrementalPdfFileWriter, visible: VisibleSignature, filled: int
    ) -> tuple[int, int, int, int]:
        if visible.box is not None:
            return tuple(round(v) for v in visible.box)  # type: ignore[return-value]
        page_ref, _resources = writer.find_page_for_modification(_page_index(writer, visible.page))
        page = page_ref.get_object()
        if visible.placement == "strip":
            strip = page.get(SIGNATURE_STRIP_KEY)
            if strip is None and filled == 0:
                _add_signature_strip(writer, page_ref, visible)
                strip = page.get(SIGNATURE_STRIP_KEY)
            if strip is not None:
                x0, y0, x1, _y1 = _page_box(page, "/MediaBox")
                right = x1 - visible.margin - filled * (visible.width + visible.gap)
                left = right - visible.width
                if left >= x0 + visible.margin - 0.5:
                    bottom = y0 + visible.margin
                    return (round(left), round(bottom), round(right), round(bottom + visible.height))
            logger.info("no free place in a signature strip; the visible signature goes in a corner")
        x0, y0, x1, y1 = _page_box(page, "/MediaBox")
        step = filled * (visible.height + visible.gap)
        if visible.corner.startswith("top"):
            top = y1 - visible.margin - step
            bottom = top - visible.height
        else:
            bottom = y0 + visible.margin + step
            top = bottom + visible.height
        if visible.corner.endswith("right"):
            right = x1 - visible.margin
            left = right - visible.width
        else:
            left = x0 + visible.margin
            right = left + visible.width
        return (round(left), round(bottom), round(right), round(top))

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

    def _field_name(self, writer: IncrementalPdfFileWriter) -> tuple[str, int]:
        """The field to sign, and how many signature fields are filled already."""
        existing = {name: filled for name, filled in _sig_fields(writer)}
        filled = sum(1 for value in existing.values() if value)
        wanted = self._options.field_name
        if wanted is not None:
            if existing.get(wanted):
                raise SigningInputError(
                    "The signature field is already signed; choose another field name.",
                    "Trường chữ ký đã được ký; hãy chọn tên trường khác.",
                    code="signing_field_taken",
                )
            return wanted, filled
        n = 1
        while f"{DEFAULT_FIELD_PREFIX}{n}" in existing:
            n += 1
        return f"{DEFAULT_FIELD_PREFIX}{n}", filled

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


def _page_index(writer: IncrementalPdfFileWriter, page: int) -> int:
    count = int(writer.root["/Pages"]["/Count"])
    index = page if page >= 0 else count + page
    if not 0 <= index < count:
        raise SigningConfigError(
            "The page of the visible signature does not exist in the document.",
            "Trang đặt chữ ký hiển thị không có trong tài liệu.",
        )
    return index


def _page_box(page: Any, key: str) -> tuple[float, float, float, float]:
    """A page box, inherited from the page tree when the page has none of its own."""
    node = page
    while node is not None:
        if key in node:
            x0, y0, x1, y1 = (float(v) for v in node[key])
            return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
        parent = node.get("/Parent")
        node = None if parent is None else parent.get_object()
    if key != "/MediaBox":
        return _page_box(page, "/MediaBox")
    raise SigningInputError(
        "A page has no media box.",
        "Một trang không có kích thước (MediaBox).",
        code="signing_input_unreadable",
    )


def _add_signature_strip(writer: IncrementalPdfFileWriter, page_ref: Any, visible: VisibleSignature) -> None:
    """Extend the page downwards by a strip for the visible signatures, so that they cover nothing.

    Only the first signature may do it: the change is part of the revision it signs, while a later change
    of the page would be a modification after signing that is not allowed.
    """
    page = page_ref.get_object()
    height = visible.height + 2 * visible.margin
    x0, y0, x1, y1 = _page_box(page, "/MediaBox")
    page["/MediaBox"] = _rect(x0, y0 - height, x1, y1)
    if "/CropBox" in page:
        c0, c1, c2, c3 = _page_box(page, "/CropBox")
        page["/CropBox"] = _rect(c0, c1 - height, c2, c3)
    page[SIGNATURE_STRIP_KEY] = generic.FloatObject(height)
    writer.mark_update(page_ref)


def _rect(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(round(v, 4)) for v in values])


def _check_font(path: Path) -> None:
    """pyHanko 0.31 writes a font's glyph widths (/W) in font units, which PDF reads as 1/1000 em: glyphs are
    spaced right only in fonts with 1000 units per em (Noto Sans; not DejaVu Sans, which has 2048)."""
    from fontTools.ttLib import TTFont

    try:
        units = int(TTFont(str(path), lazy=True)["head"].unitsPerEm)
    except Exception as exc:
        raise SigningConfigError(
            "The font of the visible signature cannot be read.",
            "Không đọc được phông chữ của chữ ký hiển thị.",
        ) from exc
    if units != 1000:
        raise SigningConfigError(
            f"The visible signature's font has {units} units per em; use one with 1000 (e.g. Noto Sans).",
            f"Phông chữ của chữ ký hiển thị có {units} đơn vị/em; hãy dùng phông 1000 đơn vị/em (Noto Sans).",
        )


def _load_cert_file(path: Path) -> asn1_x509.Certificate:
    from pyhanko.keys import load_cert_from_pemder

    try:
        return load_cert_from_pemder(str(path))
    except (OSError, ValueError) as exc:
        raise SigningConfigError(
            "A certificate file cannot be read.", "Không đọc được tệp chứng thư số.", code="signing_cert_file"
        ) from exc


def _load_roots(paths: tuple[Path, ...]) -> list[asn1_x509.Certificate]:
    from pyhanko.keys import load_certs_from_pemder

    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))
    except (OSError, ValueError) as exc:
        raise SigningConfigError(
            "A trust root file cannot be read.", "Không đọc được tệp chứng thư gốc tin cậy."
        ) from exc


def _revocation_error(exc: Exception) -> SigningKeyError | SigningServiceError:
    if isinstance(exc, RevokedError):
        return SigningKeyError(
            "The signing certificate (or its CA's) has been revoked; refusing to sign.",
            "Chứng thư số ký (hoặc của CA cấp) đã bị thu hồi; từ chối ký.",
            code="signing_cert_revoked",
        )
    if isinstance(exc, InsufficientRevinfoError):
        return SigningServiceError(
            "The revocation status of the signing certificate could not be established "
            "(OCSP/CRL unreachable).",
            "Không xác định được tình trạng thu hồi của chứng thư số ký (không truy cập được OCSP/CRL).",
            code="signing_revocation_unavailable",
        )
    return SigningKeyError(
        f"The signing certificate does not chain to a configured trust root ({type(exc).__name__}).",
        "Chứng thư số ký không dẫn đến chứng thư gốc tin cậy đã cấu hình.",
        code="signing_cert_untrusted",
    )


def _caused_by_network(exc: BaseException) -> bool:
    import requests

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, requests.RequestException | ConnectionError | TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
