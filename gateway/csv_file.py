"""CSV files as operators hand them in: UTF-8 (with or without BOM) or Windows-1252, comma or semicolon separated.

Excel in an Indonesian locale saves "CSV" in Windows-1252 with ``;`` between fields; "CSV UTF-8" starts with a
BOM. Every import opens its file here, so that each reads the same files and refuses a binary one (a workbook,
a PDF, a photo) with one line naming it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_CHUNK = 1 << 20
# Bytes no text file holds: C0 controls other than tab, line feed, form feed and carriage return.
_BINARY = frozenset(range(32)) - {9, 10, 12, 13}
_TEXT_BYTES = bytes(sorted(set(range(256)) - _BINARY))
_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
_CP1252_DEFINED_BYTES = bytes(sorted(set(range(256)) - _CP1252_UNDEFINED))
_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF",
    b"\xff\xfe": "UTF-16 text (Excel's 'Unicode Text')",
    b"\xfe\xff": "UTF-16 text",
}
SAVE_AS = "save it from Excel as 'CSV UTF-8' or 'CSV (Comma delimited)'"


class CsvFileError(ValueError):
    """The file is no CSV text; the message names the file and says how to save one."""


@contextmanager
def open_csv(path: Path) -> Iterator[TextIO]:
    """Open ``path`` as text in the encoding it is written in, reading line ends as the csv module wants."""
    with path.open(encoding=encoding_of(path), newline="") as handle:
        yield handle


def encoding_of(path: Path) -> str:
    """``utf-8-sig`` when the whole file is UTF-8, else ``cp1252``; CsvFileError for a binary or unreadable file."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, is_cp1252, offset = True, True, 0
    try:
        with path.open("rb") as raw:
            for chunk in iter(lambda: raw.read(_CHUNK), b""):
                if offset == 0:
                    _refuse_known_binary(path, chunk)
                stray = chunk.translate(None, _TEXT_BYTES)
                if stray:
                    at = offset + chunk.index(stray[:1]) + 1
                    raise CsvFileError(f"{path}: not a CSV text file (binary data at byte {at}); {SAVE_AS}")
                if is_utf8:
                    try:
                        utf8.decode(chunk)
                    except UnicodeDecodeError:
                        is_utf8 = False
                is_cp1252 = is_cp1252 and not chunk.translate(None, _CP1252_DEFINED_BYTES)
                offset += len(chunk)
            if is_utf8:
                utf8.decode(b"", final=True)
    except UnicodeDecodeError:  # the file ends inside a character
        is_utf8 = False
    except OSError as error:
        raise CsvFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    if is_utf8:
        return "utf-8-sig"
    if not is_cp1252:
        raise CsvFileError(f"{path}: neither UTF-8 nor Windows-1252 text; {SAVE_AS}")
    return "cp1252"


def _refuse_known_binary(path: Path, head: bytes) -> None:
    """Name what a file is when its first bytes show a format that is no CSV text."""
    for signature, kind in _SIGNATURES.items():
        if head.startswith(signature):
            raise CsvFileError(f"{path}: this is {kind}, not a CSV file; {SAVE_AS}")


def delimiter_of(first_line: str) -> str:
    """``;`` when the header line has more semicolons than commas (Excel in an Indonesian locale), else ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","
