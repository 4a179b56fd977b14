"""Songs a chat asks for that the library does not have: search, ask, import, plan on.

The planner plans with the songs the library has and names the others
(`PlannerReply.unresolved_songs`). This module searches the song providers for each name and
then either asks — 'Import "Levitating — Dua Lipa (Official Audio)" 3:23?' with the best
candidates and "Plan without it" — or, with the person's standing consent (the memory setting
`import_automatically`), imports the best candidate at once. A link pasted in the words is
imported without asking (pasting it is the consent). The import is an `import_songs` run
(heavy lane) in the chat; when it ends, however it ends, it starts the plan run that goes on
with the person's words, now with the new tracks. The planner knows tracks by name, so it reads
a pasted link as the quoted title of the track imported from it (`planner_words`). A search
that cannot be reached leaves the reply as the planner made it (a plan with the library),
saying so plainly.
"""

from __future__ import annotations

import re
from typing import Any

from intellimix.chats import drafts, memory, outcomes, posting
from intellimix.chats.models import ChatMessage, ChatThread, PlanDraft
from intellimix.db_types import utcnow
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.library import imports
from intellimix.library.models import Track
from intellimix.planner.builder import quoted_names
from intellimix.planner.turns import PlannerReply, PlannerRequest
from intellimix.runs import fair_use
from intellimix.runs import service as runs
from intellimix.runs.context import RunContext
from intellimix.runs.errors import RunCancelled, RunFailure
from intellimix.runs.models import Run
from intellimix.runs.registry import executor
from intellimix.sources.models import SourceMetadata

QUESTION_PREFIX = "import_song:"
SKIP = "skip"
CANDIDATES = 3  # the best one and two alternatives
MAX_SONGS = 4
_LINK_RE = re.compile(r"https?://[^\s<>\"'“”]+", re.IGNORECASE)
_CANDIDATE_OPTION_RE = re.compile(r"c([0-9])")  # the options _question offers: "c0", "c1", …
_LINK_TAIL = ".,;:!?)]}'’"  # punctuation after a link ends the sentence, not the link


def pasted_links(words: str) -> list[str]:
    """The http(s) links in the words, as written, once each (at most MAX_SONGS)."""
    links = (match.group().rstrip(_LINK_TAIL) for match in _LINK_RE.finditer(words))
    return list(dict.fromkeys(link for link in links if link))[:MAX_SONGS]


def import_links(run: Run) -> dict[str, Any] | None:
    """Import the songs of links pasted in the words, then plan on; None when there is none
    to import (each is in the library already, or was dealt with earlier in this turn)."""
    given = run.input or {}
    settled = [str(name) for name in given.get("settled_songs") or []]
    done = {name.lower() for name in settled}
    picks: list[tuple[str, SourceMetadata]] = []
    for link in pasted_links(str(given.get("message") or "")):
        if link.lower() in done:
            continue
        try:
            metadata = imports.identify(link)
        except ApiError:
            # Refused (a private address, not http): the import run says why, and plans on.
            metadata = SourceMetadata(url=link, title=link)
        else:
            track = imports.linked_track(run.user_id, metadata.url)
            if track is not None and track.status == "ready":
                continue
        picks.append((link, metadata))
    if not picks:
        return None
    return _start_imports(run, picks, settled=[*settled, *(link for link, _ in picks)])


def planner_words(user_id: str, words: str) -> str:
    """The words as the planner reads them: each pasted link becomes the quoted title of the
    track imported from it; a link with no ready track is left out (the reply says why)."""

    def title(match: re.Match[str]) -> str:
        link = match.group().rstrip(_LINK_TAIL)
        tail = match.group()[len(link) :]
        track = imports.linked_track(user_id, link)
        if track is None or track.status != "ready":
            return tail
        return '"' + track.title.replace('"', "'") + '"' + tail

    return _LINK_RE.sub(title, words)


def offer(run: Run, request: PlannerRequest, reply: PlannerReply) -> dict[str, Any] | None:
    """Handle the reply's unresolved songs; None when the caller should record `reply` itself
    (nothing to offer: its text then says what could not be found or searched)."""
    given = run.input or {}
    settled = {name.lower() for name in given.get("settled_songs") or []}
    names = [n for n in dict.fromkeys(reply.unresolved_songs) if n.lower() not in settled]
    if not names:
        return None
    found: dict[str, list[SourceMetadata]] = {}
    try:
        for name in names[:MAX_SONGS]:
            found[name] = imports.search(name, limit=CANDIDATES)
    except ApiError:
        reply.text = (
            f"{reply.text} I could not look up {quoted_names(names)} to import: song search is not "
            "reachable right now, so this uses your library only."
        ).strip()
        return None
    missing = [name for name, candidates in found.items() if not candidates]
    offered = {name: candidates for name, candidates in found.items() if candidates}
    if missing:
        reply.text = f"{reply.text} Song search found nothing for {quoted_names(missing)}.".strip()
    if not offered:
        return None
    if memory.imports_automatically(run.user_id):
        picks = [(name, candidates[0]) for name, candidates in offered.items()]
        return _start_imports(run, picks, settled=names)
    return _ask(run, request, offered)


