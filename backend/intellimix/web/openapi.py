"""The OpenAPI 3.1 document of /api/v1, built from the app's routes and its pydantic models.

Why not spectree or flask-openapi3: both document a route by wrapping it (their own request
validation and error bodies, or their own Flask/Blueprint classes), which would replace the
one error envelope and `parse_body` every route already uses. Here the routes stay as they
are: `OPERATIONS` says, per endpoint, which pydantic model is its body, its query and its
answer; paths, methods and path parameters are read from Flask's url map, and the schemas
from pydantic's `model_json_schema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
A test fails when an /api/v1 route has no entry here, so the document cannot fall behind.

Served at `GET /api/v1/openapi.json`, with a readable page at `GET /api/v1/docs`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Annotated, Any, Literal

from flask import Blueprint, Flask, current_app, render_template_string
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from intellimix.auth.schemas import LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest
from intellimix.chats.schemas import (
    EditRunCreate,
    MemoryPatch,
    MessageCreate,
    RerenderRequest,
    ThreadCreate,
    ThreadPatch,
)
from intellimix.feedback.schemas import FeedbackRequest, FixRequest
from intellimix.generation.schemas import DemoRequest, GenerateRequest
from intellimix.library.schemas import ImportRequest, TrackFilters, TrackPatch
from intellimix.tools.schemas import DownloadRequest, ProcessArrayRequest
from intellimix.web import api_models as out
from intellimix.web.http import MAX_PAGE

API_PREFIX = "/api/v1"
bp = Blueprint("openapi", __name__)

# -- query parameters ----------------------------------------------------------------------


class PageQuery(BaseModel):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class TrackQuery(PageQuery, TrackFilters):
    pass


class SourceQuery(BaseModel):
    q: Annotated[str, Field(min_length=1, max_length=200, description="Words to search for.")]
    limit: Annotated[int, Field(ge=1, le=25)] = 10


class HistoryQuery(PageQuery):
    type: Annotated[str | None, Field(description="Only jobs of this type.")] = None


class ThreadQuery(PageQuery):
    archived: Literal["true", "false", "all", "1", "0"] = "false"


class MessageQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=100)] = 30
    cursor: Annotated[str | None, Field(description="`next_cursor` of the previous page.")] = None


class RunListQuery(PageQuery):
    active: Annotated[str | None, Field(description="`1` = only queued and running runs.")] = None


class FileQuery(BaseModel):
    token: Annotated[str | None, Field(description="The signed link's token (no header).")] = None


class JobFileQuery(FileQuery):
    download: Annotated[Literal["1"] | None, Field(description="`1` = as an attachment.")] = None


class EventsQuery(BaseModel):
    token: Annotated[
        str | None, Field(description="Access token (EventSource sends no header).")
    ] = None
    last_event_id: Annotated[
        int | None, Field(ge=0, description="Resume after this event (or Last-Event-ID).")
    ] = None


class TrackUpload(BaseModel):
    file: Annotated[bytes, Field(json_schema_extra={"format": "binary"})]
    keep_duplicate: Annotated[
        Literal["true", "false", "1", "0"],
        Field(description="`true`: store the file even if the library already holds it."),
    ] = "false"


class PdfQuery(FileQuery):
    download: Annotated[Literal["1"] | None, Field(description="`1` = as an attachment.")] = None


class CsvUpload(BaseModel):
    file: Annotated[
        bytes,
        Field(description="CSV rows of url,start,end", json_schema_extra={"format": "binary"}),
    ]


# -- the operations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    answer: type[BaseModel] | None = None  # None: no body (204), or a file/stream (`media`)
    status: int = 200
    body: type[BaseModel] | None = None
    body_media: str = "application/json"
    body_required: bool = True
    query: type[BaseModel] | None = None
    auth: bool = True
    media: str | None = None  # the answer's content type when it is not JSON
    also: dict[int, type[BaseModel]] = field(default_factory=dict)  # other non-error answers
    upstream: bool = False  # may answer 502/503/504 (the error envelope) when a source fails


OPERATIONS: dict[str, Operation] = {
    "api.health.health": Operation(
        "Health of every component (503 when one is down)",
        "health",
        out.Health,
        auth=False,
        also={503: out.Health},
    ),
    "api.openapi.openapi_document": Operation(
        "This OpenAPI document", "meta", None, auth=False, media="application/json"
    ),
    "api.openapi.docs_page": Operation(
        "This document as a readable page", "meta", None, auth=False, media="text/html"
    ),
    "api.auth.register": Operation(
        "Create an account", "auth", out.Session, 201, body=RegisterRequest, auth=False
    ),
    "api.auth.login": Operation("Log in", "auth", out.Session, body=LoginRequest, auth=False),
    "api.auth.refresh": Operation(
        "Trade a refresh token for a new pair (rotation)",
        "auth",
        out.TokenPair,
        body=RefreshRequest,
        auth=False,
    ),
    "api.auth.logout": Operation(
        "Revoke this session", "auth", None, 204, body=LogoutRequest, body_required=False
    ),
    "api.auth.me": Operation("The signed-in person", "auth", out.UserOut),
    "api.runs.get_run": Operation("A run, with its assistant message", "runs", out.RunDetailOut),
    "api.runs.user_runs": Operation(
        "The signed-in user's runs, any chat", "runs", out.RunPage, query=RunListQuery
    ),
    "api.runs.cancel_run": Operation("Ask a run to stop", "runs", out.RunOut),
    "api.runs.retry_run": Operation("Run a failed run again (a new run)", "runs", out.RunOut, 202),
    "api.runs.rate_limit_status": Operation(
        "The person's fair-use quotas of heavy runs", "runs", out.RateLimitStatus
    ),
    "api.runs.run_events": Operation(
        "The run's progress as Server-Sent Events",
        "runs",
        None,
        query=EventsQuery,
        media="text/event-stream",
    ),
    "api.library.upload_track": Operation(
        "Upload a track (202: analysed by a run; 200: the library holds this file already)",
        "tracks",
        out.Upload,
        202,
        body=TrackUpload,
        body_media="multipart/form-data",
        also={200: out.Upload},
    ),
    "api.library.import_track": Operation(
        "Import a track from a link (202: a run downloads and analyses it; 200: imported before)",
        "tracks",
        out.Imported,
        202,
        body=ImportRequest,
        also={200: out.Imported},
        upstream=True,
    ),
    "api.sources.search_sources": Operation(
        "Find songs outside the library",
        "tracks",
        out.SourceSearch,
        query=SourceQuery,
        upstream=True,
    ),
    "api.library.add_demo_tracks": Operation(
        "Add the demo set (202 when tracks were added)",
        "tracks",
        out.DemoTracks,
        202,
        body=DemoRequest,
        body_required=False,
        also={200: out.DemoTracks},
    ),
    "api.library.list_tracks": Operation(
        "Search the library", "tracks", out.TrackPage, query=TrackQuery
    ),
    "api.library.list_genres": Operation(
        "The genres in the library, most common first", "tracks", out.LibraryGenres
    ),
    "api.library.get_track": Operation("A track with its analysis", "tracks", out.TrackOut),
    "api.library.rename_track": Operation(
        "Change title, artist or genre", "tracks", out.TrackOut, body=TrackPatch
    ),
    "api.library.delete_track": Operation("Delete a track and its file", "tracks", None, 204),
    "api.library.track_peaks": Operation("Waveform peaks", "tracks", out.Peaks),
    "api.library.track_audio": Operation(
        "The original file (Range; Bearer or the signed audio_url)",
        "tracks",
        None,
        query=FileQuery,
        media="audio/*",
        auth=False,
    ),
    "api.history.list_history": Operation(
        "Generation and render jobs", "history", out.JobPage, query=HistoryQuery
    ),
    "api.history.get_job": Operation("A job and its files", "history", out.JobOut),
    "api.history.delete_job": Operation("Delete a job and its files", "history", None, 204),
    "api.history.job_file": Operation(
        "One produced file (Range; Bearer or the file's signed url)",
        "history",
        None,
        query=JobFileQuery,
        media="application/octet-stream",
        auth=False,
    ),
    "api.generation.generate_ai": Operation(
        "Generate a track from a prompt", "generation", out.Generation, 202, body=GenerateRequest
    ),
    "api.tools.process_array": Operation(
        "Join clips of songs at links (answers when the run ends)",
        "tools",
        out.MergedClips,
        body=ProcessArrayRequest,
        upstream=True,
    ),
    "api.tools.process_csv": Operation(
        "Join the clips a CSV lists (answers when the run ends)",
        "tools",
        out.MergedClips,
        body=CsvUpload,
        body_media="multipart/form-data",
        upstream=True,
    ),
    "api.tools.download_audio": Operation(
        "A link's audio in another format (answers when the run ends)",
        "tools",
        out.DownloadedFile,
        body=DownloadRequest,
        upstream=True,
    ),
    "api.tools.download_video": Operation(
        "A link's video or audio in another format (answers when the run ends)",
        "tools",
        out.DownloadedFile,
        body=DownloadRequest,
        upstream=True,
    ),
    "api.feedback.request_feedback": Operation(
        "Ask for a mix or master feedback report on a track (a run)",
        "feedback",
        out.RunOut,
        202,
        body=FeedbackRequest,
    ),
    "api.feedback.genres": Operation(
        "The genres with a measured tonal target, and where each comes from",
        "feedback",
        out.GenreList,
    ),
    "api.feedback.list_feedback": Operation(
        "A track's feedback reports", "feedback", out.FeedbackList
    ),
    "api.feedback.get_feedback": Operation(
        "A feedback report with its findings", "feedback", out.FeedbackOut
    ),
    "api.feedback.feedback_pdf": Operation(
        "The report as a PDF (Bearer or the signed pdf_url)",
        "feedback",
        None,
        query=PdfQuery,
        media="application/pdf",
        auth=False,
    ),
    "api.feedback.fix": Operation(
        "Master the track again with the report's fixes (a run)",
        "feedback",
        out.RunOut,
        202,
        body=FixRequest,
        body_required=False,
    ),
    "api.chats.create_thread": Operation(
        "Start a chat (optionally with a first message)",
        "chats",
        out.ThreadCreated,
        201,
        body=ThreadCreate,
        body_required=False,
    ),
    "api.chats.list_threads": Operation("Chats", "chats", out.ThreadPage, query=ThreadQuery),
    "api.chats.get_thread": Operation("A chat", "chats", out.ThreadOut),
    "api.chats.update_thread": Operation(
        "Rename or archive a chat", "chats", out.ThreadOut, body=ThreadPatch
    ),
    "api.chats.delete_thread": Operation("Delete a chat", "chats", None, 204),
    "api.chats.list_messages": Operation(
        "Messages, newest page first", "chats", out.MessagePage, query=MessageQuery
    ),
    "api.chats.post_message": Operation(
        "Post a message, an answer or an action (starts a run)",
        "chats",
        out.Posted,
        202,
        body=MessageCreate,
    ),
    "api.chats.thread_runs": Operation("A chat's runs", "runs", out.RunPage, query=RunListQuery),
    "api.chats.list_versions": Operation(
        "Rendered versions", "chats", out.VersionPage, query=PageQuery
    ),
    "api.chats.get_version": Operation("A rendered version", "chats", out.VersionOut),
    "api.chats.rerender": Operation(
        "Render a version again (an unchanged one answers with its result unless forced)",
        "chats",
        out.RerenderStarted,
        202,
        body=RerenderRequest,
        body_required=False,
        also={200: out.RerenderAnswered},
    ),
    "api.chats.edit_run": Operation(
        "Render an edited timeline of a version", "chats", out.Posted, 202, body=EditRunCreate
    ),
    "api.chats.restore": Operation(
        "Make a version's plan the current draft", "chats", out.Restored, 201
    ),
    "api.chats.get_draft": Operation("A plan draft", "chats", out.DraftOut),
    "api.chats.get_memory": Operation("Learned preferences", "memory", out.MemoryOut),
    "api.chats.update_memory": Operation(
        "Set or forget preferences", "memory", out.MemoryOut, body=MemoryPatch
    ),
    "api.chats.delete_memory": Operation("Forget every preference", "memory", None, 204),
}

# -- building the document -----------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def api_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith(API_PREFIX + "/")),
        key=lambda r: r.rule,
    )


def build_document(app: Flask) -> dict[str, Any]:
    """The whole document; raises KeyError naming an /api/v1 endpoint without an Operation."""
    models = _models()
    definitions = _schemas(models)
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(app):
        operation = OPERATIONS[rule.endpoint]
        path, parameters = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, operation, parameters
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IntelliMix API",
            "version": version("intellimix"),
            "description": "Chat-native music mix studio. Every failure answers with "
            '`{"error": {"code", "message", "details"}}`.',
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorEnvelope": out.ErrorEnvelope}
    for operation in OPERATIONS.values():
        for model in (operation.answer, operation.body, *operation.also.values()):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def _schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    _, top = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    return dict(top.get("$defs", {}))


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """`/tracks/<string(length=36):track_id>` → `/tracks/{track_id}` and its parameter."""
    parameters = []

    def replace(match: re.Match[str]) -> str:
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        length = re.search(r"length=(\d+)", match["args"] or "")
        if length:
            schema["minLength"] = schema["maxLength"] = int(length[1])
        parameters.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
        return "{" + match["name"] + "}"

    return _CONVERTER.sub(replace, rule), parameters


def _operation(endpoint: str, op: Operation, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api.").replace(".", "_"),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [*path_params, *_query(op.query)],
        "responses": {
            str(op.status): _answer(op, op.answer),
            **{str(status): _answer(op, model) for status, model in op.also.items()},
            "4XX": _error("The error envelope"),
            **{
                str(status): _error("The source or search provider failed")
                for status in ((502, 503, 504) if op.upstream else ())
            },
        },
    }
    if op.auth:
        document["security"] = [{"bearer": []}]
    if op.body is not None:
        document["requestBody"] = {
            "required": op.body_required,
            "content": {op.body_media: {"schema": _ref(op.body)}},
        }
    return document


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(out.ErrorEnvelope)}},
    }


def _answer(op: Operation, model: type[BaseModel] | None) -> dict[str, Any]:
    if model is not None:
        return {"description": "OK", "content": {"application/json": {"schema": _ref(model)}}}
    if op.media is not None:
        return {"description": "OK", "content": {op.media: {}}}
    return {"description": "No content"}


def _query(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k not in ("title", "description")},
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema["properties"].items()
    ]


# -- serving it ----------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    cached = current_app.extensions.get("intellimix_openapi")
    if cached is None:
        cached = current_app.extensions["intellimix_openapi"] = build_document(current_app)
    return cached


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IntelliMix API</title></head>
<body><main>
<h1>{{ doc.info.title }} {{ doc.info.version }}</h1>
<p>{{ doc.info.description }} The machine-readable document is
<a href="{{ prefix }}/openapi.json">openapi.json</a> (OpenAPI {{ doc.openapi }}).</p>
{% for path, methods in doc.paths.items() %}{% for method, op in methods.items() %}
<section id="{{ op.operationId }}">
<h2><code>{{ method | upper }} {{ prefix }}{{ path[prefix | length:] }}</code></h2>
<p>{{ op.summary }}{% if op.security %} — needs <code>Authorization: Bearer</code>{% endif %}</p>
{% if op.parameters %}<ul>{% for p in op.parameters %}
<li><code>{{ p.name }}</code> ({{ p.in }}{% if p.required %}, required{% endif %})
{{ p.description or "" }}</li>{% endfor %}</ul>{% endif %}
{% if op.requestBody %}<p>Body: {% for media, c in op.requestBody.content.items() %}
<code>{{ media }}</code> <code>{{ c.schema["$ref"].rsplit("/", 1)[1] }}</code>{% endfor %}</p>
{% endif %}
<p>Answers: {% for status, r in op.responses.items() %}<code>{{ status }}</code>
{% for media, c in (r.content or {}).items() %}{{ media }}{% if c.schema %}
<code>{{ c.schema["$ref"].rsplit("/", 1)[1] }}</code>{% endif %}{% endfor %}{% if not loop.last %},
{% endif %}{% endfor %}</p>
</section>{% endfor %}{% endfor %}
</main></body></html>
"""


@bp.get("/docs")
def docs_page() -> str:
    return render_template_string(DOCS_PAGE, doc=openapi_document(), prefix=API_PREFIX)
