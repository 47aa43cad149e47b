"""What an uploaded file must be, judged by its content and not its name: a scan (PDF, PNG, JPEG) or a PDF."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from services.chassis.refusal import Refusal, Refused
from services.intake.domain.pdf import PdfLimits, made_inert

# Magic bytes, not the client's Content-Type: a renamed .exe must not pass as a PDF.
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))

ATTACHMENT_PDF = PdfLimits(max_pages=50)
SCAN_PDF = PdfLimits(max_pages=200)  # a scanned paper referral with its enclosures


@dataclass(frozen=True)
class Scan:
    sha256: str
    content_type: str
    size_bytes: int
    data: bytes


def _check_size(data: bytes, max_bytes: int, field: str) -> None:
    if not data:
        raise Refused(Refusal(field, "empty", "Filen är tom.", "The file is empty."))
    if len(data) > max_bytes:
        raise Refused(Refusal(field, "too_large", f"Filen är för stor (högst {max_bytes // 1024} kB).",
                              f"The file is too large (at most {max_bytes // 1024} kB)."))


def check_scan(data: bytes, max_bytes: int, field: str = "scan", pdf: PdfLimits = SCAN_PDF) -> Scan:
    """Accept a PDF, PNG or JPEG within the size limit; refuse anything else with a clear reason. A PDF is kept
    as made inert (its pages only), so what is stored, hashed and later opened is that."""
    _check_size(data, max_bytes, field)
    kind = next((ct for magic, ct in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise Refused(Refusal(field, "unsupported_type", "Filen måste vara PDF, PNG eller JPEG.",
                              "The file must be a PDF, PNG or JPEG."))
    if kind == "application/pdf":
        data = made_inert(data, field, pdf)
    return Scan(hashlib.sha256(data).hexdigest(), kind, len(data), data)


def check_pdf(data: bytes, max_bytes: int, field: str, pdf: PdfLimits = ATTACHMENT_PDF) -> Scan:
    """A PDF by its content: the magic bytes, then readable, unencrypted, within the page and inflation limits;
    kept as made inert."""
    _check_size(data, max_bytes, field)
    if not data.startswith(b"%PDF-"):
        raise Refused(Refusal(field, "unsupported_type", "Bilagan måste vara en PDF-fil.",
                              "The attachment must be a PDF file."))
    clean = made_inert(data, field, pdf)
    return Scan(hashlib.sha256(clean).hexdigest(), "application/pdf", len(clean), clean)


def stored_kind(data: bytes) -> str:
    """The media type of a stored scan (it passed `check_scan`, so it is one of the three)."""
    if data.startswith(b"%PDF"):
        return "application/pdf"
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
