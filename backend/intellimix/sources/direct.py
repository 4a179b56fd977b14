"""Direct http(s) links to audio or video files: streamed with a size cap and timeouts."""

from __future__ import annotations

import time
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from intellimix.sources.errors import (
    SourceError,
    SourceHttpError,
    SourceNotFound,
    SourceTimeout,
    SourceTooLarge,
    SourceUnreachable,
    TooManyRedirects,
)
from intellimix.sources.models import Download, ProgressFn, SourceMetadata, SourceSettings
from intellimix.sources.safety import check_url, checked_session

CHUNK_BYTES = 256 * 1024
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
USER_AGENT = "IntelliMix/0.1 (+audio import)"


class DirectLinkProvider:
    """Any http(s) link that no other provider claims; what it serves is checked by decoding."""

    name = "direct"

    def __init__(self, settings: SourceSettings) -> None:
        self.settings = settings

    def handles(self, url: str) -> bool:
        return urlsplit(url.strip()).scheme.lower() in ("http", "https")

    def identify(self, url: str) -> SourceMetadata:
        """The link checked (its host's addresses) and made canonical; titled by its file name."""
        parts = check_url(url, self.settings)
        return SourceMetadata(
            url=canonical_url(url), title=_title_from_name(parts.path), provider=self.name
        )

    def resolve(self, url: str) -> SourceMetadata:
        # What a direct link holds is known only once it is downloaded (tags, file name).
        return self.identify(url)

    def download(
        self, url: str, target: Path, *, on_progress: ProgressFn, video: bool = False
    ) -> Download:
        # A file is what it is: a video file keeps its picture, `video` changes nothing.
        metadata = self.resolve(url)
        try:
            with (
                checked_session(self.settings) as session,
                self._open(session, metadata.url) as response,
            ):
                file_name = _file_name(response)
                self._save(response, target, on_progress)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return Download(path=target, metadata=metadata, file_name=file_name)

    def search(self, query: str, *, limit: int) -> list[SourceMetadata]:
        return []  # a link is not searchable

    def _open(self, session: requests.Session, url: str) -> requests.Response:
        """GET following at most `max_redirects` hops, each one checked before it is fetched."""
        timeout = (self.settings.connect_timeout_s, self.settings.read_timeout_s)
        for _hop in range(self.settings.max_redirects + 1):
            check_url(url, self.settings)
            try:
                response = session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    timeout=timeout,
                    headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                )
            except requests.RequestException as exc:
                raise _network_error(exc) from exc
            if response.status_code not in REDIRECT_STATUSES:
                break
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise SourceHttpError("The server sent a redirect without a target.")
            url = urljoin(url, location)
        else:
            raise TooManyRedirects(
                f"The link redirects more than {self.settings.max_redirects} times."
            )
        if response.status_code in (404, 410):
            response.close()
            raise SourceNotFound("Nothing was found at that link (HTTP 404).")
        if response.status_code >= 400:
            response.close()
            raise SourceHttpError(f"The server answered HTTP {response.status_code}.")
        return response

    def _save(self, response: requests.Response, target: Path, on_progress: ProgressFn) -> None:
        cap = self.settings.max_bytes
        total = _content_length(response)
        if total is not None and total > cap:
            raise _too_large(cap)
        deadline = time.monotonic() + self.settings.download_timeout_s
        written = 0
        try:
            with target.open("wb") as out:
                for chunk in response.iter_content(CHUNK_BYTES):
                    written += len(chunk)
                    if written > cap:  # counted on what arrives, whatever the headers said
                        raise _too_large(cap)
                    out.write(chunk)
                    if time.monotonic() > deadline:
                        raise SourceTimeout("The download took too long.")
                    on_progress(written, total)
        except requests.RequestException as exc:
            raise _network_error(exc) from exc


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, default port and fragment dropped: one song, one url."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if scheme == "https" else 80
    netloc = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _network_error(exc: requests.RequestException) -> SourceError:
    if isinstance(exc, requests.Timeout) or any(
        isinstance(arg, ReadTimeoutError) for arg in exc.args
    ):
        return SourceTimeout("The server did not answer in time.")
    return SourceUnreachable("The server could not be reached.")


def _too_large(cap: int) -> SourceTooLarge:
    return SourceTooLarge(f"The file is larger than the {cap / (1024 * 1024):.0f} MB limit.")


def _content_length(response: requests.Response) -> int | None:
    raw = response.headers.get("Content-Length", "").strip()
    # ASCII digits only: "²" passes str.isdigit() and fails int().
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _file_name(response: requests.Response) -> str | None:
    """The server's file name (Content-Disposition), else the last part of the final URL."""
    disposition = response.headers.get("Content-Disposition")
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        name = message.get_filename()
        if name:
            return PurePosixPath(name.replace("\\", "/")).name or None
    return PurePosixPath(unquote(urlsplit(response.url).path)).name or None


def _title_from_name(path: str) -> str:
    stem = PurePosixPath(unquote(path)).stem.replace("_", " ").strip()
    return stem[:300] or "Imported track"
