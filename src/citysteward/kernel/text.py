"""Text people type (问题描述、地址、姓名、备注、单位名称…): one rule for what may come in, one for
what may go out.

In — `clean_text`: line breaks are normalised to LF — CR LF and a lone CR (browsers send CR LF from a
textarea), and the characters that only ever mean a line or page break: VT and FF (what Word's manual
line break and page break become when text is copied out), NEL (U+0085), LS and PS (U+2028/2029). A
one-line field turns tabs and line breaks into spaces (a pasted address). Every other control
character is refused, not stripped: C0 (U+0000–U+001F) other than tab and line breaks, DEL (U+007F),
C1 (U+0080–U+009F), lone surrogates (U+D800–U+DFFF, which UTF-8 cannot encode) and the non-characters
U+FFFE/U+FFFF. Nobody types them: they come from a broken client, a wrong encoding (C1 is what
Windows-1252 text read as Latin-1 looks like) or someone probing (ESC sequences aimed at a terminal
that shows logs or CLI output). Refusing says so at once, with the field's name, while the sender can
still fix it; stripping would silently change what a citizen signed off and hide the broken client.

Out — `printable`: rows stored before this rule may still hold such characters. Exports normalise
the line breaks and remove the refused set so that XML-based files (.xlsx, .docx, Open311 XML) stay well-formed: XML 1.0 cannot hold
most C0 characters even escaped, and openpyxl and lxml refuse them mid-file.

Spreadsheets — `formula_like`: a cell text starting with `=`, `+`, `-`, `@`, tab or CR is read as a
formula by Excel or LibreOffice when typed or edited (OWASP "CSV injection"); the writers store such
text as text (platform/xlsx.py).
"""

from __future__ import annotations

import re

from citysteward.kernel.errors import InvalidInput

# What `clean_text` refuses; with the line breaks normalised first, a superset of what XML 1.0 forbids.
_UNSAFE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_ONE_LINE = re.compile("[\t\n]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # full-width: what a CJK IME types


def first_forbidden(value: str) -> int | None:
    """Index of the first character `clean_text` refuses, or None."""
    found = _UNSAFE.search(value)
    return found.start() if found else None


def describe_char(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def clean_text(value: str, *, multiline: bool = False, field: str = "text", label: str | None = None) -> str:
    """The text as it may be stored; `InvalidInput` naming the field if it holds a control character."""
    at = first_forbidden(value)
    if at is not None:
        code = describe_char(value[at])
        raise InvalidInput(f"「{label or field}」含有不可见的控制字符（{code}，第 {at + 1} 个字符），请删除后重新提交",
                           {"field": field, "char": code, "position": at + 1})
    value = _LINE_BREAK.sub("\n", value)
    return value if multiline else _ONE_LINE.sub(" ", value)


def printable(value: str) -> str:
    """Stored text made safe to write into an export: line breaks normalised, refused characters removed."""
    return _UNSAFE.sub("", _LINE_BREAK.sub("\n", value))


def formula_like(value: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return value.startswith(FORMULA_STARTS)
