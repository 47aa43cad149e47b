"""An uploaded PDF made inert on the way in: only its pages are kept, without scripts, actions or embedded files,
and a file that unpacks to more than the limit is refused.

pypdf, not pikepdf: it is already a dependency, and it is pure Python, so a hostile file meets a memory-safe
parser rather than qpdf's C++ inside the service's process; its per-stream limits (`apply_configuration`) and the
total counted here bound what a file can make it inflate.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter, apply_configuration
from pypdf.errors import DependencyError, LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject, StreamObject

from services.chassis.refusal import Refusal, Refused

# Annotations that carry or play content of their own (files, sound, video, 3D, Flash): dropped whole.
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int = 50
    max_inflated_bytes: int = 100 * 1024 * 1024  # every stream decoded, summed (a 204 KB file may claim 200 MB)


def made_inert(data: bytes, field: str, limits: PdfLimits) -> bytes:
    """The PDF's pages only, written anew: no document-level actions, scripts, forms or embedded files (the catalog
    is not copied), and no page or annotation action but a plain link. Refused if unreadable, encrypted, of too many
    pages, or if it inflates past the limit."""
    per_stream = limits.max_inflated_bytes
    try:
        with apply_configuration(zlib_maximum_output_length=per_stream, lzw_maximum_output_length=per_stream,
                                 run_length_maximum_output_length=per_stream, brotli_maximum_output_length=per_stream,
                                 array_based_stream_maximum_output_length=per_stream, jbig2dec_binary=None,
                                 stream_decoding_work_maximum_length=per_stream):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise Refused(Refusal(field, "encrypted", "PDF-filen är lösenordsskyddad: skicka den utan lösenord.",
                                      "The PDF is password protected: send it without a password."))
            _check_inflated(reader, field, limits.max_inflated_bytes)
            if not 1 <= len(reader.pages) <= limits.max_pages:
                raise Refused(Refusal(field, "page_count", f"PDF-filen ska ha 1–{limits.max_pages} sidor.",
                                      f"The PDF must have 1–{limits.max_pages} pages."))
            writer = PdfWriter()
            for page in reader.pages:
                _strip_page(writer.add_page(page))
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)  # the dropped ones
            out = io.BytesIO()
            writer.write(out)
    except Refused:
        raise
    except LimitReachedError:
        raise _bomb(field, limits.max_inflated_bytes) from None
    except Exception:  # a hostile file may break the parser anywhere: refused, never a 500
        raise Refused(Refusal(field, "unsupported_type", "Filen gick inte att läsa som PDF.",
                              "The file could not be read as a PDF.")) from None
    return out.getvalue()


def _bomb(field: str, most: int) -> Refused:
    mb = most // 1024 // 1024
    return Refused(Refusal(field, "too_inflated", f"PDF-filen packas upp till mer än {mb} MB och tas inte emot.",
                           f"The PDF unpacks to more than {mb} MB and is not accepted.", 413))


def _check_inflated(reader: PdfReader, field: str, most: int) -> None:
    """Decode every stream the file holds (object streams included) and sum: past `most`, it is refused."""
    total = 0
    for generation, numbers in reader.xref.items():
        for number in numbers:
            obj = reader.get_object(IndirectObject(number, generation, reader))
            if not isinstance(obj, StreamObject):
                continue
            try:
                total += len(obj.get_data())
            except DependencyError:  # a JBIG2 image: no decoder is run on uploads; its stored size counts
                total += len(obj._data)
            if total > most:
                raise _bomb(field, most)


def _strip_page(page: DictionaryObject) -> None:
    page.pop(NameObject("/AA"), None)  # open/close actions of the page
    annots = page.get("/Annots")
    if annots is None:
        return
    kept = ArrayObject()
    for ref in annots.get_object() if isinstance(annots.get_object(), ArrayObject) else []:
        annot = ref.get_object()
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") in ACTIVE_ANNOTATIONS:
            continue
        for key in ("/AA", "/Parent", "/FS"):  # field actions, the form tree they hang in, file specs
            annot.pop(NameObject(key), None)
        if not _plain_link(annot.get("/A")):
            annot.pop(NameObject("/A"), None)
        kept.append(ref)
    page[NameObject("/Annots")] = kept


def _plain_link(action: PdfObject | None) -> bool:
    """A go-to inside the document, or a web or mail link: nothing runs, nothing opens on the computer."""
    if action is None:
        return True
    act = action.get_object()
    if not isinstance(act, DictionaryObject):
        return False
    act.pop(NameObject("/Next"), None)  # a chain would run whatever follows
    kind = act.get("/S")
    uri = act.get("/URI")
    return kind == "/GoTo" or (kind == "/URI" and isinstance(uri, str) and uri.lower().startswith(SAFE_SCHEMES))
