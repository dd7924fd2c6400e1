"""PAdES B-T, B-LT and B-LTA against the development PKI's own services (CRL, OCSP, TSA on loopback, started
and stopped here), PKCS#11 keys on SoftHSM2, several signatures, the visible signature, the auditor's report.

Independent checkers: poppler's ``pdfsig`` (its text; its exit code is always 0) and ``openssl cms -verify``
over the signed byte ranges. No wall-clock limits.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID
from lxml import etree
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.devserver import DevPkiServer
from signing.errors import SigningConfigError, SigningKeyError, SigningServiceError
from signing.pki import DevPki, ensure_dev_pki, revoke_dev_certificate
from signing.signer import DocumentSigner, PadesLevel, Pkcs11Key, SigningOptions, VisibleSignature
from signing.verify import VerificationReport, verify_pdf
from tests.unit.test_signing import AGENCY, DEJAVU, TITLE_MARK, make_reportlab_pdf

NOTO = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
LEVELS: tuple[PadesLevel, ...] = ("B-B", "B-T", "B-LT", "B-LTA")

needs_tools = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("openssl") is None, reason="pdfsig/openssl missing"
)


@dataclass
class Services:
    pki: DevPki
    server: DevPkiServer


def _start(directory: Path) -> Services:
    server = DevPkiServer()  # 127.0.0.1, a free port
    pki = ensure_dev_pki(directory, AGENCY, services_url=server.url)
    server.start(pki)
    return Services(pki, server)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    running = _start(tmp_path_factory.mktemp("pki"))
    yield running
    running.server.stop()


def options(pki: DevPki, level: PadesLevel = "B-B", **kwargs: object) -> SigningOptions:
    return SigningOptions(
        pkcs12_path=kwargs.pop("pkcs12_path", pki.signer_pkcs12_path),  # type: ignore[arg-type]
        passphrase=pki.passphrase(),
        level=level,
        tsa_url=pki.tsa_url,
        trust_roots=pki.trust_roots,
        reason="Chứng thực bản số hóa từ bản giấy",
        **kwargs,  # type: ignore[arg-type]
    )


def make_pdf(text: str = "Giấy khai sinh — NGUYỄN VĂN A") -> bytes:
    return make_reportlab_pdf(text)


@pytest.fixture(scope="module")
def signed(services: Services) -> dict[str, bytes]:
    """One document signed at each level by a signer built once per level."""
    pdf = make_pdf()
    return {level: DocumentSigner(options(services.pki, level)).sign(pdf) for level in LEVELS}


# --- independent checkers -------------------------------------------------------------------------


def signature_parts(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(DER CMS, signed bytes) of every CAdES signature, in file order; document timestamps are skipped."""
    from asn1crypto import cms as asn1_cms

    out = []
    for match in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf):
        a, b, c, d = (int(x) for x in match.groups())
        padded = bytes.fromhex(pdf[a + b : c].strip()[1:-1].decode("ascii"))
        n = padded[1] & 0x7F if padded[1] & 0x80 else 0
        length = 2 + n + int.from_bytes(padded[2 : 2 + n], "big") if n else 2 + padded[1]
        assert not padded[length:].strip(b"\x00"), "only zero padding may follow the CMS"
        cms = padded[:length]
        content = asn1_cms.ContentInfo.load(cms)["content"]
        if content["encap_content_info"]["content_type"].native == "tst_info":
            continue  # an RFC 3161 document timestamp
        out.append((cms, pdf[a : a + b] + pdf[c : c + d]))
    return out


