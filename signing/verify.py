"""Verification of PDF signatures, reported in Vietnamese and English.

``verify_pdf(data, trust_roots)`` never raises on bad input: an unreadable file, a damaged signature or any
validation failure ends up as a :class:`Problem` in the report, with ``valid=False``. It raises only for the
caller's own configuration (a trust root or CRL that cannot be loaded).

A signature counts as valid when it is intact (the signed bytes hash to the signed digest), cryptographically
valid, chains to one of the configured roots (with the key usage PAdES expects: nonRepudiation), is not
revoked, and no disallowed change was made after it.

Revocation and time come from pyHanko's implementation of ETSI EN 319 102-1 (validation with long-term
availability and integrity: ``ades_lta_validation``), run offline by default on what the file embeds (the DSS,
timestamp tokens) plus the CRLs the caller passes. Its *best signature time* is the earliest time the
signature is proven to have existed; a certificate revoked after that time does not invalidate the signature.
When no revocation data is available the status is ``unknown`` (a warning, not a failure: B-B and B-T
signatures embed none).

The PAdES baseline level reported is the level the signature *reaches* (pyHanko does not name it):

- ``B-B``: ``/ETSI.CAdES.detached`` with the signing-certificate(-v2) attribute;
- ``B-T``: plus a valid signature timestamp, or a valid document timestamp over it;
- ``B-LT``: plus validation data in the file sufficient to validate it offline (AdES validation passes
  with no fetching and no revocation data from the caller);
- ``B-LTA``: plus a valid document timestamp over a revision that already holds that validation data.

``etsi_report=True`` adds an ETSI TS 119 102-2 XML validation report (pyHanko's generator; the main
indication there is pyHanko's AdES verdict).
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

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESStatus
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import (
    AdESBasicValidationResult,
    AdESWithTimeValidationResult,
    ades_lta_validation,
)
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from signing.errors import SigningConfigError
from signing.quiet import quiet_pyhanko
from signing.subject import SignerSubject

logger = logging.getLogger(__name__)

Lang = Literal["vi", "en"]
Severity = Literal["error", "warning"]
Coverage = Literal["entire_file", "entire_revision", "partial", "unclear", "unknown"]
ReachedLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
RevocationStatus = Literal["good", "revoked", "unknown"]
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
    "revocation_unknown": (
        "warning",
        "Không có dữ liệu thu hồi để kiểm tra chứng thư số (tệp không nhúng dữ liệu kiểm tra, cũng không "
        "có CRL được cung cấp): chưa xác định được chứng thư có bị thu hồi hay không.",
        "No revocation data was available (the file embeds none and no CRL was given): whether the "
        "certificate is revoked is not established.",
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
    revocation: RevocationStatus = "unknown"
    """Revocation status of the signer's certificate path at the best signature time."""
    best_signature_time: datetime | None = None
    """Earliest time the signature is proven to exist (a timestamp), per ETSI EN 319 102-1."""
    ades_indication: str | None = None
    """AdES main indication: ``PASSED``, ``INDETERMINATE`` or ``FAILED``."""
    ades_subindication: str | None = None

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
            "revocation": self.revocation,
            "best_signature_time": _iso(self.best_signature_time),
            "ades_indication": self.ades_indication,
            "ades_subindication": self.ades_subindication,
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
    etsi_report_xml: str | None = None
    """ETSI TS 119 102-2 validation report (XML), when asked for."""

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
    allow_fetching: bool = False,
    etsi_report: bool = False,
) -> VerificationReport:
    """Verify every signature in ``data``.

    :param trust_roots: root (or other anchor) certificates: paths to PEM/DER files (a PEM file may hold
        several), PEM/DER bytes, or ``cryptography`` / ``asn1crypto`` certificates.
    :param crls: CRLs (paths or PEM/DER bytes) to check revocation against; nothing is fetched online.
    :param revocation_mode: pyHanko/certvalidator mode; default ``"require"`` (every certificate in the path
        must be covered by revocation data) when CRLs are given, else ``"soft-fail"``.
    :param at: validation time (default: now).
    :param allow_fetching: fetch OCSP responses and CRLs named in the certificates (online); default offline.
    :param etsi_report: also produce the ETSI TS 119 102-2 XML report (``report.etsi_report_xml``).

    Runs its own event loop; from async code use :func:`async_verify_pdf`.
    """
    return asyncio.run(
        async_verify_pdf(
            data,
            trust_roots,
            crls=crls,
            revocation_mode=revocation_mode,
            at=at,
            allow_fetching=allow_fetching,
            etsi_report=etsi_report,
        )
    )


