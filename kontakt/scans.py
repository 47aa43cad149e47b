"""A scanned paper referral for the demo and the tests: a readable PDF, a different one each time."""
from __future__ import annotations

import io
import uuid

from pypdf import PdfWriter
from pypdf.generic import ContentStream


def demo_scan() -> bytes:
    """A one-page PDF, a different one each time (its page says so in a comment): intake keeps only readable PDFs,
    and a scan it has seen before is the same paper sent again."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    content = ContentStream(None, writer)
    content.set_data(b"% demo scan " + uuid.uuid4().hex.encode() + b"\n")
    page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
