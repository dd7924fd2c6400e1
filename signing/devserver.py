"""The development PKI's services over HTTP, on loopback only: CRLs, CA certificates, OCSP, an RFC 3161 TSA.

Development and tests only: production points the signer at real services (the certificates of a real CA
name their own CRL and OCSP URLs; the TSA URL is a setting). Routes (paths are :mod:`signing.pki` constants):

- ``GET /crl/root.crl``, ``GET /crl/issuing.crl`` — the CRLs as DER, read from the PKI directory on each
  request, so :func:`signing.pki.revoke_dev_certificate` shows at once;
- ``GET /certs/root.cer``, ``GET /certs/issuing.cer`` — CA certificates (authority information access);
- ``POST /ocsp`` (RFC 6960, ``application/ocsp-request``; also ``GET /ocsp/<base64>``) — answered by a
  delegated responder (``id-pkix-ocsp-nocheck``) for the certificates the issuing CA issued: ``good`` for the
  ones in the PKI directory, ``revoked`` for those on the issuing CA's CRL, ``unknown`` otherwise; the nonce
  is echoed;
- ``POST /tsa`` (RFC 3161, ``application/timestamp-query``) — a TSTInfo over the request's imprint (nonce
  echoed, policy under the 2.999 example arc), signed with the PKI's TSA key, which is parsed once.

``DevPkiServer`` binds when built (port 0 picks a free port), so its URL is known before the PKI is generated
with it; :meth:`start` serves from a background thread and :meth:`stop` ends it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import logging
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import algos, cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.pki import (
    CERT_ISSUING_PATH,
    CERT_ROOT_PATH,
    CRL_ISSUING_PATH,
    CRL_ROOT_PATH,
    OCSP_PATH,
    TSA_PATH,
    DevPki,
)

logger = logging.getLogger(__name__)

_OCSP_VALIDITY = timedelta(hours=12)
# 2.999 is the ITU-T/ISO arc for examples: no real TSA policy is claimed.
DEV_TSA_POLICY = "2.999.1.1"
_MAX_BODY = 64 * 1024


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Responder:
    """What answers the requests: loaded once from the PKI directory."""

    def __init__(self, pki: DevPki) -> None:
        self.pki = pki
        passphrase = pki.passphrase()
        self.root = pki.root_cert()
        self.issuing = pki.issuing_ca_cert()
        self.ocsp_cert = pki.ocsp_cert()
        ocsp_key = serialization.load_pem_private_key(pki.ocsp_key_path.read_bytes(), passphrase)
        tsa_key = serialization.load_pem_private_key(pki.tsa_key_path.read_bytes(), passphrase)
        if not isinstance(ocsp_key, rsa.RSAPrivateKey) or not isinstance(tsa_key, rsa.RSAPrivateKey):
            raise TypeError("the development OCSP and TSA keys are RSA keys")
        self.ocsp_key = ocsp_key
        self.known = {
            cert.serial_number: cert
            for cert in (pki.signer_cert(), pki.official_cert(), pki.tsa_cert(), self.ocsp_cert)
        }
        self.tsa_key = tsa_key
        self.tsa_cert = asn1_x509.Certificate.load(pki.tsa_cert().public_bytes(serialization.Encoding.DER))
        self.tsa_chain = [
            self.tsa_cert,
            asn1_x509.Certificate.load(self.issuing.public_bytes(serialization.Encoding.DER)),
        ]
        self.tsa_signing_certificate = as_signing_certificate_v2(self.tsa_cert)

    def crl(self, path: Path) -> bytes:
        crl = x509.load_pem_x509_crl(path.read_bytes())
        return crl.public_bytes(serialization.Encoding.DER)

    def ocsp(self, body: bytes) -> bytes:
        try:
            request = ocsp.load_der_ocsp_request(body)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST
            ).public_bytes(serialization.Encoding.DER)
        algorithm = request.hash_algorithm
        name_hash = _hash(algorithm, self.issuing.subject.public_bytes())
        key_hash = _hash(algorithm, _public_key_bits(self.issuing))
        if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        now = datetime.now(UTC).replace(microsecond=0)
        revoked = x509.load_pem_x509_crl(
            self.pki.issuing_ca_crl_path.read_bytes()
        ).get_revoked_certificate_by_serial_number(request.serial_number)
        if revoked is not None:
            status, revoked_at = ocsp.OCSPCertStatus.REVOKED, revoked.revocation_date_utc
        elif request.serial_number in self.known:
            status, revoked_at = ocsp.OCSPCertStatus.GOOD, None
        else:
            status, revoked_at = ocsp.OCSPCertStatus.UNKNOWN, None
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=name_hash,
                issuer_key_hash=key_hash,
                serial_number=request.serial_number,
                algorithm=algorithm,
                cert_status=status,
                this_update=now - timedelta(minutes=1),
                next_update=now + _OCSP_VALIDITY,
                revocation_time=revoked_at,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ocsp_cert)
            .certificates([self.ocsp_cert])
        )
        with contextlib.suppress(x509.ExtensionNotFound):
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(nonce, critical=False)
        return builder.sign(self.ocsp_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def tsa(self, body: bytes) -> bytes | None:
        """An RFC 3161 response: a TSTInfo over the request's imprint, signed (RSA PKCS#1 v1.5) by the TSA."""
        try:
            request = tsp.TimeStampReq.load(body)
            imprint = request["message_imprint"]
            md_name = imprint["hash_algorithm"]["algorithm"].native
            nonce = request["nonce"].native
            md = get_pyca_cryptography_hash(md_name)
        except (ValueError, TypeError, KeyError, NotImplementedError):
            return None
        info: dict[str, object] = {
            "version": "v1",
            "policy": DEV_TSA_POLICY,
            "message_imprint": imprint,
            "serial_number": secrets.randbits(63),
            "gen_time": datetime.now(UTC),
            "accuracy": {"seconds": 1},
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self.tsa_cert.subject),
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(datetime.now(UTC))})),
                simple_cms_attribute("signing_certificate_v2", self.tsa_signing_certificate),
                simple_cms_attribute("message_digest", _hash(md, tst_info)),
            ]
        )
        signature = self.tsa_key.sign(signed_attrs.dump(), asym_padding.PKCS1v15(), md)
        digest_algorithm = algos.DigestAlgorithm({"algorithm": md_name})
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value=cms.IssuerAndSerialNumber(
                        {"issuer": self.tsa_cert.issuer, "serial_number": self.tsa_cert.serial_number}
                    ),
                ),
                "digest_algorithm": digest_algorithm,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
                "signed_attrs": signed_attrs,
                "signature": signature,
            }
        )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [digest_algorithm],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(tst_info),
                },
                "certificates": self.tsa_chain,
                "signer_infos": [signer_info],
            }
        )
        response = tsp.TimeStampResp(
            {
                "status": {"status": "granted"},
                "time_stamp_token": {"content_type": "signed_data", "content": signed_data},
            }
        )
        return bytes(response.dump())


