"""Content-addressed store for scanned referrals: a file's SHA-256 is its name, so a re-upload is a no-op."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.intake.domain.problems import Invalid, problem

# Magic bytes, not the client's Content-Type: a renamed .exe must not pass as a PDF.
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class Scan:
    sha256: str
    content_type: str
    size_bytes: int
    data: bytes


def check_scan(data: bytes, max_bytes: int, field: str = "scan") -> Scan:
    """Accept a PDF, PNG or JPEG within the size limit; refuse anything else with a clear reason."""
    if not data:
        raise Invalid([problem(field, "Filen är tom.", "The file is empty.", "empty")])
    if len(data) > max_bytes:
        raise Invalid([problem(field, f"Filen är för stor (högst {max_bytes // 1024} kB).",
                               f"The file is too large (at most {max_bytes // 1024} kB).", "too_large")])
    kind = next((ct for magic, ct in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise Invalid([problem(field, "Filen måste vara PDF, PNG eller JPEG.",
                               "The file must be a PDF, PNG or JPEG.", "unsupported_type")])
    return Scan(hashlib.sha256(data).hexdigest(), kind, len(data), data)


class DocumentStore:
    """Files under `root/ab/abcdef…`; written atomically (temp file + rename), never overwritten."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, scan: Scan) -> Path:
        target = self.path_of(scan.sha256)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(scan.data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def get(self, sha256: str) -> bytes | None:
        p = self.path_of(sha256)
        return p.read_bytes() if p.exists() else None
