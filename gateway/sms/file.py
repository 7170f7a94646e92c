"""The file provider: one JSON object per sent SMS, appended to a file. The default on a laptop."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from gateway.sms.base import Accepted
from gateway.sms.errors import ProviderError
from gateway.sms.text import SmsText


class FileProvider:
    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        """Append the SMS as one JSON line; one write call, so processes sharing the file never interleave."""
        message_id = f"file-{uuid.uuid4().hex}"
        record = {"id": message_id, "to": phone, "text": sms.text, "segments": sms.segments,
                  "encoding": sms.encoding}  # fmt: skip
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as error:
            raise ProviderError(f"cannot write {self.path}: {error.strerror}", permanent=False) from error
        return Accepted(message_id=message_id, status="Sent")