def is_import_draft(draft: PlanDraft | None) -> bool:
    return draft is not None and any(
        str(q.get("question_id", "")).startswith(QUESTION_PREFIX) for q in draft.questions or []
    )


def answered(run: Run, draft: PlanDraft) -> dict[str, Any]:
    """The person answered the import question(s): import what they chose, then plan on."""
    chosen = {
        a.get("question_id"): a.get("selected_option_id")
        for a in (run.input or {}).get("answers") or []
    }
    picks: list[tuple[str, SourceMetadata]] = []
    asked: list[str] = []
    for question in draft.questions or []:
        asked.append(str(question.get("song")))
        option = chosen.get(question.get("question_id"))
        candidates = question.get("import_candidates") or []
        chosen_candidate = _CANDIDATE_OPTION_RE.fullmatch(option or "")
        if chosen_candidate:
            index = int(chosen_candidate.group(1))
            if index < len(candidates):
                picks.append((str(question.get("song")), SourceMetadata(**candidates[index])))
    draft.status = "superseded"  # answered: the plan goes on from the words, not this draft
    db.session.commit()
    return _start_imports(run, picks, settled=asked)


def _ask(
    run: Run,
    request: PlannerRequest,
    offered: dict[str, list[SourceMetadata]],
) -> dict[str, Any]:
    questions = [
        _question(n, name, candidates) for n, (name, candidates) in enumerate(offered.items())
    ]
    first_name = next(iter(offered))
    text = f'I couldn\'t find "{first_name}" in your library. {questions[0]["question"]}'
    if len(questions) > 1:
        text += f" (and {len(questions) - 1} more)"
    draft = drafts.add(
        run.thread_id or "",
        parent=None,
        status="collecting",
        plan=request.current_plan.model_dump(mode="json") if request.current_plan else None,
        questions=questions,
        source_message_id=run.user_message_id,
    )
    content = {"kind": "planning_questions", "draft_id": draft.id, "questions": questions}
    outcomes.fill(run, text, content)
    return {"reply": "questions", "draft_id": draft.id, "import_offered": list(offered)}


def _question(number: int, name: str, candidates: list[SourceMetadata]) -> dict[str, Any]:
    best = candidates[0]
    options = [
        {
            "id": f"c{index}",
            "label": f"Import {_display(candidate)}",
            "description": ", ".join(
                part
                for part in (candidate.artist, _clock(candidate.duration_s), candidate.provider)
                if part
            ),
        }
        for index, candidate in enumerate(candidates)
    ]
    options.append({"id": SKIP, "label": "Plan without it", "description": "Use only your library"})
    return {
        "question_id": f"{QUESTION_PREFIX}{number}",
        "question": f"Import {_display(best)}?",
        "options": options,
        "allow_other": False,
        "multi_select": False,
        "song": name,
        "import_candidates": [candidate.to_dict() for candidate in candidates],
    }


def _start_imports(
    run: Run, picks: list[tuple[str, SourceMetadata]], *, settled: list[str]
) -> dict[str, Any]:
    """An `import_songs` run in the chat, or (nothing picked) the plan straight away."""
    words = _words(run)
    # The plan the words were about (a revision goes on revising it; none for a new mix).
    plan_from = (run.input or {}).get("plan_from")
    if not picks:
        follow = _continue(run, words, plan_from=plan_from, settled=settled, notes=[])
        outcomes.fill(
            run, "Planning with your library only.", {"kind": "chat", "plan_run_id": follow.id}
        )
        return {"reply": "chat", "plan_run_id": follow.id}
    try:  # a chat's imports count as the import route's do (the worker has no request)
        fair_use.ensure_allowed(run.user_id, "import_songs")
        imports.take_import_allowance(run.user_id, len(picks))
    except ApiError as refused:
        names = quoted_names([name for name, _ in picks])
        note = f"{names} could not be imported ({refused.message.rstrip('.')})"
        follow = _continue(run, words, plan_from=plan_from, settled=settled, notes=[note])
        outcomes.fill(run, f"{note}.", {"kind": "chat", "plan_run_id": follow.id})
        return {"reply": "chat", "plan_run_id": follow.id}
    songs = [{"name": name, "url": c.url, "title": c.title} for name, c in picks]
    importing = runs.create_run(
        user_id=run.user_id,
        kind="import_songs",
        input={
            "songs": songs,
            "words": words,
            "plan_from": plan_from,
            "settled_songs": settled,
            "user_message_id": run.user_message_id,
        },
        thread_id=run.thread_id,
    )
    listed = ", ".join(_display(c) for _, c in picks)
    text = f"Importing {listed}. I'll go on with the plan as soon as it is in your library."
    content = {"kind": "song_import", "run_id": importing.id, "songs": songs}
    outcomes.fill(run, text, content)
    return {"reply": "song_import", "import_run_id": importing.id}