def _hash(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    digest = hashes.Hash(algorithm)
    digest.update(data)
    return digest.finalize()


def _public_key_bits(cert: x509.Certificate) -> bytes:
    spki = asn1_keys.PublicKeyInfo.load(
        cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return bytes(spki["public_key"].contents[1:])  # BIT STRING without its unused-bits octet


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("dev PKI server: " + format, *args)

    def do_GET(self) -> None:
        responder = self.server.responder
        routes = {
            CRL_ROOT_PATH: lambda: ("application/pkix-crl", responder.crl(responder.pki.root_crl_path)),
            CRL_ISSUING_PATH: lambda: (
                "application/pkix-crl",
                responder.crl(responder.pki.issuing_ca_crl_path),
            ),
            CERT_ROOT_PATH: lambda: (
                "application/pkix-cert",
                responder.root.public_bytes(serialization.Encoding.DER),
            ),
            CERT_ISSUING_PATH: lambda: (
                "application/pkix-cert",
                responder.issuing.public_bytes(serialization.Encoding.DER),
            ),
        }
        route = routes.get(self.path)
        if route is not None:
            content_type, body = route()
            self._reply(HTTPStatus.OK, content_type, body)
        elif self.path.startswith(OCSP_PATH + "/"):
            try:
                request = base64.b64decode(
                    self.path[len(OCSP_PATH) + 1 :].replace("%2B", "+"), validate=False
                )
            except (ValueError, binascii.Error):
                self._reply(HTTPStatus.BAD_REQUEST, "text/plain", b"bad request")
                return
            self._reply(HTTPStatus.OK, "application/ocsp-response", responder.ocsp(request))
        else:
            self._reply(HTTPStatus.NOT_FOUND, "text/plain", b"not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= _MAX_BODY:
            self._reply(HTTPStatus.BAD_REQUEST, "text/plain", b"bad request")
            return
        body = self.rfile.read(length)
        responder = self.server.responder
        if self.path == OCSP_PATH:
            self._reply(HTTPStatus.OK, "application/ocsp-response", responder.ocsp(body))
        elif self.path == TSA_PATH:
            reply = responder.tsa(body)
            if reply is None:
                self._reply(HTTPStatus.BAD_REQUEST, "text/plain", b"bad timestamp request")
            else:
                self._reply(HTTPStatus.OK, "application/timestamp-reply", reply)
        else:
            self._reply(HTTPStatus.NOT_FOUND, "text/plain", b"not found")

    def _reply(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    responder: _Responder


class DevPkiServer:
    """CRL, OCSP and TSA of a development PKI, served on a loopback address.

    >>> server = DevPkiServer()                       # binds 127.0.0.1 on a free port
    >>> pki = ensure_dev_pki(d, agency, services_url=server.url)
    >>> with server.running(pki): ...                 # or server.start(pki) ... server.stop()
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not _is_loopback(host):
            raise ValueError("the development PKI services listen on a loopback address only")
        self._httpd = _Server((host, port), _Handler, bind_and_activate=True)
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        self.url = f"http://{shown}:{bound_port}"

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self, pki: DevPki) -> None:
        """Serve ``pki`` from a background thread."""
        if pki.services_url is not None and pki.services_url != self.url:
            raise ValueError("the PKI's certificates name another services URL than this server's")
        self._httpd.responder = _Responder(pki)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="dev-pki-server", daemon=True)
        self._thread.start()
        logger.info("development PKI services on %s", self.url)

    def serve_forever(self, pki: DevPki) -> None:
        """Serve ``pki`` in the calling thread until interrupted (``sohoa pki serve``)."""
        self._httpd.responder = _Responder(pki)
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    @contextlib.contextmanager
    def running(self, pki: DevPki) -> Iterator[DevPkiServer]:
        self.start(pki)
        try:
            yield self
        finally:
            self.stop()
