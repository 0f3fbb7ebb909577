"""Upload handlers that hash each file while its bytes arrive.

The SHA-256 that recognises a file a client already sent is computed chunk by chunk as
Django streams the request body into memory (small files) or a temporary file (large
ones), so the upload path reads each file once more only to sniff its first bytes and
once to store it, never a whole extra pass to hash it. The digest rides on the uploaded
file as `sha256`; services fall back to hashing themselves when it is absent (files made
in code, other handlers).
"""

from __future__ import annotations

import hashlib

from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)


class HashingMemoryFileUploadHandler(MemoryFileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        self.digest = hashlib.sha256()
        # Raises StopFutureHandlers when this handler keeps the file: set up first.
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int):
        if self.activated:
            self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.sha256 = self.digest.hexdigest()
        return uploaded


class HashingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        self.digest = hashlib.sha256()
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int):
        uploaded = super().file_complete(file_size)
        if uploaded is not None:
            uploaded.sha256 = self.digest.hexdigest()
        return uploaded
