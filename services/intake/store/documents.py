"""Content-addressed store for scanned referrals: a file's SHA-256 is its name, so a re-upload is a no-op."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from services.intake.domain.scans import Scan


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