@executor("import_songs", lane="heavy")
def import_songs(context: RunContext) -> dict[str, Any]:
    """Import each chosen song (once per link), then start the plan run that goes on."""
    songs = list(context.input.get("songs") or [])
    done: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        for index, song in enumerate(songs):
            span = (100 * index / len(songs), 100 * (index + 1) / len(songs))
            try:
                track = _import(context, song, span)
                done.append({"name": song["name"], "track_id": track.id, "title": track.title})
            except (RunFailure, ApiError) as exc:
                db.session.rollback()
                notes.append(f'"{song["title"]}" could not be imported ({exc.message})')
    except RunCancelled:
        db.session.rollback()
        _continue_from(context, notes=[*notes, "the import was cancelled"])
        raise
    plan_run = _continue_from(context, notes=notes)
    return {"imported": done, "failed": notes, "plan_run_id": plan_run.id}


def _import(context: RunContext, song: dict[str, Any], span: tuple[float, float]) -> Track:
    """The song's track in the library, imported now unless it is there and ready."""
    track, needed = imports.ensure_track(context.user_id, str(song["url"]), title=song.get("title"))
    if not needed and track.status == "ready":
        return track
    low, high = span
    name = song.get("title") or song["name"]

    def report(stage: str, percent: float, label: str, detail: Any) -> None:
        context.progress(stage, low + (high - low) * percent / 100, f"{name}: {label}", detail)

    return imports.perform_import(
        track.id,
        context.user_id,
        track.source_url or str(song["url"]),
        report=report,
        checkpoint=context.checkpoint,
    )


def _continue_from(context: RunContext, *, notes: list[str]) -> Run:
    run = db.session.get(Run, context.run_id)
    assert run is not None
    return _continue(
        run,
        str(context.input.get("words") or ""),
        plan_from=context.input.get("plan_from"),
        settled=list(context.input.get("settled_songs") or []),
        notes=notes,
        user_message_id=context.input.get("user_message_id"),
    )


def _continue(
    run: Run,
    words: str,
    *,
    plan_from: dict[str, str] | None,
    settled: list[str],
    notes: list[str],
    user_message_id: str | None = None,
) -> Run:
    """The plan run that goes on with the person's words, answering in a new message."""
    thread = db.session.get(ChatThread, run.thread_id)
    assert thread is not None
    answer = posting.new_placeholder(thread, utcnow())
    db.session.commit()
    return runs.create_run(
        user_id=run.user_id,
        kind="plan",
        input={
            "message": words,
            "draft_id": None,
            "plan_from": plan_from,
            "answers": [],
            "attached_segments": None,
            "attachment": None,
            "edit": False,
            "settled_songs": settled,
            "import_notes": notes,
        },
        thread_id=thread.id,
        user_message_id=user_message_id or run.user_message_id,
        assistant_message_id=answer.id,
    )


def _words(run: Run) -> str:
    """The person's words this turn is about (an answer turn: the message that was asked about)."""
    given = run.input or {}
    if given.get("words"):
        return str(given["words"])
    draft = db.session.get(PlanDraft, given.get("draft_id") or "")
    if draft is not None and is_import_draft(draft):
        source = db.session.get(ChatMessage, draft.source_message_id or "")
        return (source.content_text or "") if source else ""
    return str(given.get("message") or "")


def _display(candidate: SourceMetadata) -> str:
    """'"Levitating — Dua Lipa (Official Audio)" 3:23'."""
    duration = _clock(candidate.duration_s)
    return f'"{candidate.title}"' + (f" {duration}" if duration else "")


def _clock(seconds: float | None) -> str:
    if not seconds:
        return ""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
