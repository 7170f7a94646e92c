"""Files uploaded to the desk (a roster, an affected-households list, a registry extract).

Callbacks are refused over 64 KiB before anything reads them (``gateway.MAX_BODY``); a desk upload raises the
limit for its own request first. Its view is therefore exempt from the app-wide CSRF check (which would read the
form under the small limit) and checks the token itself in ``uploaded``, after the limit is raised. The file is
then read exactly as the CLI reads one (gateway.csv_file: UTF-8 or Windows-1252, a workbook or PDF refused).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from flask import render_template, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from gateway.csv_file import CsvFileError, open_csv
from gateway.web.extensions import csrf
from gateway.web.language import t

T = TypeVar("T")
V = TypeVar("V", bound=Callable[..., object])


def upload_view(view: V) -> V:
    """Mark a view that receives a file: its CSRF token is checked by ``uploaded``, under the raised limit."""
    csrf.exempt(view)
    return view


def uploaded(field: str, limit: int) -> FileStorage | None:
    """The form's file ``field`` (None if none was chosen), after the size limit and the CSRF token are checked."""
    request.max_content_length = limit  # a body without a length is cut off at the limit
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()  # before parsing: a parse stopped midway leaves its spooled file open
    csrf.protect()
    upload = request.files.get(field)
    return upload if upload is not None and upload.filename else None


def read_upload(upload: FileStorage, read: Callable[[TextIO], T]) -> T:
    """``read`` the uploaded file as the CLI reads a file; errors name the file as the user knows it."""
    name = upload.filename or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="gateway-desk-") as folder:
        path = Path(folder) / "upload.csv"
        upload.save(path)
        try:
            with open_csv(path) as handle:
                return read(handle)
        except CsvFileError as error:
            raise CsvFileError(str(error).replace(str(path), name)) from None


def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over its limit: say how large a file may be, and where to import a larger one."""
    limit = request.max_content_length or 0
    size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} KB"
    message = t(f"Berkas terlalu besar (paling besar {size}). Bagi berkasnya, atau impor lewat perintah gateway.",
                f"The file is too large (at most {size}). Split it, or import it with the gateway command.")  # fmt: skip
    return render_template("upload_too_large.html", message=message), 413
