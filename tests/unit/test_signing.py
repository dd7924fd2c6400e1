"""Signing: dev PKI, PAdES B-B signer, verifier — checked against pyHanko, poppler's pdfsig and openssl cms.

Only local tools (pdfsig, openssl, tesseract); no services. Assertions never depend on wall-clock limits.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from signing.errors import (
    DevPkiError,
    SigningConfigError,
    SigningInputError,
    SigningKeyError,
)
from signing.pki import DevPki, ensure_dev_pki, revoke_dev_certificate
from signing.signer import DocumentSigner, SigningOptions
from signing.verify import VerificationReport, verify_pdf

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
AGENCY = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh"
TEXT = "Giấy khai sinh — NGUYỄN VĂN A"
TITLE_MARK = b"sohoa-test-document"

needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) not installed"
)
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return ensure_dev_pki(tmp_path_factory.mktemp("pki"), AGENCY)


@pytest.fixture(scope="module")
def signer(pki: DevPki) -> DocumentSigner:
    return DocumentSigner(
        SigningOptions(
            pkcs12_path=pki.signer_pkcs12_path,
            passphrase=pki.passphrase(),
            reason="Số hóa tài liệu",
            location="Quảng Ninh",
        )
    )


def make_reportlab_pdf(text: str = TEXT) -> bytes:
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setTitle(TITLE_MARK.decode())
    c.setFont("DejaVuSans", 14)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return make_reportlab_pdf()


@pytest.fixture(scope="module")
def signed_pdf(signer: DocumentSigner, unsigned_pdf: bytes) -> bytes:
    return signer.sign(unsigned_pdf)


@pytest.fixture(scope="module")
def tesseract_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed")
    work = tmp_path_factory.mktemp("tess")
    image = Image.new("L", (2480, 700), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), 60)
    draw.text((150, 200), TEXT, font=font, fill=0)
    draw.text((150, 400), "Quảng Ninh, ngày 05 tháng 02 năm 2024", font=font, fill=0)
    image.save(work / "page.png", dpi=(300, 300))
    subprocess.run(
        ["tesseract", str(work / "page.png"), str(work / "out"), "-l", "vie", "pdf"],
        check=True,
        capture_output=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return (work / "out.pdf").read_bytes()


# --- helpers --------------------------------------------------------------------------------------


def pdfsig_validation_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """The "Signature Validation:" line of each signature (pdfsig's exit code is always 0)."""
    path = tmp_path / "pdfsig-input.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return re.findall(r"Signature Validation: (.*)", result.stdout)


def last_signature_parts(pdf: bytes) -> tuple[bytes, bytes]:
    """(DER CMS, signed bytes) of the last signature, from its /ByteRange and /Contents."""
    ranges = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    a, b, c, d = (int(x) for x in ranges[-1])
    hex_contents = pdf[a + b : c].strip()
    assert hex_contents.startswith(b"<") and hex_contents.endswith(b">")
    padded = bytes.fromhex(hex_contents[1:-1].decode("ascii"))
    # Strip the zero padding using the DER length of the outer SEQUENCE (robust even if the DER ends in 00).
    assert padded[0] == 0x30
    if padded[1] & 0x80:
        n = padded[1] & 0x7F
        length = 2 + n + int.from_bytes(padded[2 : 2 + n], "big")
    else:
        length = 2 + padded[1]
    assert not padded[length:].strip(b"\x00"), "only zero padding may follow the CMS"
    return padded[:length], pdf[a : a + b] + pdf[c : c + d]


def openssl_cms_verify(pdf: bytes, ca_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cms, content = last_signature_parts(pdf)
    (tmp_path / "sig.der").write_bytes(cms)
    (tmp_path / "content.bin").write_bytes(content)
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(tmp_path / "sig.der"),
            "-content", str(tmp_path / "content.bin"),
            "-CAfile", str(ca_file),
            "-purpose", "any",
            "-out", str(tmp_path / "verified.bin"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def flip_byte_in_signed_range(pdf: bytes) -> bytes:
    """Change one byte of the document title: inside the first signed range, and the PDF stays parseable."""
    pos = pdf.index(TITLE_MARK)
    a, b, _c, _d = (int(x) for x in re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf)[0])
    assert a <= pos < a + b
    return pdf[:pos] + b"S" + pdf[pos + 1 :]


def codes(report: VerificationReport) -> set[str]:
    return {p.code for p in report.all_problems()}


# --- development PKI ------------------------------------------------------------------------------


def test_dev_pki_files_permissions_and_certificates(pki: DevPki) -> None:
    for path in pki.all_paths:
        assert path.is_file(), path.name
    secrets = (
        pki.signer_pkcs12_path,
        pki.official_pkcs12_path,
        pki.passphrase_path,
        pki.root_key_path,
        pki.issuing_ca_key_path,
        pki.tsa_key_path,
        pki.ocsp_key_path,
    )
    for secret in secrets:
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret.name

    root, issuing, seal = pki.root_cert(), pki.issuing_ca_cert(), pki.signer_cert()
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "sohoa Dev Root CA"
    issuing.verify_directly_issued_by(root)
    seal.verify_directly_issued_by(issuing)

    organisation = seal.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert organisation == f"{AGENCY} (DEV)"
    assert seal.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "VN"
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = seal.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert not seal.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key = seal.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 3072

    crl = x509.load_pem_x509_crl(pki.issuing_ca_crl_path.read_bytes())
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    assert len(list(crl)) == 0


def test_dev_pki_is_idempotent_and_refuses_another_agency(pki: DevPki) -> None:
    before = {p.name: p.read_bytes() for p in pki.all_paths}
    again = ensure_dev_pki(pki.directory, f"{AGENCY} (DEV)")  # the (DEV) mark is not doubled
    assert again == pki
    assert {p.name: p.read_bytes() for p in pki.all_paths} == before
    with pytest.raises(DevPkiError):
        ensure_dev_pki(pki.directory, "Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh")


def test_dev_pki_regenerates_an_incomplete_directory(pki: DevPki, tmp_path: Path) -> None:
    copy = tmp_path / "pki"
    shutil.copytree(pki.directory, copy)
    (copy / pki.signer_pkcs12_path.name).unlink()
    fresh = ensure_dev_pki(copy, AGENCY)
    assert fresh.signer_pkcs12_path.is_file()
    assert fresh.root_cert_path.read_bytes() != pki.root_cert_path.read_bytes()  # a whole new hierarchy


# --- signing and verification ---------------------------------------------------------------------


def test_signed_reportlab_pdf_verifies_as_pades_b_b(
    signer: DocumentSigner, unsigned_pdf: bytes, signed_pdf: bytes, pki: DevPki
) -> None:
    assert signed_pdf.startswith(unsigned_pdf), "signing must be an incremental update"
    report = verify_pdf(signed_pdf, pki.trust_roots)
    assert report.valid, report.to_text("en")
    assert len(report.signatures) == 1
    sig = report.signatures[0]
    assert sig.field_name == "Signature1"
    assert sig.intact and sig.valid and sig.trusted and not sig.revoked
    assert sig.coverage == "entire_file"
    assert sig.modification_level == "none"
    assert sig.pades_level == "B-B"
    assert sig.subfilter == "/ETSI.CAdES.detached"
    assert sig.signature_mechanism == "rsassa_pss"
    assert sig.digest_algorithm == "sha256"
    assert sig.signing_time is not None
    # B-B embeds no revocation data and none was given: a warning, not a failure.
    assert sig.revocation == "unknown"
    assert [p.code for p in sig.problems] == ["revocation_unknown"]
    assert sig.signer is not None and sig.signer.organisation == f"{AGENCY} (DEV)"
    assert signer.signer_subject.organisation == f"{AGENCY} (DEV)"
    assert "O=" in str(signer.signer_subject)


def test_signature_uses_pss_with_digest_length_salt(signed_pdf: bytes) -> None:
    from asn1crypto import cms

    der, _ = last_signature_parts(signed_pdf)
    signer_info = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    algorithm = signer_info["signature_algorithm"]
    assert algorithm["algorithm"].native == "rsassa_pss"
    assert algorithm["parameters"]["salt_length"].native == 32
    signed_attrs = {a["type"].native for a in signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in signed_attrs
    assert "signing_time" not in signed_attrs  # PAdES baseline: the time goes in /M instead


@needs_pdfsig
def test_pdfsig_says_signature_is_valid(signed_pdf: bytes, tmp_path: Path) -> None:
    # The certificate line says the dev root is not trusted by NSS; only the signature line matters here.
    assert pdfsig_validation_lines(signed_pdf, tmp_path) == ["Signature is Valid."]


@needs_openssl
def test_openssl_cms_verify_succeeds(signed_pdf: bytes, pki: DevPki, tmp_path: Path) -> None:
    result = openssl_cms_verify(signed_pdf, pki.ca_chain_path, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


@needs_tesseract
@needs_pdfsig
def test_tesseract_pdf_is_signed_and_verified(
    signer: DocumentSigner, tesseract_pdf: bytes, pki: DevPki, tmp_path: Path
) -> None:
    signed = signer.sign(tesseract_pdf)
    assert signed.startswith(tesseract_pdf)
    report = verify_pdf(signed, pki.trust_roots)
    assert report.valid, report.to_text("en")
    assert report.signatures[0].coverage == "entire_file"
    assert report.signatures[0].pades_level == "B-B"
    assert pdfsig_validation_lines(signed, tmp_path) == ["Signature is Valid."]
    assert openssl_cms_verify(signed, pki.ca_chain_path, tmp_path).returncode == 0


def test_flipped_byte_is_detected(signed_pdf: bytes, pki: DevPki, tmp_path: Path) -> None:
    tampered = flip_byte_in_signed_range(signed_pdf)
    report = verify_pdf(tampered, pki.trust_roots)
    assert not report.valid
    sig = report.signatures[0]
    assert not sig.intact
    assert "content_altered" in codes(report)
    assert "Tài liệu đã bị sửa đổi sau khi ký" in report.to_text("vi")
    assert "The document was modified after signing" in report.to_text("en")
    if shutil.which("pdfsig"):
        lines = pdfsig_validation_lines(tampered, tmp_path)
        assert lines and lines != ["Signature is Valid."]
    if shutil.which("openssl"):
        result = openssl_cms_verify(tampered, pki.ca_chain_path, tmp_path)
        assert result.returncode != 0
        assert "Verification successful" not in result.stderr


def test_disallowed_change_after_signing_is_reported(signed_pdf: bytes, pki: DevPki) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    stream = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 10 10 200 200 re f"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)

    report = verify_pdf(out.getvalue(), pki.trust_roots)
    assert not report.valid
    sig = report.signatures[0]
    assert sig.intact and sig.valid and sig.trusted  # the signed revision itself is untouched
    assert sig.coverage == "entire_revision"
    assert sig.modifications_allowed is False
    assert "modified_after_signing" in codes(report)
    assert "Tài liệu đã bị sửa đổi sau khi ký" in report.to_text("vi")


def test_second_signature_is_an_allowed_change(
    signer: DocumentSigner, signed_pdf: bytes, pki: DevPki
) -> None:
    twice = signer.sign(signed_pdf)
    assert twice.startswith(signed_pdf)
    report = verify_pdf(twice, pki.trust_roots)
    assert report.valid, report.to_text("en")
    first, second = report.signatures
    assert (first.field_name, second.field_name) == ("Signature1", "Signature2")
    assert first.coverage == "entire_revision"
    assert first.modification_level == "form_filling" and first.modifications_allowed
    assert second.coverage == "entire_file"


def test_untrusted_root_gives_valid_but_untrusted_signature(signed_pdf: bytes) -> None:
    other_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some Other Root")])
    now = datetime.now(UTC)
    other_root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(other_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(other_key, hashes.SHA256())
    )
    report = verify_pdf(signed_pdf, [other_root])
    assert not report.valid
    sig = report.signatures[0]
    assert sig.intact and sig.valid and not sig.trusted
    assert sig.trust_detail == "NO_CERTIFICATE_CHAIN_FOUND"
    assert "untrusted" in codes(report)
    assert "Chữ ký không hợp lệ" in report.to_text("vi")


def test_no_trust_roots_is_not_valid(signed_pdf: bytes) -> None:
    report = verify_pdf(signed_pdf, [])
    assert not report.valid
    assert {"no_trust_roots", "untrusted"} <= codes(report)


def test_trust_roots_accept_certificate_objects_and_pem_bytes(signed_pdf: bytes, pki: DevPki) -> None:
    assert verify_pdf(signed_pdf, [pki.root_cert()]).valid
    assert verify_pdf(signed_pdf, [pki.root_cert_path.read_bytes()]).valid
    assert verify_pdf(signed_pdf, [pki.ca_chain_path]).valid


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage bytes, not a PDF", b"%PDF-1.7\n1 0 obj <<", b"\x00" * 64],
    ids=["empty", "garbage", "truncated-header", "zeros"],
)
def test_unreadable_input_gives_a_report_not_an_exception(data: bytes, pki: DevPki) -> None:
    report = verify_pdf(data, pki.trust_roots)
    assert not report.valid
    assert report.problems and report.problems[0].code == "unreadable_pdf"
    assert report.to_text("vi") and report.to_text("en")
    json.dumps(report.to_dict())


def test_truncated_signed_pdf_is_invalid_without_exception(signed_pdf: bytes, pki: DevPki) -> None:
    report = verify_pdf(signed_pdf[: len(signed_pdf) // 2], pki.trust_roots)
    assert not report.valid
    assert codes(report)


def test_damaged_signature_contents_is_reported(signed_pdf: bytes, pki: DevPki) -> None:
    a, b, _c, _d = (
        int(x) for x in re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", signed_pdf)[0]
    )
    start = a + b + 1  # after '<'
    damaged = signed_pdf[:start] + b"ff" * 8 + signed_pdf[start + 16 :]
    report = verify_pdf(damaged, pki.trust_roots)
    assert not report.valid
    assert report.signatures and "signature_unreadable" in codes(report)


def test_unsigned_pdf_has_no_signature(unsigned_pdf: bytes, pki: DevPki) -> None:
    report = verify_pdf(unsigned_pdf, pki.trust_roots)
    assert not report.valid
    assert codes(report) == {"no_signature"}
    assert "Tài liệu không có chữ ký số" in report.to_text("vi")


def test_report_text_and_dict(signed_pdf: bytes, pki: DevPki) -> None:
    report = verify_pdf(signed_pdf, pki.trust_roots)
    vi = report.to_text("vi")
    assert "Chữ ký hợp lệ" in vi
    assert "Mức PAdES: B-B" in vi
    assert "Phạm vi ký: toàn bộ tệp" in vi
    assert "Quảng Ninh" in vi
    en = report.to_text("en")
    assert "Signature is valid" in en
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["valid"] is True
    assert data["signatures"][0]["pades_level"] == "B-B"
    assert data["signatures"][0]["coverage"] == "entire_file"
    with pytest.raises(ValueError):
        report.to_text("fr")  # type: ignore[arg-type]


# --- revocation -----------------------------------------------------------------------------------


def test_crls_are_checked_and_revocation_is_reported(
    pki: DevPki, unsigned_pdf: bytes, tmp_path: Path
) -> None:
    copy_dir = tmp_path / "pki"
    shutil.copytree(pki.directory, copy_dir)
    copy = replace(pki, **{f: copy_dir / getattr(pki, f).name for f in _path_fields(pki)}, directory=copy_dir)
    signed = DocumentSigner(SigningOptions(copy.signer_pkcs12_path, copy.passphrase())).sign(unsigned_pdf)

    ok = verify_pdf(signed, copy.trust_roots, crls=copy.crl_paths)  # "require": every cert covered by a CRL
    assert ok.valid, ok.to_text("en")

    missing_root_crl = verify_pdf(signed, copy.trust_roots, crls=[copy.issuing_ca_crl_path])
    assert not missing_root_crl.valid  # the issuing CA itself has no revocation data

    revoke_dev_certificate(copy, copy.signer_cert().serial_number)
    revoked = verify_pdf(signed, copy.trust_roots, crls=copy.crl_paths)
    assert not revoked.valid
    assert revoked.signatures[0].revoked and not revoked.signatures[0].trusted
    assert "revoked" in codes(revoked)
    assert "đã bị thu hồi" in revoked.to_text("vi")


def _path_fields(pki: DevPki) -> list[str]:
    return [name for name, value in vars(pki).items() if isinstance(value, Path) and name != "directory"]


# --- signer behaviour -----------------------------------------------------------------------------


def test_key_is_loaded_once_for_many_documents(
    pki: DevPki, unsigned_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = signers.SimpleSigner.load_pkcs12

    def counting(cls: type, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(signers.SimpleSigner, "load_pkcs12", classmethod(counting))
    doc_signer = DocumentSigner(SigningOptions(pki.signer_pkcs12_path, pki.passphrase()))
    # pyHanko's SimpleSigner parses the DER private key again for every signature; ours must not.
    parses = []
    original_parse = serialization.load_der_private_key

    def counting_parse(*args: object, **kwargs: object) -> object:
        parses.append(1)
        return original_parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(serialization, "load_der_private_key", counting_parse)
    first = doc_signer.sign(unsigned_pdf)
    second = doc_signer.sign(make_reportlab_pdf("Giấy chứng nhận kết hôn"))
    assert len(calls) == 1
    assert parses == []
    assert verify_pdf(first, pki.trust_roots).valid
    assert verify_pdf(second, pki.trust_roots).valid


def test_options_are_checked(pki: DevPki) -> None:
    for level in ("B-T", "B-LT", "B-LTA"):
        with pytest.raises(SigningConfigError):  # a timestamp authority is needed
            SigningOptions(pki.signer_pkcs12_path, level=level)
    with pytest.raises(SigningConfigError):  # validation data needs trust roots
        SigningOptions(pki.signer_pkcs12_path, level="B-LT", tsa_url="http://127.0.0.1:1/tsa")
    with pytest.raises(SigningConfigError):  # revocation checks need trust roots too
        SigningOptions(pki.signer_pkcs12_path, check_revocation=True)
    with pytest.raises(SigningConfigError):  # exactly one key source
        SigningOptions()
    with pytest.raises(SigningConfigError):
        SigningOptions(pki.signer_pkcs12_path, level="B-X")  # type: ignore[arg-type]
    with pytest.raises(SigningConfigError):
        SigningOptions(pki.signer_pkcs12_path, digest="md5")  # type: ignore[arg-type]
    with pytest.raises(SigningConfigError):
        SigningOptions(pki.signer_pkcs12_path, field_name="a.b")


def test_wrong_passphrase_or_missing_file_is_a_typed_error(pki: DevPki, tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError) as info:
        DocumentSigner(SigningOptions(pki.signer_pkcs12_path, b"not-the-passphrase"))
    assert "not-the-passphrase" not in str(info.value)
    with pytest.raises(SigningKeyError):
        DocumentSigner(SigningOptions(tmp_path / "missing.p12", b"x"))
    options = SigningOptions(pki.signer_pkcs12_path, pki.passphrase())
    assert pki.passphrase().decode() not in repr(options)


def test_signer_rejects_non_pdf_and_encrypted_input(signer: DocumentSigner) -> None:
    with pytest.raises(SigningInputError):
        signer.sign(b"not a pdf")
    with pytest.raises(SigningInputError):
        signer.sign(b"%PDF-1.7\ngarbage")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret")
    c.drawString(72, 720, "x")
    c.showPage()
    c.save()
    with pytest.raises(SigningInputError) as info:
        signer.sign(buf.getvalue())
    assert info.value.code == "signing_input_encrypted"
    assert codes(verify_pdf(buf.getvalue(), [])) == {"encrypted_pdf"}


def test_explicit_field_name_and_taken_field(pki: DevPki, unsigned_pdf: bytes) -> None:
    named = DocumentSigner(SigningOptions(pki.signer_pkcs12_path, pki.passphrase(), field_name="SealCentre"))
    signed = named.sign(unsigned_pdf)
    assert verify_pdf(signed, pki.trust_roots).signatures[0].field_name == "SealCentre"
    with pytest.raises(SigningInputError) as info:
        named.sign(signed)
    assert info.value.code == "signing_field_taken"


def test_pkcs1v15_when_pss_disabled(pki: DevPki, unsigned_pdf: bytes) -> None:
    legacy = DocumentSigner(SigningOptions(pki.signer_pkcs12_path, pki.passphrase(), use_pss=False))
    report = verify_pdf(legacy.sign(unsigned_pdf), pki.trust_roots)
    assert report.valid
    assert report.signatures[0].signature_mechanism == "sha256_rsa"


@needs_openssl
def test_ecdsa_p256_signer(tmp_path: Path, unsigned_pdf: bytes) -> None:
    ec_pki = ensure_dev_pki(tmp_path / "ec", AGENCY, signer_key_type="ec-p256")
    assert isinstance(ec_pki.signer_cert().public_key(), ec.EllipticCurvePublicKey)
    ec_signer = DocumentSigner(SigningOptions(ec_pki.signer_pkcs12_path, ec_pki.passphrase()))
    signed = ec_signer.sign(unsigned_pdf)
    report = verify_pdf(signed, ec_pki.trust_roots)
    assert report.valid, report.to_text("en")
    assert report.signatures[0].signature_mechanism == "sha256_ecdsa"
    assert openssl_cms_verify(signed, ec_pki.ca_chain_path, tmp_path).returncode == 0
    with pytest.raises(DevPkiError):
        ensure_dev_pki(tmp_path / "ec", AGENCY)  # same agency, other key type: never silently replaced


# --- PAdES level detection ------------------------------------------------------------------------


def test_signature_timestamp_is_detected_as_b_t(pki: DevPki, unsigned_pdf: bytes) -> None:
    """A B-T signature made by pyHanko's own signer (not ours) is recognised as B-T."""
    passphrase = pki.passphrase()
    issuing_key = serialization.load_pem_private_key(pki.issuing_ca_key_path.read_bytes(), passphrase)
    assert isinstance(issuing_key, rsa.RSAPrivateKey)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # DummyTimeStamper is RSA-only
    now = datetime.now(UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sohoa Dev TSA (DEV)")]))
        .issuer_name(pki.issuing_ca_cert().subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(issuing_key, hashes.SHA256())
    )
    timestamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(pki.issuing_ca_cert().public_bytes(serialization.Encoding.DER))]
        ),
    )
    pyhanko_signer = signers.SimpleSigner.load_pkcs12(str(pki.signer_pkcs12_path), passphrase=passphrase)
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    out = signers.PdfSigner(meta, signer=pyhanko_signer, timestamper=timestamper).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned_pdf))
    )
    report = verify_pdf(out.getvalue(), pki.trust_roots)
    assert report.valid, report.to_text("en")
    sig = report.signatures[0]
    assert sig.pades_level == "B-T"
    assert sig.timestamp_time is not None
    assert "Dấu thời gian" in report.to_text("vi")


def test_adbe_pkcs7_detached_is_not_pades(pki: DevPki, unsigned_pdf: bytes) -> None:
    pyhanko_signer = signers.SimpleSigner.load_pkcs12(
        str(pki.signer_pkcs12_path), passphrase=pki.passphrase()
    )
    meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256")
    out = signers.PdfSigner(meta, signer=pyhanko_signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned_pdf))
    )
    report = verify_pdf(out.getvalue(), pki.trust_roots)
    sig = report.signatures[0]
    assert sig.pades_level is None
    assert "not_pades" in codes(report)
    assert report.valid  # a warning, not an error: still a valid, trusted signature
