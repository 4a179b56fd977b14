"""Where media lives: a local folder (the default) or an S3-compatible bucket, by generated keys.

Keys are built by the app (ids and fixed names), never from user input; every key is checked
not to leave the storage root all the same.

Both backends keep a local folder (`STORAGE_DIR`): the local backend stores the objects there;
the S3 backend uses it for scratch files (uploads and renders in flight) and as a cache of the
objects this machine has read or written (`cache/<key>`, safe to delete), so API and workers
on different machines share nothing but the bucket:
- `move_into(file, key)` stores a finished file (S3: uploaded, multipart for large ones);
- `path(key)` is a local file holding the object (S3: fetched into the cache when missing);
- `send(key, …)` answers a download with HTTP Range (S3: streamed from the bucket through the
  API, so links stay same-origin for the studio's Content-Security-Policy — no redirect);
- `delete_tree(prefix)` removes every object under a key prefix.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask, Response, current_app, request, send_file
from werkzeug.exceptions import NotFound, RequestedRangeNotSatisfiable

from intellimix.config import ConfigError

CHUNK_BYTES = 1024 * 1024


class Storage:
    """The local backend: objects are files under the root."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _local(self, key: str) -> Path:
        resolved = (self.root / key).resolve()
        if not resolved.is_relative_to(self.root) or resolved == self.root:
            raise ValueError(f"storage key escapes the storage root: {key!r}")
        return resolved

    def path(self, key: str) -> Path:
        """A local file holding the object."""
        return self._local(key)

    def scratch_folder(self) -> Path:
        """This machine's scratch folder, always on the local disk (never an object)."""
        folder = self.root / "scratch"
        folder.mkdir(exist_ok=True)
        return folder

    def scratch_path(self) -> Path:
        """A fresh file name in the storage's own scratch folder (same disk: moves are renames)."""
        return self.scratch_folder() / uuid.uuid4().hex

    def save_stream(self, stream: IO[bytes], target: Path) -> int:
        """Copy a stream to `target` in chunks; returns the bytes written."""
        written = 0
        with target.open("wb") as handle:
            while chunk := stream.read(CHUNK_BYTES):
                handle.write(chunk)
                written += len(chunk)
        return written

    def move_into(self, source: Path, key: str) -> Path:
        """Store a finished file under `key` (it is moved, not copied); its local path."""
        target = self._local(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return target

    def delete_tree(self, key: str) -> None:
        """Delete a key's folder (e.g. everything of one track)."""
        shutil.rmtree(self._local(key), ignore_errors=True)

    def send(
        self, key: str, *, mimetype: str, download_name: str, as_attachment: bool = False
    ) -> Response:
        """The object as a download: Range → 206, If-None-Match → 304."""
        return send_file(
            self.path(key),
            mimetype=mimetype,
            conditional=True,
            as_attachment=as_attachment,
            download_name=download_name,
            max_age=0,
        )


class S3Storage(Storage):
    """Objects in a bucket of any S3-compatible service; the local root is scratch and cache."""

    def __init__(self, root: Path, *, client: Any, bucket: str, prefix: str = "") -> None:
        super().__init__(root)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _object(self, key: str) -> str:
        self._local(key)  # the same key rules as the local backend
        return self.prefix + key

    def _cached(self, key: str) -> Path:
        return self._local(f"cache/{key}")

    def path(self, key: str) -> Path:
        """The object fetched into this machine's cache (once; objects are never rewritten)."""
        cached = self._cached(key)
        if cached.exists():
            return cached
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = self.scratch_path()
        try:
            self.client.download_file(self.bucket, self._object(key), str(partial))
        except ClientError as exc:
            partial.unlink(missing_ok=True)
            if _status(exc) == 404:
                raise FileNotFoundError(f"no object {key!r} in the bucket") from exc
            raise
        os.replace(partial, cached)
        return cached

    def move_into(self, source: Path, key: str) -> Path:
        self.client.upload_file(str(source), self.bucket, self._object(key))
        cached = self._cached(key)
        cached.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, cached)
        return cached

    def delete_tree(self, key: str) -> None:
        prefix = self._object(key).rstrip("/") + "/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
        shutil.rmtree(self._cached(key), ignore_errors=True)

    def send(
        self, key: str, *, mimetype: str, download_name: str, as_attachment: bool = False
    ) -> Response:
        asked = request.range
        fetch: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object(key)}
        if asked is not None and len(asked.ranges) == 1:
            start, end = asked.ranges[0]
            # werkzeug's (start, stop) → HTTP: a suffix (-N) as is, else `first-last` inclusive.
            fetch["Range"] = (
                f"bytes={start}" if start < 0 else f"bytes={start}-{'' if end is None else end - 1}"
            )
        if request.if_none_match:
            fetch["IfNoneMatch"] = request.headers["If-None-Match"]
        try:
            found = self.client.get_object(**fetch)
        except ClientError as exc:
            status = _status(exc)
            if status == 404:
                raise NotFound() from exc
            if status == 304:
                return Response(status=304)
            if status == 416:
                raise RequestedRangeNotSatisfiable() from exc
            raise
        body = found["Body"]
        response = Response(
            _chunks(body), status=206 if "ContentRange" in found else 200, mimetype=mimetype
        )
        response.headers["Content-Length"] = str(found["ContentLength"])
        response.headers["Accept-Ranges"] = "bytes"
        if "ContentRange" in found:
            response.headers["Content-Range"] = found["ContentRange"]
        if found.get("ETag"):
            response.headers["ETag"] = found["ETag"]
        disposition = "attachment" if as_attachment else "inline"
        response.headers.set("Content-Disposition", disposition, **_filename(download_name))
        response.headers["Cache-Control"] = "no-cache"
        return response


def _filename(name: str) -> dict[str, str]:
    """Content-Disposition file name parameters, as werkzeug's send_file writes them."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}
    return {"filename": name}


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()


def build_storage(config: dict[str, Any]) -> Storage:
    root = Path(config["STORAGE_DIR"])
    backend = config["STORAGE_BACKEND"]
    if backend == "local":
        return Storage(root)
    if backend != "s3":
        raise ConfigError(f"STORAGE_BACKEND must be local or s3, got {backend!r}")
    if not config["S3_BUCKET"]:
        raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    client = boto3.client(
        "s3",
        endpoint_url=config["S3_ENDPOINT_URL"],
        region_name=config["S3_REGION"],
        config=Config(signature_version="s3v4", retries={"max_attempts": 5, "mode": "standard"}),
    )
    return S3Storage(root, client=client, bucket=config["S3_BUCKET"], prefix=config["S3_PREFIX"])


def init_storage(app: Flask) -> None:
    app.extensions["intellimix_storage"] = build_storage(app.config)


def get_storage() -> Storage:
    storage: Storage = current_app.extensions["intellimix_storage"]
    return storage
