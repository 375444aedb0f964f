"""Reading members of zip containers (.docx, .odt, .qdpx) with caps, so a hostile file fails alone.

A zip bomb (a few kilobytes that inflate to gigabytes) is refused before and while it is inflated: the
declared sizes and compression ratios are checked first, and every member is read in chunks that stop at
the cap, whatever its header claims. Encrypted Office files are recognised: Word stores a password-protected
``.docx`` as an OLE compound file (not a zip) with an ``EncryptedPackage`` stream; OpenDocument keeps the zip
but lists ``manifest:encryption-data`` for its encrypted parts.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from pipeline.errors import InputError

MAX_MEMBER_BYTES = 100 * 1024 * 1024  # one inflated member (a Word document.xml of 1,000 pages is ~20 MB)
MAX_TOTAL_BYTES = 300 * 1024 * 1024  # all members read from one container
MAX_RATIO = 200  # inflated / compressed size of a member above RATIO_FLOOR bytes (XML reaches ~20-40)
RATIO_FLOOR = 4 * 1024 * 1024
MAX_MEMBERS = 20_000
_CHUNK = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


class Encrypted(InputError):
    """The container is encrypted with a password (stored with status ``encrypted``)."""


def ole_problem(data: bytes, kind: str) -> str | None:
    """The one-line problem of a file that is an OLE compound file instead of a zip, else None."""
    if not data.startswith(OLE_MAGIC):
        return None
    if _ENCRYPTED_PACKAGE in data:
        return f"{kind} is encrypted with a password"
    return f"an old binary Office file (OLE), not {kind}; save it as .docx or .odt"


class SafeZip:
    """A zip archive in memory whose members are read with size and ratio caps."""

    def __init__(self, data: bytes, kind: str) -> None:
        self.kind = kind
        if problem := ole_problem(data, kind):
            raise (Encrypted if "password" in problem else InputError)(problem)
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise InputError(f"not a valid {kind} (corrupt or not a zip container: {exc})") from exc
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"{kind} has {len(infos)} zip members (more than {MAX_MEMBERS}); refused")
        self.infos = {i.filename: i for i in infos}
        self.read_total = 0
        for info in infos:
            self._check_declared(info)

    def _check_declared(self, info: zipfile.ZipInfo) -> None:
        if info.file_size > MAX_MEMBER_BYTES:
            raise InputError(f"zip member {info.filename} would inflate to {info.file_size // 2**20} MB "
                             f"(limit {MAX_MEMBER_BYTES // 2**20} MB); refused as a possible zip bomb")  # fmt: skip
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(f"zip member {info.filename} is compressed {info.file_size // max(info.compress_size, 1)}:1 "
                             "(a zip bomb?); refused")  # fmt: skip

    def names(self) -> list[str]:
        return list(self.infos)

    def has(self, name: str) -> bool:
        return name in self.infos

    def read(self, name: str) -> bytes:
        """The inflated bytes of one member; ``InputError`` when it is missing, damaged or too large."""
        info = self.infos.get(name)
        if info is None:
            raise InputError(f"{self.kind} has no {name}")
        if info.flag_bits & 0x1:
            raise Encrypted(f"{self.kind} member {name} is encrypted with a password")
        out = bytearray()
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    out += chunk
                    if len(out) > MAX_MEMBER_BYTES or self.read_total + len(out) > MAX_TOTAL_BYTES:
                        raise InputError(f"zip member {name} inflates beyond its limit "
                                         f"({MAX_MEMBER_BYTES // 2**20} MB); refused as a possible zip bomb")  # fmt: skip
                    if (
                        info.compress_size
                        and len(out) > RATIO_FLOOR
                        and len(out) > MAX_RATIO * info.compress_size
                    ):
                        raise InputError(
                            f"zip member {name} inflates more than {MAX_RATIO}:1 (a zip bomb?); refused"
                        )
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error) as exc:
            raise InputError(f"{self.kind} member {name} is damaged ({type(exc).__name__}: {exc})") from exc
        self.read_total += len(out)
        return bytes(out)
