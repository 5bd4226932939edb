"""A throwaway self-signed certificate (for 127.0.0.1 by default), made with the openssl CLI."""

import subprocess
from pathlib import Path

from tests.harness.servers import require_binary


def self_signed_certificate(
    directory: Path, alt_names: str = "IP:127.0.0.1,DNS:localhost"
) -> tuple[Path, Path]:
    """Create cert.pem and key.pem valid for alt_names (and named after the first); return them."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    name = alt_names.partition(",")[0].partition(":")[2]
    subprocess.run(
        [
            require_binary("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
            "-addext", f"subjectAltName={alt_names}",
        ],
        check=True, capture_output=True,
    )
    return cert, key
