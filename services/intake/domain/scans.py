"""What an uploaded file must be, judged by its content and not its name: a scan (PDF, PNG, JPEG) or a PDF."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from services.chassis.refusal import Refusal, Refused

# Magic bytes, not the client's Content-Type: a renamed .exe must not pass as a PDF.
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


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


def check_scan(data: bytes, max_bytes: int, field: str = "scan") -> Scan:
    """Accept a PDF, PNG or JPEG within the size limit; refuse anything else with a clear reason."""
    _check_size(data, max_bytes, field)
    kind = next((ct for magic, ct in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise Refused(Refusal(field, "unsupported_type", "Filen måste vara PDF, PNG eller JPEG.",
                              "The file must be a PDF, PNG or JPEG."))
    return Scan(hashlib.sha256(data).hexdigest(), kind, len(data), data)


def check_pdf(data: bytes, max_bytes: int, field: str, max_pages: int = 50) -> Scan:
    """A PDF by its content: the magic bytes, then pypdf must read it, unencrypted, within the page limit."""
    # imported here: pypdf takes half a second to import, and only a school's attachment needs it
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    _check_size(data, max_bytes, field)
    not_pdf = Refused(Refusal(field, "unsupported_type", "Bilagan måste vara en PDF-fil.",
                              "The attachment must be a PDF file."))
    if not data.startswith(b"%PDF-"):
        raise not_pdf
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused(Refusal(field, "encrypted", "PDF-filen är lösenordsskyddad: skicka den utan lösenord.",
                                  "The PDF is password protected: send it without a password."))
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise not_pdf from None
    if pages < 1 or pages > max_pages:
        raise Refused(Refusal(field, "page_count", f"PDF-filen ska ha 1–{max_pages} sidor.",
                              f"The PDF must have 1–{max_pages} pages."))
    return Scan(hashlib.sha256(data).hexdigest(), "application/pdf", len(data), data)


def stored_kind(data: bytes) -> str:
    """The media type of a stored scan (it passed `check_scan`, so it is one of the three)."""
    if data.startswith(b"%PDF"):
        return "application/pdf"
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
