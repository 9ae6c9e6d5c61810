"""The text rule (kernel/text.py): control characters are refused with the field named, line breaks
normalised; exports make any stored text XML-safe; formula-looking cell text is recognised."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysteward.kernel.errors import InvalidInput
from citysteward.kernel.text import clean_text, formula_like, printable

# XML 1.0's Char production: what an .xlsx, .docx or Open311 XML document may hold.
XML_CHAR = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


@pytest.mark.parametrize(("char", "code"), [
    ("\x00", "U+0000"), ("\x07", "U+0007"), ("\x1b", "U+001B"), ("\x08", "U+0008"), ("\x7f", "U+007F"),
    ("\x80", "U+0080"), ("\x9b", "U+009B"), ("\ud800", "U+D800"), ("\ufffe", "U+FFFE"), ("\uffff", "U+FFFF"),
])
def test_control_characters_are_refused_naming_the_field(char: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(f"井盖{char}破损", multiline=True, field="description", label="问题描述")
    assert refused.value.detail == {"field": "description", "char": code, "position": 3}
    assert "问题描述" in refused.value.message and code in refused.value.message


@pytest.mark.parametrize(("sent", "kept"), [
    ("第一行\r\n第二行", "第一行\n第二行"),  # a browser's textarea
    ("第一行\r第二行", "第一行\n第二行"),  # old Mac
    ("第一行\x0b第二行", "第一行\n第二行"),  # Word's manual line break, copied out
    ("第一行\x0c第二行", "第一行\n第二行"),  # page break
    ("第一行\x85第二行\u2028第三行\u2029第四行", "第一行\n第二行\n第三行\n第四行"),
    ("列\t表\n", "列\t表\n"),  # tab and newline are text
    ("普通文字 🙂", "普通文字 🙂"),
])
def test_line_breaks_are_normalised(sent: str, kept: str) -> None:
    assert clean_text(sent, multiline=True) == kept


def test_a_one_line_field_turns_tabs_and_breaks_into_spaces() -> None:
    assert clean_text("解放路\r\n88 号\t门前") == "解放路 88 号 门前"


def test_printable_keeps_words_and_drops_what_xml_cannot_hold() -> None:
    assert printable("井盖\x00破\x1b[31m损\x07\r\n第二行\x0b第三行") == "井盖破[31m损\n第二行\n第三行"


@given(st.text())
def test_any_stored_text_becomes_xml_safe_and_acceptable(text: str) -> None:
    safe = printable(text)
    assert XML_CHAR.match(safe)
    assert clean_text(safe, multiline=True) == safe  # what an export writes would be accepted as input


@given(st.text())
def test_clean_text_refuses_or_returns_a_fixed_point(text: str) -> None:
    try:
        cleaned = clean_text(text, multiline=True)
    except InvalidInput:
        return
    assert clean_text(cleaned, multiline=True) == cleaned
    assert XML_CHAR.match(cleaned)


@pytest.mark.parametrize(("value", "formula"), [
    ("=HYPERLINK(\"http://x\",\"点击\")", True), ("+1+2", True), ("-2+3", True), ("@SUM(A1)", True),
    ("\t=1", True), ("\r=1", True), ("＝1+1", True), ("井盖破损", False), ("'=1", False), ("1-2", False), ("", False),
])
def test_formula_like_texts(value: str, formula: bool) -> None:
    assert formula_like(value) is formula
