"""Verification of PDF signatures, reported in Vietnamese and English.

``verify_pdf(data, trust_roots)`` never raises on bad input: an unreadable file, a damaged signature or any
validation failure ends up as a :class:`Problem` in the report, with ``valid=False``. It raises only for the
caller's own configuration (a trust root or CRL that cannot be loaded).

A signature counts as valid when it is intact (the signed bytes hash to the signed digest), cryptographically
valid, chains to one of the configured roots (with the key usage PAdES expects: nonRepudiation), is not
revoked according to the CRLs given, and no disallowed change was made after it. The PAdES level reported is
the level the signature *reaches* (B-B or B-T for now; B-LT and B-LTA detection comes with the PAdES-levels
issue).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from signing.errors import SigningConfigError
from signing.subject import SignerSubject

logger = logging.getLogger(__name__)

Lang = Literal["vi", "en"]
Severity = Literal["error", "warning"]
Coverage = Literal["entire_file", "entire_revision", "partial", "unclear", "unknown"]
ReachedLevel = Literal["B-B", "B-T"]
RevocationMode = Literal["soft-fail", "hard-fail", "require"]
TrustRoot: TypeAlias = Path | str | bytes | x509.Certificate | asn1_x509.Certificate

PADES_SUBFILTER = "/ETSI.CAdES.detached"
VIETNAM_TZ = timezone(timedelta(hours=7), "UTC+07:00")

# code -> (severity, vi, en). Messages may contain {detail}; they never contain personal data.
_PROBLEMS: dict[str, tuple[Severity, str, str]] = {
    "unreadable_pdf": (
        "error",
        "Không đọc được tệp PDF{detail}.",
        "The file cannot be read as a PDF{detail}.",
    ),
    "encrypted_pdf": (
        "error",
        "Tệp PDF được mã hóa; không kiểm tra được chữ ký.",
        "The PDF is encrypted; its signatures cannot be checked.",
    ),
    "no_signature": ("error", "Tài liệu không có chữ ký số.", "The document has no digital signature."),
    "no_trust_roots": (
        "error",
        "Chưa cấu hình chứng thư gốc tin cậy nên không xác định được độ tin cậy của chữ ký.",
        "No trusted root certificate is configured, so trust cannot be established.",
    ),
    "signature_unreadable": (
        "error",
        "Không đọc được chữ ký{detail}.",
        "The signature cannot be read{detail}.",
    ),
    "content_altered": (
        "error",
        "Tài liệu đã bị sửa đổi sau khi ký: nội dung được ký không còn nguyên vẹn.",
        "The document was modified after signing: the signed content is no longer intact.",
    ),
    "signature_invalid": (
        "error",
        "Chữ ký không đúng về mặt mật mã.",
        "The signature is cryptographically invalid.",
    ),
    "untrusted": (
        "error",
        "Chứng thư số của người ký không dẫn đến chứng thư gốc tin cậy{detail}.",
        "The signer's certificate does not chain to a trusted root{detail}.",
    ),
    "revoked": (
        "error",
        "Chứng thư số của người ký (hoặc của CA cấp) đã bị thu hồi.",
        "The signer's certificate (or its CA's) has been revoked.",
    ),
    "certificate_expired": (
        "error",
        "Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra.",
        "The signer's certificate is expired or not yet valid at validation time.",
    ),
    "modified_after_signing": (
        "error",
        "Tài liệu đã bị sửa đổi sau khi ký (thay đổi không được phép).",
        "The document was modified after signing (changes not permitted).",
    ),
    "partial_coverage": (
        "error",
        "Chữ ký không bao phủ trọn phiên bản tài liệu được ký.",
        "The signature does not cover the whole signed revision of the document.",
    ),
    "timestamp_invalid": (
        "error",
        "Dấu thời gian của chữ ký không hợp lệ hoặc không tin cậy.",
        "The signature timestamp is invalid or untrusted.",
    ),
    "seed_value_violation": (
        "error",
        "Chữ ký không đáp ứng ràng buộc của trường chữ ký.",
        "The signature does not meet the constraints of its signature field.",
    ),
    "not_pades": (
        "warning",
        "Chữ ký không theo định dạng PAdES (ETSI.CAdES.detached).",
        "The signature is not in PAdES format (ETSI.CAdES.detached).",
    ),
    "pades_attributes_missing": (
        "warning",
        "Chữ ký thiếu thuộc tính signing-certificate(-v2) nên chưa đạt mức PAdES B-B.",
        "The signature lacks the signing-certificate(-v2) attribute, so it does not reach PAdES B-B.",
    ),
}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity
    message_vi: str
    message_en: str

    @classmethod
    def of(cls, code: str, detail: str | None = None) -> Problem:
        severity, vi, en = _PROBLEMS[code]
        suffix = f" ({detail})" if detail else ""
        return cls(code, severity, vi.format(detail=suffix), en.format(detail=suffix))

    def message(self, lang: Lang) -> str:
        return self.message_vi if lang == "vi" else self.message_en

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on one signature (``/Sig``) in the document."""

    field_name: str
    signer: SignerSubject | None
    intact: bool
    """The signed byte ranges hash to the digest that was signed."""
    valid: bool
    """The signature value verifies against the signer's public key."""
    trusted: bool
    """The signer's certificate chains to a configured root, is within validity and not revoked."""
    revoked: bool
    coverage: Coverage
    modification_level: str | None
    """``none``, ``lta_updates``, ``form_filling``, ``annotations``, ``other`` or ``None`` when unknown."""
    modifications_allowed: bool | None
    """Whether the changes after this signature are permitted by the document's modification policy."""
    signing_time: datetime | None
    """Signing time as claimed by the signer (not proof of time)."""
    timestamp_time: datetime | None
    """Time from a signature timestamp token, when present and checked."""
    pades_level: ReachedLevel | None
    """The PAdES baseline level reached, or ``None`` when the signature is not a PAdES baseline signature."""
    subfilter: str | None
    digest_algorithm: str | None
    signature_mechanism: str | None
    trust_detail: str | None = None
    """AdES sub-indication when the certificate is not trusted (e.g. ``NO_CERTIFICATE_CHAIN_FOUND``)."""
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and self.trusted
            and not self.revoked
            and not any(p.severity == "error" for p in self.problems)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "ok": self.ok,
            "signer": None if self.signer is None else self.signer.to_dict(),
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "coverage": self.coverage,
            "modification_level": self.modification_level,
            "modifications_allowed": self.modifications_allowed,
            "signing_time": _iso(self.signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "pades_level": self.pades_level,
            "subfilter": self.subfilter,
            "digest_algorithm": self.digest_algorithm,
            "signature_mechanism": self.signature_mechanism,
            "trust_detail": self.trust_detail,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class DocumentTimestampReport:
    """A document timestamp (``/DocTimeStamp``): reported because it lifts earlier signatures to B-T."""

    field_name: str
    time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    coverage: Coverage

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "ok": self.ok,
            "time": _iso(self.time),
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "coverage": self.coverage,
        }


