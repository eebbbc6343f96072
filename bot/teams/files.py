"""Files to a member in Teams: a FileConsentCard first, the bytes uploaded only once they accept.

Teams has no "upload a file to this chat" call for bots: the bot asks with a FileConsentCard, the
member's click arrives as a `fileConsent/invoke` carrying a pre-authorised upload URL in their
OneDrive, the bot PUTs the bytes there and then shows a FileInfoCard. Between the ask and the
click the bytes wait here, in memory, under a random consent id (the only thing the card carries),
with a size cap and an expiry: a restart or a member who never clicks drops them, and the export
can be asked for again.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from bot.core.timeutil import utcnow
from bot.teams.sdk import api

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
CONSENT_KEY = "consent_id"
MAX_FILE_BYTES = 25 * 1024 * 1024  # one research export; far above a network's
MAX_PENDING_BYTES = 100 * 1024 * 1024  # all files waiting for a click together
KEEP_FOR = timedelta(hours=24)  # a researcher may read the card the next morning
UPLOAD_TIMEOUT_SECONDS = 60.0


class FileTooLarge(ValueError):
    """A file above MAX_FILE_BYTES, or one that would make the waiting files exceed their cap."""


@dataclass(frozen=True)
class PendingFile:
    member_id: str
    filename: str
    data: bytes
    expires_at: datetime


class PendingFiles:
    """Files waiting for their member's consent, by consent id (thread-safe: the fan-out threads
    add, the event loop's handlers take)."""

    def __init__(
        self,
        *,
        max_file: int = MAX_FILE_BYTES,
        max_total: int = MAX_PENDING_BYTES,
        keep_for: timedelta = KEEP_FOR,
    ):
        self.max_file, self.max_total, self.keep_for = max_file, max_total, keep_for
        self._files: dict[str, PendingFile] = {}
        self._lock = threading.Lock()

    def add(self, member_id: str, filename: str, data: bytes, now: datetime | None = None) -> str:
        """Keep the bytes until the member answers; returns the consent id for the card."""
        now = now or utcnow()
        with self._lock:
            self._drop_expired(now)
            waiting = sum(len(f.data) for f in self._files.values())
            if len(data) > self.max_file or waiting + len(data) > self.max_total:
                raise FileTooLarge(f"{len(data)} bytes (waiting: {waiting})")
            consent_id = secrets.token_urlsafe(16)
            self._files[consent_id] = PendingFile(member_id, filename, data, now + self.keep_for)
            return consent_id

    def take(self, consent_id: object, member_id: str, now: datetime | None = None):
        """The file waiting under consent_id for this member, removed; None if there is none
        (expired, already taken, or another member's)."""
        if not isinstance(consent_id, str):
            return None
        with self._lock:
            self._drop_expired(now or utcnow())
            found = self._files.get(consent_id)
            if found is None or found.member_id != member_id:
                return None
            return self._files.pop(consent_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)

    def _drop_expired(self, now: datetime) -> None:
        for key in [k for k, f in self._files.items() if f.expires_at <= now]:
            del self._files[key]


def consent_attachment(filename: str, size: int, description: str, consent_id: str):
    """The FileConsentCard asking to put filename (size bytes) in the member's OneDrive."""
    context = {CONSENT_KEY: consent_id}
    card = api.FileConsentCard(
        description=description,
        size_in_bytes=size,
        accept_context=context,
        decline_context=context,
    )
    return api.Attachment(content_type=CONSENT_CARD, name=filename, content=card)


def info_attachment(upload: api.FileUploadInfo, filename: str):
    """The FileInfoCard showing the uploaded file in the chat."""
    card = api.FileInfoCard(unique_id=upload.unique_id, file_type=upload.file_type)
    return api.Attachment(
        content_type=INFO_CARD,
        content_url=upload.content_url,
        name=upload.name or filename,
        content=card,
    )


def upload(url: str, data: bytes) -> None:
    """PUT the bytes to the upload session Teams gave (pre-authorised: no bearer token, which
    must not go to a storage host). Raises httpx.HTTPError on failure."""
    size = len(data)
    headers = {"Content-Range": f"bytes 0-{size - 1}/{size}" if size else "bytes */0"}
    response = httpx.put(url, content=data, headers=headers, timeout=UPLOAD_TIMEOUT_SECONDS)
    response.raise_for_status()
