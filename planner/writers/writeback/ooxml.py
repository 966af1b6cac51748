"""The Open XML names write-back uses (namespaces, relationship and content types), XML escaping, and part paths."""

from __future__ import annotations

import posixpath
import re
from xml.sax.saxutils import escape as _xml_escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = DOC_REL_NS + "/officeDocument"
REL_WORKSHEET = DOC_REL_NS + "/worksheet"
REL_CALC_CHAIN = DOC_REL_NS + "/calcChain"
REL_SHARED_STRINGS = DOC_REL_NS + "/sharedStrings"
REL_STYLES = DOC_REL_NS + "/styles"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _xml_escape(_ILLEGAL_XML.sub("", text))


def xml_attr(text: str) -> str:
    return _xml_escape(_ILLEGAL_XML.sub("", text), {'"': "&quot;"})


def resolve_target(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))