async def async_verify_pdf(
    data: bytes,
    trust_roots: Sequence[TrustRoot],
    *,
    crls: Sequence[Path | str | bytes] = (),
    revocation_mode: RevocationMode | None = None,
    at: datetime | None = None,
    allow_fetching: bool = False,
    etsi_report: bool = False,
) -> VerificationReport:
    with quiet_pyhanko():
        return await _verify(data, trust_roots, crls, revocation_mode, at, allow_fetching, etsi_report)


async def _verify(
    data: bytes,
    trust_roots: Sequence[TrustRoot],
    crls: Sequence[Path | str | bytes],
    revocation_mode: RevocationMode | None,
    at: datetime | None,
    allow_fetching: bool,
    etsi_report: bool,
) -> VerificationReport:
    roots = load_certificates(trust_roots)
    crl_ders = load_crls(crls)
    # Online checks (allow_fetching) are made by the AdES validation, which requires revocation data; the
    # validation "now" only insists on it when the caller hands CRLs over.
    mode: RevocationMode = revocation_mode or ("require" if crl_ders else "soft-fail")
    digest = hashlib.sha256(data).hexdigest() if isinstance(data, bytes | bytearray) else None

    dss_data: tuple[list[Any], list[Any], list[Any]] = ([], [], [])

    def context() -> ValidationContext:
        # A fresh context per signature: contexts cache certificates and revocation results. The file's DSS
        # certificates and CRLs count as known, next to the caller's CRLs. Its OCSP responses do not: the
        # certificate validator takes a response about another certificate of the same CA (an earlier
        # signer's) as a failed check. They serve the AdES validation, which sorts them out.
        certs, _ocsps, dss_crls = dss_data
        return ValidationContext(
            trust_roots=roots,
            crls=[*crl_ders, *dss_crls],
            other_certs=certs,
            revocation_mode=mode,
            allow_fetching=allow_fetching,
            moment=at,
        )

    ades = _Ades(roots, crl_ders, allow_fetching, at)

    doc_problems: list[Problem] = []
    if not roots:
        doc_problems.append(Problem.of("no_trust_roots"))

    try:
        reader = _open(bytes(data))
        if reader.encrypted:
            return _failed(digest, at, Problem.of("encrypted_pdf"))
        filled = list(enumerate_sig_fields(reader, filled_status=True))
        dss_data = _dss_contents(reader)
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

    reports = [await _check_signature(emb, context(), timestamps, ades) for emb in regular] + reports
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
        etsi_report_xml=ades.xml_report() if etsi_report else None,
    )


