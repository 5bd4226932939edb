"""A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI."""

import subprocess
from pathlib import Path

from tests.harness.servers import require_binary


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """Create cert.pem and key.pem valid for 127.0.0.1 and localhost; return their paths."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            require_binary("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True, capture_output=True,
    )
    return cert, key