def openssl_verify_all(pdf: bytes, ca_file: Path, tmp_path: Path) -> list[int]:
    codes = []
    for i, (cms, content) in enumerate(signature_parts(pdf)):
        (tmp_path / f"sig{i}.der").write_bytes(cms)
        (tmp_path / f"content{i}.bin").write_bytes(content)
        result = subprocess.run(
            [
                "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                "-in", str(tmp_path / f"sig{i}.der"), "-content", str(tmp_path / f"content{i}.bin"),
                "-CAfile", str(ca_file), "-purpose", "any", "-out", str(tmp_path / f"out{i}.bin"),
            ],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        codes.append(result.returncode)
    return codes


def pdfsig_signatures(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(signature type, validation line) of each signature pdfsig lists."""
    path = tmp_path / "pdfsig.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    blocks = re.split(r"^Signature #\d+:", text, flags=re.MULTILINE)[1:]
    out = []
    for block in blocks:
        kind = re.search(r"Signature Type: (.*)", block)
        line = re.search(r"Signature Validation: (.*)", block)
        out.append((kind.group(1).strip() if kind else "", line.group(1).strip() if line else ""))
    return out


def assert_pdfsig_valid(pdf: bytes, tmp_path: Path, expected: int) -> None:
    """Every CAdES signature: "Signature is Valid." (pdfsig cannot check RFC 3161 document timestamps)."""
    cades = [line for kind, line in pdfsig_signatures(pdf, tmp_path) if kind == "ETSI.CAdES.detached"]
    assert cades == ["Signature is Valid."] * expected


def flip_byte(pdf: bytes) -> bytes:
    pos = pdf.index(TITLE_MARK)
    return pdf[:pos] + b"S" + pdf[pos + 1 :]


def codes(report: VerificationReport) -> set[str]:
    return {p.code for p in report.all_problems()}


# --- the PKI and its services ---------------------------------------------------------------------


def test_certificates_name_the_loopback_revocation_services(services: Services) -> None:
    pki = services.pki
    seal = pki.signer_cert()
    aia = seal.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    ocsp_urls = [
        a.access_location.value for a in aia if a.access_method == AuthorityInformationAccessOID.OCSP
    ]
    assert ocsp_urls == [f"{services.server.url}/ocsp"]
    cdp = seal.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name is not None
    assert cdp[0].full_name[0].value == f"{services.server.url}/crl/issuing.crl"
    assert services.server.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{services.server.url}/crl/issuing.crl") as answer:
        crl = x509.load_der_x509_crl(answer.read())
    assert crl.is_signature_valid(pki.issuing_ca_cert().public_key())  # type: ignore[arg-type]
    official = pki.official_cert().subject.rfc4514_string()
    assert "Nguyễn Văn Cán Bộ (DEV)" in official


def test_server_refuses_non_loopback_addresses() -> None:
    with pytest.raises(ValueError):
        DevPkiServer("0.0.0.0")


# --- levels ---------------------------------------------------------------------------------------


@needs_tools
@pytest.mark.parametrize("level", LEVELS)
def test_each_level_is_reached_and_checked_independently(
    level: PadesLevel, signed: dict[str, bytes], services: Services, tmp_path: Path
) -> None:
    pdf = signed[level]
    report = verify_pdf(pdf, services.pki.trust_roots)
    assert report.valid, report.to_text("en")
    (sig,) = report.signatures
    assert sig.pades_level == level
    assert sig.signature_mechanism == "rsassa_pss"
    if level == "B-B":
        assert sig.timestamp_time is None and sig.best_signature_time is None
    else:
        assert sig.timestamp_time is not None and sig.best_signature_time is not None
    if level in ("B-LT", "B-LTA"):
        assert sig.revocation == "good" and sig.ades_indication == "PASSED"
    assert len(report.document_timestamps) == (1 if level == "B-LTA" else 0)
    assert_pdfsig_valid(pdf, tmp_path, 1)
    assert openssl_verify_all(pdf, services.pki.ca_chain_path, tmp_path) == [0]


def test_b_lta_validates_with_the_pki_servers_stopped(tmp_path: Path) -> None:
    running = _start(tmp_path / "pki")
    try:
        pdf = DocumentSigner(options(running.pki, "B-LTA")).sign(make_pdf())
    finally:
        running.server.stop()
    with pytest.raises(urllib.error.URLError):  # really stopped: nothing answers any more
        urllib.request.urlopen(f"{running.server.url}/crl/issuing.crl", timeout=5)

    for fetching in (False, True):  # even when the verifier may go online, it needs nothing from there
        report = verify_pdf(pdf, running.pki.trust_roots, allow_fetching=fetching)
        assert report.valid, report.to_text("en")
        (sig,) = report.signatures
        assert sig.pades_level == "B-LTA"
        assert sig.revocation == "good"
        assert sig.ades_indication == "PASSED"
        assert sig.modification_level == "lta_updates" and sig.modifications_allowed
        assert report.document_timestamps[0].ok


def test_b_lta_stays_valid_after_the_certificate_is_revoked(services: Services, tmp_path: Path) -> None:
    """Revocation after the best signature time does not invalidate the signature; a B-B one it does."""
    directory = tmp_path / "pki"
    shutil.copytree(services.pki.directory, directory)
    pki = ensure_dev_pki(directory, AGENCY, services_url=services.pki.services_url)
    pdf = make_pdf()
    b_b = DocumentSigner(options(pki, "B-B")).sign(pdf)
    lta = DocumentSigner(options(pki, "B-LTA")).sign(pdf)  # the running server serves the original PKI
    revoke_dev_certificate(pki, pki.signer_cert().serial_number)

    later = verify_pdf(lta, pki.trust_roots, crls=pki.crl_paths)
    assert later.valid, later.to_text("en")
    assert later.signatures[0].revocation == "good"
    early = verify_pdf(b_b, pki.trust_roots, crls=pki.crl_paths)
    assert not early.valid
    assert early.signatures[0].revocation == "revoked" and "revoked" in codes(early)


# --- tampering ------------------------------------------------------------------------------------


@needs_tools
def test_flipped_byte_fails_in_pdfsig_openssl_and_sohoa_verify(
    signed: dict[str, bytes], services: Services, tmp_path: Path
) -> None:
    tampered = flip_byte(signed["B-LTA"])
    lines = [line for kind, line in pdfsig_signatures(tampered, tmp_path) if kind == "ETSI.CAdES.detached"]
    assert lines and all(line != "Signature is Valid." for line in lines)
    assert all(code != 0 for code in openssl_verify_all(tampered, services.pki.ca_chain_path, tmp_path))
    report = verify_pdf(tampered, services.pki.trust_roots)
    assert not report.valid and "content_altered" in codes(report)

    from sohoa.cli import main

    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    result = CliRunner().invoke(main, ["verify", str(path), "--trust-root", str(services.pki.root_cert_path)])
    assert result.exit_code == 1
    assert "KHÔNG HỢP LỆ" in result.output


def test_page_change_after_b_lta_is_a_disallowed_modification(
    signed: dict[str, bytes], services: Services
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed["B-LTA"]))
    stream = writer.add_object(generic.StreamObject(stream_data=b"1 0 0 rg 10 10 300 300 re f"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), services.pki.trust_roots)
    assert not report.valid
    sig = report.signatures[0]
    assert sig.intact and sig.valid
    assert sig.modifications_allowed is False
    assert "modified_after_signing" in codes(report)


# --- several signatures ---------------------------------------------------------------------------


@needs_tools
def test_official_then_seal_all_valid(services: Services, tmp_path: Path) -> None:
    pki = services.pki
    official = DocumentSigner(options(pki, "B-T", pkcs12_path=pki.official_pkcs12_path, field_name="CanBo"))
    seal = DocumentSigner(options(pki, "B-LTA", field_name="DauCoQuan"))
    first = official.sign(make_pdf())
    both = seal.sign(first)
    assert both.startswith(first), "the seal is an incremental update"

    report = verify_pdf(both, pki.trust_roots)
    assert report.valid, report.to_text("en")
    by_field = {s.field_name: s for s in report.signatures}
    assert set(by_field) == {"CanBo", "DauCoQuan"}
    assert by_field["CanBo"].signer is not None
    assert by_field["CanBo"].signer.common_name == "Nguyễn Văn Cán Bộ (DEV)"
    assert by_field["CanBo"].modifications_allowed
    # the seal added the official's validation data first, and its archive timestamp covers both
    assert by_field["CanBo"].pades_level == "B-LTA" and by_field["CanBo"].revocation == "good"
    assert by_field["DauCoQuan"].pades_level == "B-LTA"
    assert_pdfsig_valid(both, tmp_path, 2)
    assert openssl_verify_all(both, pki.ca_chain_path, tmp_path) == [0, 0]

    xml = verify_pdf(both, pki.trust_roots, etsi_report=True).etsi_report_xml
    assert xml is not None
    tree = etree.fromstring(xml.encode())
    ns = {"vr": "http://uri.etsi.org/19102/v1.2.1#"}
    assert len(tree.findall("vr:SignatureValidationReport", ns)) == 2  # one report for both signatures
    ids = [o.get("id") for o in tree.findall("vr:SignatureValidationObjects/vr:ValidationObject", ns)]
    assert ids and len(ids) == len(set(ids))


# --- revocation at signing time -------------------------------------------------------------------


def test_revoked_certificate_is_refused_at_signing(services: Services, tmp_path: Path) -> None:
    server = DevPkiServer()  # revocations are served from this PKI's own CRL: its own server and URL
    pki = ensure_dev_pki(tmp_path / "own", AGENCY, services_url=server.url)
    with server.running(pki):
        signer = DocumentSigner(options(pki, "B-B", check_revocation=True))
        assert verify_pdf(signer.sign(make_pdf()), pki.trust_roots).valid
        revoke_dev_certificate(pki, pki.signer_cert().serial_number)
        fresh = DocumentSigner(options(pki, "B-B", check_revocation=True))
        with pytest.raises(SigningKeyError) as info:
            fresh.sign(make_pdf())
        assert info.value.code == "signing_cert_revoked"
    stopped = DocumentSigner(options(pki, "B-T"))
    with pytest.raises(SigningServiceError) as unreachable:
        stopped.sign(make_pdf())
    assert unreachable.value.permanent is False


# --- keys on a PKCS#11 token ----------------------------------------------------------------------


def _token_with_key(tmp_path: Path, pki: DevPki, label: str) -> str:
    from sohoa.hsm import ensure_softhsm_token

    pin = "sohoa-test-pin"
    token = f"sign-{label}"
    conf = ensure_softhsm_token(tmp_path / "softhsm", token, pin)
    key, _cert, _ = pkcs12.load_key_and_certificates(pki.signer_pkcs12_path.read_bytes(), pki.passphrase())
    assert key is not None
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(pem), "--token", token, "--label", label, "--id", "01",
         "--pin", pin],
        check=True, capture_output=True, env={"SOFTHSM2_CONF": str(conf), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    pem.unlink()
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    library = pkcs11.lib(str(SOFTHSM))
    if library.initialized:  # SoftHSM2 lists only the tokens it found when initialised: look again
        library.reinitialize()
    cert = pki.signer_cert()
    with library.get_token(token_label=token).open(rw=True, user_pin=pin) as session:
        session.create_object(  # the certificate next to the key, as on a real token
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    return pin


@needs_tools
@pytest.mark.skipif(not SOFTHSM.exists() or shutil.which("softhsm2-util") is None, reason="no SoftHSM2")
@pytest.mark.parametrize("key_type", ["rsa-3072", "ec-p256"])
def test_pkcs11_key_on_softhsm(key_type: str, services: Services, tmp_path: Path) -> None:
    if key_type == "rsa-3072":
        pki = services.pki
    else:
        server = DevPkiServer()
        pki = ensure_dev_pki(tmp_path / "ec", AGENCY, signer_key_type="ec-p256", services_url=server.url)
        server.start(pki)
    try:
        label = f"seal-{key_type}"
        pin = _token_with_key(tmp_path, pki, label)
        key = Pkcs11Key(
            module=SOFTHSM,
            token_label=f"sign-{label}",
            pin=pin,
            key_label=label,
            cert_label=label,
            # RSA: the certificate is read from the token; ECDSA: from a file
            cert_path=None if key_type == "rsa-3072" else pki.signer_cert_path,
            chain_paths=(pki.issuing_ca_cert_path,),
        )
        assert pin not in repr(key)
        level: PadesLevel = "B-LT"
        opts = SigningOptions(pkcs11=key, level=level, tsa_url=pki.tsa_url, trust_roots=pki.trust_roots)
        with DocumentSigner(opts) as signer:
            first = signer.sign(make_pdf())
            second = signer.sign(make_pdf("Giấy chứng nhận kết hôn"))  # one session, key found once
        for pdf in (first, second):
            report = verify_pdf(pdf, pki.trust_roots)
            assert report.valid, report.to_text("en")
            sig = report.signatures[0]
            assert sig.pades_level == "B-LT"
            expected = "rsassa_pss" if key_type == "rsa-3072" else "sha256_ecdsa"
            assert sig.signature_mechanism == expected
            if key_type == "rsa-3072":  # PSS with salt = digest length, as from a PKCS#12
                from asn1crypto import cms as asn1_cms

                (der, _content) = signature_parts(pdf)[0]
                info = asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][0]
                assert info["signature_algorithm"]["parameters"]["salt_length"].native == 32
            assert_pdfsig_valid(pdf, tmp_path, 1)
            assert openssl_verify_all(pdf, pki.ca_chain_path, tmp_path) == [0]
    finally:
        if key_type != "rsa-3072":
            server.stop()


# --- visible signature ----------------------------------------------------------------------------


@pytest.mark.skipif(not NOTO.exists(), reason="fonts-noto-core missing")
def test_visible_signature_embeds_a_font_with_vietnamese_glyphs(services: Services, tmp_path: Path) -> None:
    pki = services.pki
    visible = VisibleSignature(font_path=NOTO)
    official = DocumentSigner(options(pki, pkcs12_path=pki.official_pkcs12_path, visible=visible))
    seal = DocumentSigner(options(pki, visible=visible))
    pdf = seal.sign(official.sign(make_pdf()))
    assert verify_pdf(pdf, pki.trust_roots).valid

    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    widgets = [a.get_object() for a in page["/Annots"]]
    boxes = [tuple(float(v) for v in w["/Rect"]) for w in widgets if w.get("/FT") == "/Sig"]
    assert len(boxes) == 2
    (a0, a1, a2, a3), (b0, b1, b2, b3) = boxes
    assert a2 <= b0 or b2 <= a0 or a3 <= b1 or b3 <= a1, "the two signature boxes overlap"
    # The first signature added a strip below the page (0, 0, 612, 792 before): no box covers the content.
    assert "/SohoaSignatureStrip" in page
    assert float(page["/MediaBox"][1]) < 0
    assert all(top <= 0 for (_l, _b, _r, top) in boxes)
    signatures = [w for w in widgets if w.get("/FT") == "/Sig"]
    # the official's box (Nguyễn Văn Cán Bộ), then the seal's (Trung tâm Phục vụ…): "Ký bởi", "Thời gian ký"
    for widget, letters in zip(signatures, ("ýờễ", "ýờụ"), strict=True):
        font = next(iter(widget["/AP"]["/N"]["/Resources"]["/Font"].values())).get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded
        to_unicode = font["/ToUnicode"].get_object().data.upper()
        for char in letters:
            assert f"{ord(char):04X}".encode() in to_unicode, char

    (tmp_path / "visible.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):  # the appearance renders (a picture for a person to look at)
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", str(tmp_path / "visible.pdf"), str(tmp_path / "p")], check=True
        )


def test_font_with_other_than_1000_units_per_em_is_refused(services: Services) -> None:
    with pytest.raises(SigningConfigError):
        DocumentSigner(options(services.pki, visible=VisibleSignature(font_path=DEJAVU)))


# --- the auditor's report -------------------------------------------------------------------------


def test_cli_json_and_etsi_xml(signed: dict[str, bytes], services: Services, tmp_path: Path) -> None:
    from sohoa.cli import main

    path = tmp_path / "lta.pdf"
    path.write_bytes(signed["B-LTA"])
    root = ["--trust-root", str(services.pki.root_cert_path)]
    as_json = CliRunner().invoke(main, ["verify", str(path), "--json", *root])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["valid"] is True
    assert data["signatures"][0]["pades_level"] == "B-LTA"
    assert data["signatures"][0]["revocation"] == "good"
    assert data["signatures"][0]["best_signature_time"]

    as_xml = CliRunner().invoke(main, ["verify", str(path), "--xml", *root])
    assert as_xml.exit_code == 0, as_xml.output
    tree = etree.fromstring(as_xml.output.encode())
    ns = {"vr": "http://uri.etsi.org/19102/v1.2.1#"}
    assert etree.QName(tree).localname == "ValidationReport"
    reports = tree.findall("vr:SignatureValidationReport", ns)
    assert len(reports) == 1
    indication = reports[0].findtext("vr:SignatureValidationStatus/vr:MainIndication", namespaces=ns)
    assert indication == "urn:etsi:019102:mainindication:total-passed"
    assert reports[0].find("vr:ValidationTimeInfo/vr:BestSignatureTime", ns) is not None

    english = CliRunner().invoke(main, ["verify", str(path), "--lang", "en", *root])
    assert "PAdES level: B-LTA" in english.output
    assert "Revocation status: not revoked (checked)" in english.output
    vietnamese = CliRunner().invoke(main, ["verify", str(path), *root])
    assert "Mức PAdES: B-LTA" in vietnamese.output


# --- the shell builds the signer from settings ----------------------------------------------------


def test_settings_select_b_lta_and_the_dev_services(tmp_path: Path) -> None:
    from sohoa.app import dev_pki, signing_options, trust_roots
    from sohoa.settings import Settings

    server = DevPkiServer()
    settings = Settings(home=tmp_path, pades_level="B-LTA", pki_port=server.port)
    pki = dev_pki(settings)
    assert pki.services_url == server.url
    opts = signing_options(settings)
    assert opts.level == "B-LTA" and opts.tsa_url == f"{server.url}/tsa" and opts.check_revocation
    with server.running(pki):
        pdf = DocumentSigner(opts).sign(make_pdf())
    report = verify_pdf(pdf, trust_roots(settings))
    assert report.valid, report.to_text("en")
    assert report.signatures[0].pades_level == "B-LTA"


@needs_tools
def test_marked_document_signed_by_official_and_seal(services: Services, tmp_path: Path) -> None:
    """The pipeline's conversion mark and QR go on first; both signatures are incremental updates over it."""
    import datetime as dt

    from pipeline.output import ConversionMark, apply_conversion_mark

    mark = ConversionMark(
        converted_at=dt.datetime(2025, 2, 5, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        agency=AGENCY,
        officer="Nguyễn Văn Cán Bộ",
        dossier_code="000.00.20.H47-250205-0001",
        procedure_code="1.001193",
        verification_ref="VR-7Q2K",
        document_name="Giấy khai sinh",
    )
    marked = apply_conversion_mark(make_pdf(), mark)
    pki = services.pki
    official = DocumentSigner(options(pki, "B-T", pkcs12_path=pki.official_pkcs12_path))
    signed_pdf = DocumentSigner(options(pki, "B-LTA")).sign(official.sign(marked))
    assert signed_pdf.startswith(marked)
    report = verify_pdf(signed_pdf, pki.trust_roots)
    assert report.valid, report.to_text("en")
    assert [s.pades_level for s in report.signatures][-1] == "B-LTA"
    assert_pdfsig_valid(signed_pdf, tmp_path, 2)
    (tmp_path / "marked.pdf").write_bytes(signed_pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "marked.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Bản số hóa từ bản giấy" in text


def test_sohoa_pki_serve_serves_the_dev_pki_on_loopback(tmp_path: Path) -> None:
    import os
    import socket
    import sys
    import time

    with socket.socket() as probe:  # a free loopback port for the command
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SOHOA_HOME": str(tmp_path), "SOHOA_PKI_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sohoa.cli", "pki", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        crl = None
        for _ in range(200):  # until it answers (bounded; no wall-clock assertion)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/crl/issuing.crl", timeout=5) as answer:
                    crl = x509.load_der_x509_crl(answer.read())
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        assert crl is not None, process.stdout.read() if process.stdout and process.poll() is not None else ""
        from sohoa.settings import Settings

        agency = Settings().agency_name
        pki = ensure_dev_pki(tmp_path / "pki", agency, services_url=f"http://127.0.0.1:{port}")
        assert crl.is_signature_valid(pki.issuing_ca_cert().public_key())  # type: ignore[arg-type]
    finally:
        process.terminate()
        process.wait(timeout=30)