class _Ades:
    """ETSI EN 319 102-1 validation (pyHanko's ``ades_lta_validation``) of each signature, and its results."""

    def __init__(
        self, roots: list[asn1_x509.Certificate], crls: list[bytes], allow_fetching: bool, at: datetime | None
    ) -> None:
        self.roots = roots
        self.crls = crls
        self.allow_fetching = allow_fetching
        self.at = at
        self.results: list[tuple[EmbeddedPdfSignature, AdESBasicValidationResult[Any]]] = []

    def _spec(self, *, embedded_only: bool) -> PdfSignatureValidationSpec:
        required = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
        crls = [] if embedded_only else [CRLContainer(asn1_crl.CertificateList.load(c)) for c in self.crls]
        fetching = (
            RevinfoOnlineFetchingRule.LOCAL_ONLY
            if embedded_only or not self.allow_fetching
            else RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
        )
        return PdfSignatureValidationSpec(
            SignatureValidationSpec(
                cert_validation_policy=CertValidationPolicySpec(
                    trust_manager=SimpleTrustManager.build(trust_roots=self.roots),
                    revinfo_policy=CertRevTrustPolicy(
                        RevocationCheckingPolicy(
                            ee_certificate_rule=required, intermediate_ca_cert_rule=required
                        )
                    ),
                ),
                revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=fetching),
                local_knowledge=LocalKnowledge(known_crls=crls),
            )
        )

    async def validate(
        self, emb: EmbeddedPdfSignature, *, embedded_only: bool
    ) -> AdESBasicValidationResult[Any] | None:
        timing = None
        if self.at is not None:
            timing = ValidationTimingInfo(self.at, self.at, point_in_time_validation=True)
        try:
            return await ades_lta_validation(emb, self._spec(embedded_only=embedded_only), timing_info=timing)
        except Exception as exc:  # pyHanko's AdES code is incubating: a crash is "no verdict", not a failure
            logger.info("AdES validation did not complete (%s)", type(exc).__name__)
            return None

    @property
    def extra_data(self) -> bool:
        """Whether the caller supplied revocation data beyond what the file embeds."""
        return bool(self.crls) or self.allow_fetching

    def xml_report(self) -> str | None:
        """One ETSI TS 119 102-2 ValidationReport with a SignatureValidationReport per signature."""
        from lxml import etree
        from pyhanko.sign.validation.report.tools import generate_report

        merged = None
        objects = None
        seen: set[str] = set()
        for emb, result in self.results:
            try:
                xml = generate_report(emb, result)
            except Exception as exc:  # incubating in pyHanko: report what could be reported
                logger.info("ETSI report of one signature failed (%s)", type(exc).__name__)
                continue
            root = etree.fromstring(xml.encode("utf-8"))
            ns = {"vr": root.nsmap.get("vr") or "http://uri.etsi.org/19102/v1.2.1#"}
            if merged is None:
                merged = root
                objects = root.find("vr:SignatureValidationObjects", ns)
                if objects is not None:
                    seen = {o.get("id") or "" for o in objects}
                continue
            insert_at = merged.find("vr:SignatureValidationObjects", ns)
            for svr in root.findall("vr:SignatureValidationReport", ns):
                if insert_at is not None:
                    insert_at.addprevious(svr)
                else:
                    merged.append(svr)
            their_objects = root.find("vr:SignatureValidationObjects", ns)
            if their_objects is not None:
                if objects is None:
                    objects = their_objects
                    merged.append(objects)
                    seen = {o.get("id") or "" for o in objects}
                    continue
                for obj in list(their_objects):
                    if (obj.get("id") or "") not in seen:
                        seen.add(obj.get("id") or "")
                        objects.append(obj)
        if merged is None:
            return None
        return str(etree.tostring(merged, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode())


def _dss_contents(reader: PdfFileReader) -> tuple[list[Any], list[Any], list[Any]]:
    """Certificates, OCSP responses and CRLs of the document security store (empty when there is none)."""
    from asn1crypto import ocsp as asn1_ocsp
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return [], [], []
    ocsps = [asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps]
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    return list(dss.load_certs()), ocsps, crls


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
    ades: _Ades,
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
    trusted: bool = status.validation_path is not None and status.trust_problem_indic is None
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

    later_doc_ts = [
        (ts_emb, ts_report)
        for ts_emb, ts_report in timestamps
        if ts_report.ok and ts_emb.signed_revision > emb.signed_revision
    ]
    timed = tst_ok or bool(later_doc_ts)

    # Revocation and best signature time: first on what the file embeds alone (that decides B-LT), then,
    # if that is not conclusive, with what the caller added (CRLs, online fetching).
    embedded = await ades.validate(emb, embedded_only=True) if status.intact and status.valid else None
    result = embedded
    if (result is None or result.ades_subindic.status != AdESStatus.PASSED) and ades.extra_data:
        result = await ades.validate(emb, embedded_only=False) if status.intact and status.valid else None
    if result is not None:
        ades.results.append((emb, result))
    embedded_passed = embedded is not None and embedded.ades_subindic.status == AdESStatus.PASSED
    passed = result is not None and result.ades_subindic.status == AdESStatus.PASSED
    revoked = bool(status.revoked) or trust_detail in ("REVOKED_NO_POE", "REVOKED_CA_NO_POE")
    revocation: RevocationStatus = "unknown"
    if passed:
        # Valid at the best signature time with revocation data: a later revocation or expiry (what the
        # validation "now" may have found) does not invalidate the signature, and the AdES process has
        # validated the timestamps with the data of their own time.
        revocation, revoked, trusted, trust_detail = "good", False, True, None
        dropped = ("revoked", "certificate_expired", "untrusted", "timestamp_invalid")
        problems = [p for p in problems if p.code not in dropped]
        if tst is not None and tst.intact and tst.valid:
            tst_ok = True
    elif revoked or (result is not None and "REVOKED" in result.ades_subindic.standard_name.upper()):
        revocation = "revoked"
        if not revoked:
            revoked, trusted = True, False
            problems.append(Problem.of("revoked"))
    elif mode_checked_revocation(vc) and trusted:
        revocation = "good"
    if revocation == "unknown":
        problems.append(Problem.of("revocation_unknown"))

    timed = tst_ok or bool(later_doc_ts)
    best_time = _best_signature_time(tst.timestamp if tst_ok and tst is not None else None, later_doc_ts)
    if isinstance(result, AdESWithTimeValidationResult) and passed and result.best_signature_time is not None:
        best_time = (
            result.best_signature_time if best_time is None else min(best_time, result.best_signature_time)
        )

    pades_level: ReachedLevel | None = None
    if subfilter != PADES_SUBFILTER:
        problems.append(Problem.of("not_pades"))
    elif not _has_signing_certificate_attr(emb):
        problems.append(Problem.of("pades_attributes_missing"))
    elif not timed:
        pades_level = "B-B"
    elif not embedded_passed:
        pades_level = "B-T"
    elif any(_has_dss(emb, ts_emb.signed_revision) for ts_emb, _ in later_doc_ts):
        pades_level = "B-LTA"
    else:
        pades_level = "B-LT"

    return SignatureReport(
        field_name=field_name,
        signer=signer,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        revoked=revoked,
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
        revocation=revocation,
        best_signature_time=best_time,
        ades_indication=None if result is None else result.ades_subindic.status.name,
        ades_subindication=None if result is None else result.ades_subindic.standard_name,
    )


def mode_checked_revocation(vc: ValidationContext) -> bool:
    """Whether the "now" validation required revocation data for every certificate (and so checked it)."""
    policy = vc.revinfo_policy.revocation_checking_policy
    return bool(policy.ee_certificate_rule.strict and policy.intermediate_ca_cert_rule.strict)


def _best_signature_time(
    tst_time: datetime | None, later_doc_ts: Sequence[tuple[EmbeddedPdfSignature, DocumentTimestampReport]]
) -> datetime | None:
    times = [t for t in (tst_time, *(r.time for _, r in later_doc_ts)) if t is not None]
    return min(times) if times else None


def _has_dss(emb: EmbeddedPdfSignature, revision: int) -> bool:
    """Whether the revision covered by a document timestamp already holds a DSS (validation data)."""
    try:
        root = emb.reader.get_historical_root(revision)
        return "/DSS" in root
    except Exception:
        return False


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
    "best_time": (
        "Thời điểm ký được chứng minh sớm nhất (best signature time): {v}",
        "Best signature time (earliest proven existence): {v}",
    ),
    "revocation": ("Tình trạng thu hồi: {v}", "Revocation status: {v}"),
    "rev_good": ("chưa bị thu hồi (đã kiểm tra)", "not revoked (checked)"),
    "rev_revoked": ("ĐÃ BỊ THU HỒI", "REVOKED"),
    "rev_unknown": ("không xác định (không có dữ liệu thu hồi)", "unknown (no revocation data)"),
    "ades": ("Kết luận AdES (ETSI EN 319 102-1): {v}", "AdES verdict (ETSI EN 319 102-1): {v}"),
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
        yield "  " + _t("revocation", lang, v=_t(f"rev_{sig.revocation}", lang))
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
        if sig.best_signature_time is not None:
            yield "  " + _t("best_time", lang, v=_fmt_time(sig.best_signature_time, lang))
        yield "  " + _t("level", lang, v=sig.pades_level or _t("not_pades", lang))
        if sig.ades_indication is not None:
            verdict = sig.ades_indication + (f" / {sig.ades_subindication}" if sig.ades_subindication else "")
            yield "  " + _t("ades", lang, v=verdict)
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