@dataclass(frozen=True)
class VerificationReport:
    valid: bool
    """At least one signature, every signature ok, and no document-level error."""
    signatures: tuple[SignatureReport, ...] = ()
    document_timestamps: tuple[DocumentTimestampReport, ...] = ()
    problems: tuple[Problem, ...] = ()
    """Document-level problems (unreadable, no signature...); per-signature ones sit on each signature."""
    document_sha256: str | None = None
    validation_time: datetime | None = None

    def all_problems(self) -> tuple[Problem, ...]:
        return self.problems + tuple(p for s in self.signatures for p in s.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "document_sha256": self.document_sha256,
            "validation_time": _iso(self.validation_time),
            "signatures": [s.to_dict() for s in self.signatures],
            "document_timestamps": [t.to_dict() for t in self.document_timestamps],
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_text(self, lang: Lang = "vi") -> str:
        if lang not in ("vi", "en"):
            raise ValueError("lang must be 'vi' or 'en'")
        return "\n".join(_text_lines(self, lang))


# --- verification ---------------------------------------------------------------------------------


def verify_pdf(
    data: bytes,
    trust_roots: Sequence[TrustRoot],
    *,
    crls: Sequence[Path | str | bytes] = (),
    revocation_mode: RevocationMode | None = None,
    at: datetime | None = None,
) -> VerificationReport:
    """Verify every signature in ``data``.

    :param trust_roots: root (or other anchor) certificates: paths to PEM/DER files (a PEM file may hold
        several), PEM/DER bytes, or ``cryptography`` / ``asn1crypto`` certificates.
    :param crls: CRLs (paths or PEM/DER bytes) to check revocation against; nothing is fetched online.
    :param revocation_mode: pyHanko/certvalidator mode; default ``"require"`` (every certificate in the path
        must be covered by revocation data) when CRLs are given, else ``"soft-fail"``.
    :param at: validation time (default: now).

    Runs its own event loop; from async code use :func:`async_verify_pdf`.
    """
    return asyncio.run(async_verify_pdf(data, trust_roots, crls=crls, revocation_mode=revocation_mode, at=at))


async def async_verify_pdf(
    data: bytes,
    trust_roots: Sequence[TrustRoot],
    *,
    crls: Sequence[Path | str | bytes] = (),
    revocation_mode: RevocationMode | None = None,
    at: datetime | None = None,
) -> VerificationReport:
    roots = load_certificates(trust_roots)
    crl_ders = load_crls(crls)
    mode: RevocationMode = revocation_mode or ("require" if crl_ders else "soft-fail")
    digest = hashlib.sha256(data).hexdigest() if isinstance(data, bytes | bytearray) else None

    def context() -> ValidationContext:
        # A fresh context per signature: contexts cache certificates and revocation results.
        return ValidationContext(
            trust_roots=roots,
            crls=crl_ders,
            revocation_mode=mode,
            allow_fetching=False,
            moment=at,
        )

    doc_problems: list[Problem] = []
    if not roots:
        doc_problems.append(Problem.of("no_trust_roots"))

    try:
        reader = _open(bytes(data))
        if reader.encrypted:
            return _failed(digest, at, Problem.of("encrypted_pdf"))
        filled = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # any parser failure is a finding about the input, not a crash
        logger.info("signature verification: unreadable input (%s)", type(exc).__name__)
        return _failed(digest, at, Problem.of("unreadable_pdf"))

    # Parse each signature on its own (pyHanko's reader.embedded_signatures fails as a whole when one
    # signature's CMS is damaged), so one broken signature does not hide the others.
    embedded: list[EmbeddedPdfSignature] = []
    reports: list[SignatureReport] = []
    for fq_name, _value, sig_field in filled:
        try:
            embedded.append(EmbeddedPdfSignature(reader, sig_field, fq_name))
        except Exception as exc:
            logger.info("signature verification: signature unreadable (%s)", type(exc).__name__)
            reports.append(_unreadable_signature(str(fq_name), None, None, exc))
    embedded.sort(key=lambda emb: emb.signed_revision)

    timestamps: list[tuple[EmbeddedPdfSignature, DocumentTimestampReport]] = []
    regular: list[EmbeddedPdfSignature] = []
    for emb in embedded:
        if emb.sig_object_type == "/DocTimeStamp":
            timestamps.append((emb, await _check_doc_timestamp(emb, context())))
        else:
            regular.append(emb)

    reports = [await _check_signature(emb, context(), timestamps) for emb in regular] + reports
    if not reports:
        doc_problems.append(Problem.of("no_signature"))
    valid = (
        bool(reports) and all(r.ok for r in reports) and not any(p.severity == "error" for p in doc_problems)
    )
    return VerificationReport(
        valid=valid,
        signatures=tuple(reports),
        document_timestamps=tuple(t for _, t in timestamps),
        problems=tuple(doc_problems),
        document_sha256=digest,
        validation_time=at,
    )


def _open(data: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(data), strict=True)
    except PdfStrictReadError:
        return PdfFileReader(io.BytesIO(data), strict=False)


def _failed(digest: str | None, at: datetime | None, problem: Problem) -> VerificationReport:
    return VerificationReport(valid=False, problems=(problem,), document_sha256=digest, validation_time=at)


async def _check_signature(
    emb: EmbeddedPdfSignature,
    vc: ValidationContext,
    timestamps: Sequence[tuple[EmbeddedPdfSignature, DocumentTimestampReport]],
) -> SignatureReport:
    field_name = _safe(lambda: str(emb.field_name)) or "?"
    subfilter = _safe(lambda: str(emb.sig_object.get("/SubFilter")))
    signer = _safe(lambda: SignerSubject.from_certificate(emb.signer_cert))
    try:
        status = await async_validate_pdf_signature(emb, signer_validation_context=vc)
    except Exception as exc:  # damaged CMS, unsupported algorithm, broken structure...
        logger.info("signature verification: signature invalid (%s)", type(exc).__name__)
        return _unreadable_signature(field_name, signer, subfilter, exc)

    problems: list[Problem] = []
    trusted = status.validation_path is not None and status.trust_problem_indic is None
    trust_detail = None if trusted else _trust_detail(status)
    if not status.intact:
        problems.append(Problem.of("content_altered"))
    if not status.valid:
        problems.append(Problem.of("signature_invalid"))
    elif status.revoked or trust_detail in ("REVOKED_NO_POE", "REVOKED_CA_NO_POE"):
        problems.append(Problem.of("revoked"))
    elif trust_detail in ("OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "EXPIRED", "NOT_YET_VALID"):
        problems.append(Problem.of("certificate_expired"))
    elif not trusted:
        problems.append(Problem.of("untrusted", trust_detail))

    coverage = _coverage(status.coverage)
    level = status.modification_level
    allowed = status.docmdp_ok
    if coverage in ("partial", "unclear", "unknown"):
        problems.append(Problem.of("partial_coverage"))
    elif coverage == "entire_revision" and not allowed:
        problems.append(Problem.of("modified_after_signing"))
    if not status.seed_value_ok:
        problems.append(Problem.of("seed_value_violation"))

    tst = status.timestamp_validity
    tst_ok = tst is not None and tst.intact and tst.valid and tst.trusted
    if tst is not None and not tst_ok:
        problems.append(Problem.of("timestamp_invalid"))

    pades_level: ReachedLevel | None = None
    if subfilter != PADES_SUBFILTER:
        problems.append(Problem.of("not_pades"))
    elif not _has_signing_certificate_attr(emb):
        problems.append(Problem.of("pades_attributes_missing"))
    else:
        later_doc_ts_ok = any(
            ts_report.ok and ts_emb.signed_revision > emb.signed_revision for ts_emb, ts_report in timestamps
        )
        pades_level = "B-T" if tst_ok or later_doc_ts_ok else "B-B"

    return SignatureReport(
        field_name=field_name,
        signer=signer,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        revoked=bool(status.revoked) or trust_detail in ("REVOKED_NO_POE", "REVOKED_CA_NO_POE"),
        coverage=coverage,
        modification_level=None if level is None else level.name.lower(),
        modifications_allowed=allowed,
        signing_time=status.signer_reported_dt,
        timestamp_time=tst.timestamp if tst is not None and tst_ok else None,
        pades_level=pades_level,
        subfilter=subfilter,
        digest_algorithm=status.md_algorithm,
        signature_mechanism=status.pkcs7_signature_mechanism,
        trust_detail=trust_detail,
        problems=tuple(problems),
    )


def _unreadable_signature(
    field_name: str, signer: SignerSubject | None, subfilter: str | None, exc: Exception
) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        signer=signer,
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        coverage="unknown",
        modification_level=None,
        modifications_allowed=None,
        signing_time=None,
        timestamp_time=None,
        pades_level=None,
        subfilter=subfilter,
        digest_algorithm=None,
        signature_mechanism=None,
        problems=(Problem.of("signature_unreadable", type(exc).__name__),),
    )


async def _check_doc_timestamp(emb: EmbeddedPdfSignature, vc: ValidationContext) -> DocumentTimestampReport:
    field_name = _safe(lambda: str(emb.field_name)) or "?"
    try:
        status = await async_validate_pdf_timestamp(emb, validation_context=vc)
    except Exception as exc:
        logger.info("signature verification: document timestamp unreadable (%s)", type(exc).__name__)
        return DocumentTimestampReport(field_name, None, False, False, False, "unknown")
    return DocumentTimestampReport(
        field_name=field_name,
        time=status.timestamp,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=_coverage(status.coverage),
    )


def _has_signing_certificate_attr(emb: EmbeddedPdfSignature) -> bool:
    signed_attrs = emb.signer_info["signed_attrs"]
    names = {attr["type"].native for attr in signed_attrs}
    return bool(names & {"signing_certificate_v2", "signing_certificate"})


def _trust_detail(status: PdfSignatureStatus) -> str | None:
    indic = status.trust_problem_indic
    if indic is not None:
        return str(getattr(indic, "name", indic))
    if status.validation_path is None:
        return AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND.name
    return None


_COVERAGE: dict[SignatureCoverageLevel, Coverage] = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


def _coverage(level: SignatureCoverageLevel | None) -> Coverage:
    return "unknown" if level is None else _COVERAGE.get(level, "unknown")


def _safe(fn: Any) -> Any:
    try:
        return fn()
    except Exception:
        return None


# --- loading certificates and CRLs ----------------------------------------------------------------


def load_certificates(items: Iterable[TrustRoot]) -> list[asn1_x509.Certificate]:
    """Load trust anchors from paths, PEM/DER bytes or certificate objects (a configuration error raises)."""
    out: list[asn1_x509.Certificate] = []
    for item in items:
        if isinstance(item, asn1_x509.Certificate):
            out.append(item)
            continue
        if isinstance(item, x509.Certificate):
            certs = [item]
        else:
            raw = _read(item, "trust root")
            try:
                if b"-----BEGIN" in raw:
                    certs = x509.load_pem_x509_certificates(raw)
                else:
                    certs = [x509.load_der_x509_certificate(raw)]
            except ValueError as exc:
                raise SigningConfigError(
                    "A trust root is not a PEM or DER certificate.",
                    "Một chứng thư gốc tin cậy không phải chứng thư PEM hoặc DER.",
                    code="trust_root_invalid",
                ) from exc
        out.extend(asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs)
    return out


def load_crls(items: Iterable[Path | str | bytes]) -> list[bytes]:
    """Load CRLs from paths or PEM/DER bytes, returned as DER."""
    out: list[bytes] = []
    for item in items:
        raw = _read(item, "CRL")
        try:
            crl = x509.load_pem_x509_crl(raw) if b"-----BEGIN" in raw else x509.load_der_x509_crl(raw)
        except ValueError as exc:
            raise SigningConfigError(
                "A CRL is not in PEM or DER form.",
                "Một danh sách thu hồi (CRL) không ở dạng PEM hoặc DER.",
                code="crl_invalid",
            ) from exc
        out.append(crl.public_bytes(serialization.Encoding.DER))
    return out


def _read(item: Path | str | bytes, what: str) -> bytes:
    if isinstance(item, bytes):
        return item
    try:
        return Path(item).read_bytes()
    except OSError as exc:
        raise SigningConfigError(
            f"A configured {what} file cannot be read.",
            "Không đọc được tệp cấu hình (chứng thư gốc hoặc CRL).",
            code="trust_config_unreadable",
        ) from exc


# --- text -----------------------------------------------------------------------------------------

_T: dict[str, tuple[str, str]] = {
    "result_valid": ("Kết quả kiểm tra chữ ký số: HỢP LỆ", "Signature verification result: VALID"),
    "result_invalid": (
        "Kết quả kiểm tra chữ ký số: KHÔNG HỢP LỆ",
        "Signature verification result: NOT VALID",
    ),
    "count": ("Số chữ ký: {n}", "Signatures: {n}"),
    "sig_head": ("Chữ ký {i} (trường {field})", "Signature {i} (field {field})"),
    "sig_ok": ("Chữ ký hợp lệ", "Signature is valid"),
    "sig_bad": ("Chữ ký không hợp lệ", "Signature is not valid"),
    "signer": ("Người ký: {name}", "Signer: {name}"),
    "signer_unknown": ("Người ký: không xác định", "Signer: unknown"),
    "intact_yes": ("Nội dung được ký còn nguyên vẹn", "The signed content is intact"),
    "intact_no": ("Nội dung được ký đã bị thay đổi", "The signed content has been altered"),
    "crypto_yes": ("Chữ ký đúng về mặt mật mã", "The signature is cryptographically valid"),
    "crypto_no": ("Chữ ký sai về mặt mật mã", "The signature is cryptographically invalid"),
    "trusted_yes": ("Chứng thư số tin cậy", "The certificate is trusted"),
    "trusted_no": ("Chứng thư số không tin cậy", "The certificate is not trusted"),
    "revoked": ("Chứng thư số đã bị thu hồi", "The certificate has been revoked"),
    "coverage": ("Phạm vi ký: {v}", "Coverage: {v}"),
    "mods": ("Sửa đổi sau khi ký: {v}", "Modifications after signing: {v}"),
    "time": ("Thời điểm ký (do người ký khai): {v}", "Signing time (claimed by the signer): {v}"),
    "ts_time": ("Dấu thời gian: {v}", "Timestamp: {v}"),
    "level": ("Mức PAdES: {v}", "PAdES level: {v}"),
    "not_pades": ("không phải PAdES baseline", "not PAdES baseline"),
    "problems": ("Vấn đề:", "Problems:"),
    "doc_problems": ("Vấn đề của tài liệu:", "Document problems:"),
    "doc_ts": (
        "Dấu thời gian tài liệu (trường {field}): {time} — {state}",
        "Document timestamp (field {field}): {time} — {state}",
    ),
    "ok": ("hợp lệ", "valid"),
    "bad": ("không hợp lệ", "not valid"),
    "unknown": ("không rõ", "unknown"),
}
_COVERAGE_TEXT: dict[str, tuple[str, str]] = {
    "entire_file": ("toàn bộ tệp", "the entire file"),
    "entire_revision": (
        "toàn bộ phiên bản đã ký (có cập nhật bổ sung sau đó)",
        "the entire signed revision (later incremental updates exist)",
    ),
    "partial": ("một phần tệp", "part of the file"),
    "unclear": ("không rõ ràng", "unclear"),
    "unknown": ("không rõ", "unknown"),
}
_MODIFICATION_TEXT: dict[str, tuple[str, str]] = {
    "none": ("không có", "none"),
    "lta_updates": ("chỉ bổ sung dữ liệu kiểm tra/dấu thời gian", "only validation data or timestamps added"),
    "form_filling": ("chỉ ký thêm hoặc điền biểu mẫu", "only further signatures or form filling"),
    "annotations": ("thêm/sửa chú thích", "annotations added or changed"),
    "other": ("có thay đổi nội dung khác", "other changes to the content"),
}


def _t(key: str, lang: Lang, **values: Any) -> str:
    vi, en = _T[key]
    return (vi if lang == "vi" else en).format(**values)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "vi" else pair[1]


def _fmt_time(value: datetime | None, lang: Lang) -> str:
    if value is None:
        return _t("unknown", lang)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(VIETNAM_TZ)
    if lang == "vi":
        return local.strftime("%d/%m/%Y %H:%M:%S") + " (giờ Việt Nam, UTC+7)"
    return local.strftime("%Y-%m-%d %H:%M:%S") + " (UTC+07:00)"


def _text_lines(report: VerificationReport, lang: Lang) -> Iterable[str]:
    yield _t("result_valid" if report.valid else "result_invalid", lang)
    yield _t("count", lang, n=len(report.signatures))
    for i, sig in enumerate(report.signatures, start=1):
        yield _t("sig_head", lang, i=i, field=sig.field_name)
        yield "  " + _t("sig_ok" if sig.ok else "sig_bad", lang)
        if sig.signer is not None:
            yield "  " + _t("signer", lang, name=sig.signer.display_name)
        else:
            yield "  " + _t("signer_unknown", lang)
        yield "  " + _t("intact_yes" if sig.intact else "intact_no", lang)
        yield "  " + _t("crypto_yes" if sig.valid else "crypto_no", lang)
        yield "  " + _t("revoked" if sig.revoked else ("trusted_yes" if sig.trusted else "trusted_no"), lang)
        yield "  " + _t("coverage", lang, v=_pick(_COVERAGE_TEXT[sig.coverage], lang))
        if sig.modification_level is not None:
            text = _pick(_MODIFICATION_TEXT.get(sig.modification_level, _COVERAGE_TEXT["unknown"]), lang)
            if sig.modification_level != "none" and sig.modifications_allowed is not None:
                verdict = _pick(
                    ("được phép", "permitted")
                    if sig.modifications_allowed
                    else ("không được phép", "not permitted"),
                    lang,
                )
                text = f"{text} ({verdict})"
            yield "  " + _t("mods", lang, v=text)
        yield "  " + _t("time", lang, v=_fmt_time(sig.signing_time, lang))
        if sig.timestamp_time is not None:
            yield "  " + _t("ts_time", lang, v=_fmt_time(sig.timestamp_time, lang))
        yield "  " + _t("level", lang, v=sig.pades_level or _t("not_pades", lang))
        if sig.problems:
            yield "  " + _t("problems", lang)
            for problem in sig.problems:
                yield "  - " + problem.message(lang)
    for ts in report.document_timestamps:
        yield _t(
            "doc_ts",
            lang,
            field=ts.field_name,
            time=_fmt_time(ts.time, lang),
            state=_t("ok" if ts.ok else "bad", lang),
        )
    if report.problems:
        yield _t("doc_problems", lang)
        for problem in report.problems:
            yield "- " + problem.message(lang)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


__all__ = [
    "DocumentTimestampReport",
    "Problem",
    "SignatureReport",
    "VerificationReport",
    "async_verify_pdf",
    "load_certificates",
    "load_crls",
    "verify_pdf",
]
