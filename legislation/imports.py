"""What an import accepts before anything is parsed, and where a previewed file waits for its confirmation.

A file is refused at once, with a sentence, when it is larger than MAX_BYTES, when it is an Excel
file that would unpack to far more than that (a "zip bomb"), or when a CSV is not in UTF-8 (with or
without a byte order mark; UTF-16 with one is read too). The number of rows is checked once the
file is read (`resources.RuledResource`).

Between the preview and its confirmation the file waits as a `PendingImport`: in a folder of its
uploader under VAR_DIR, by a random name, so that a confirmation names only an import of its own
user; a confirmation claims it (a second one finds nothing), and it is removed then, on
cancelling, or after PENDING_HOURS.
"""

import codecs
import contextvars
import io
import re
import secrets
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.tmp_storages import BaseStorage

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNPACKED = 10 * MAX_BYTES  # an Excel file is a zip archive; its sheets are some times larger than the file
PENDING_HOURS = 24
BYTE_ORDER_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def checked(upload, binary):
    """`upload` if an import may read it (as UTF-8, for a CSV), else a ValidationError saying why."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("The file is %(size)s; an import takes at most %(limit)s. Split it into smaller "
                                "files.") % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_BYTES)})
    data = b"".join(upload.chunks())
    if binary:
        check_workbook(data)
        return upload
    return SimpleUploadedFile(upload.name, as_utf8(data).encode("utf-8"), upload.content_type)


def check_workbook(data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationError(_("This is not an Excel file (.xlsx). Save it as an Excel workbook or as CSV UTF-8, "
                                "and try again.")) from None
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED:
        raise ValidationError(_("This Excel file would unpack to %(size)s, more than an import takes (%(limit)s).")
                              % {"size": filesizeformat(unpacked), "limit": filesizeformat(MAX_UNPACKED)})


def as_utf8(data):
    """The text of a CSV file in UTF-8 or (with its byte order mark) UTF-16."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data.decode(encoding)
    # A column name never starts with a null byte, UTF-16 without a byte order mark always does.
    if b"\x00" not in data[:2]:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    raise ValidationError(_("This file is not in UTF-8. Save it in Excel as “CSV UTF-8 (door komma's "
                            "gescheiden)”, or as an Excel workbook, and try again."))


OWNER = contextvars.ContextVar("import_owner")
NAME = re.compile(r"[0-9a-f]{32}")


class NoPendingImport(Exception):
    """The confirmation names no import of its user that waits: confirmed already, cancelled or expired."""


@contextmanager
def owned_by(user):
    """Pending imports, within this block, are `user`'s."""
    token = OWNER.set(user.pk)
    try:
        yield
    finally:
        OWNER.reset(token)


class PendingImport(BaseStorage):
    """A previewed file waiting for its confirmation (django-import-export's temporary storage)."""

    @staticmethod
    def folder():
        return Path(settings.VAR_DIR) / "imports"

    def path(self, suffix=""):
        if not NAME.fullmatch(self.name or ""):
            raise NoPendingImport
        return self.folder() / str(OWNER.get()) / f"{self.name}{suffix}"

    def save(self, data):
        self.remove_expired()
        self.name = secrets.token_hex(16)
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    def read(self):
        for path in (self.path(), self.path(".claimed")):
            if path.exists():
                data = path.read_bytes()
                return data if "b" in self.read_mode or not self.encoding else data.decode(self.encoding)
        raise NoPendingImport

    def claim(self):
        """Take the file for one confirmation: a second one, even at the same moment, finds nothing."""
        try:
            self.path().rename(self.path(".claimed"))
        except FileNotFoundError:
            raise NoPendingImport from None

    def remove(self):
        for path in (self.path(), self.path(".claimed")):
            path.unlink(missing_ok=True)

    @classmethod
    def remove_expired(cls):
        oldest = time.time() - PENDING_HOURS * 3600
        for path in cls.folder().glob("*/*"):
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
