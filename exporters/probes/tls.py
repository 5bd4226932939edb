"""TLS facts of a probed server: certificate expiry, leaf identity and protocol version."""

import _ssl
import hashlib
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exporters.names import probe as names
from exporters.probes.result import ProbeResult

# Go's pkix.Name.String() abbreviations, which blackbox_exporter's issuer/subject labels use
SHORT_NAMES = {
    "commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU",
    "countryName": "C", "localityName": "L", "stateOrProvinceName": "ST",
    "streetAddress": "STREET", "postalCode": "POSTALCODE", "serialNumber": "SERIALNUMBER",
}
DECODER = "_test_decode_cert"  # CPython's own X.509 decoder (private, tested)


@dataclass(frozen=True)
class Certificate:
    """What blackbox_exporter reports about one certificate."""

    not_after: float
    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    fingerprint_sha256: str


def decode_certificate(der: bytes) -> Certificate:
    """Decode a DER certificate with the X.509 parser CPython's ssl module ships."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as handle:
        handle.write(ssl.DER_cert_to_PEM_cert(der))
        handle.flush()
        fields: dict[str, Any] = getattr(_ssl, DECODER)(handle.name)
    return Certificate(
        not_after=float(ssl.cert_time_to_seconds(fields["notAfter"])),
        subject=_distinguished_name(fields.get("subject", ())),
        issuer=_distinguished_name(fields.get("issuer", ())),
        dns_names=tuple(v for k, v in fields.get("subjectAltName", ()) if k == "DNS"),
        fingerprint_sha256=hashlib.sha256(der).hexdigest(),
    )


def _distinguished_name(rdns: Sequence[Sequence[tuple[str, str]]]) -> str:
    """Format like Go's pkix.Name.String(): most specific first, `CN=x,O=y`."""
    parts = [f"{SHORT_NAMES.get(key, key)}={value}" for rdn in rdns for key, value in rdn]
    return ",".join(reversed(parts))


def tls_version_label(version: str) -> str:
    """Turn OpenSSL's `TLSv1.3` into blackbox_exporter's `TLS 1.3`."""
    return version.replace("TLSv", "TLS ") if version.startswith("TLSv") else version


def record_tls(result: ProbeResult, chain: Sequence[Certificate], version: str) -> None:
    """Set the probe_ssl_* and probe_tls_version_info families from the server's chain."""
    if chain:
        leaf = chain[0]
        earliest = min(cert.not_after for cert in chain)
        result.set(names.PROBE_SSL_EARLIEST_CERT_EXPIRY, earliest)
        result.set(names.PROBE_SSL_LAST_CHAIN_EXPIRY_TIMESTAMP_SECONDS, earliest)
        result.set(names.PROBE_SSL_LAST_CHAIN_INFO, 1.0, {
            names.LABEL_FINGERPRINT_SHA256: leaf.fingerprint_sha256,
            names.LABEL_ISSUER: leaf.issuer,
            names.LABEL_SUBJECT: leaf.subject,
            names.LABEL_SUBJECT_ALTERNATIVE: ",".join(leaf.dns_names),
        })
    if version:
        label = {names.LABEL_VERSION: tls_version_label(version)}
        result.set(names.PROBE_TLS_VERSION_INFO, 1.0, label)
