"""Feedback requests met with the library (issue 16): which track, which reference, what kind.

The planner measures nothing. It names the track to judge (a title, or "my mix" / "it" for the
track the conversation is on), the reference and genre asked for, and whether the words ask
for a new report, a question about the last one, or a corrected master ("fix it"); the chat
layer starts the run or answers from the stored report (`chats.feedback`).

A name the ready library does not have stays in `not_found`, so the chat layer can say whether
the person's track is still being analysed or is not theirs at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intellimix.planner.revisions import resolve
from intellimix.planner.songs import EDGE_WORDS, normalize, tokenize
from intellimix.planner.turns import (
    FeedbackAsk,
    FeedbackTurn,
    LibraryTrack,
    PlannerRequest,
    SongRequest,
)

MAX_NAMED = 3  # an ambiguous name lists at most this many tracks


@dataclass(frozen=True)
class Met:
    """The words for the reply, and the request for the chat layer (None: nothing to start)."""

    text: str
    turn: FeedbackTurn | None


def meet(request: PlannerRequest, ask: FeedbackAsk, library: Mapping[str, LibraryTrack]) -> Met:
    """The feedback request resolved against the library, or what to ask the person."""
    base = FeedbackTurn(
        type=ask.type or "master",
        genre=ask.genre,
        detail=ask.detail or "detailed",
        follow_up=ask.follow_up,
        question=request.message if ask.follow_up == "question" else None,
    )
    track_id, problem = _track(ask.track, library)
    if problem is not None:
        return problem
    if track_id is None:
        track_id = in_focus(request, library)
    if track_id is None:
        return Met(_which_track(request, ask, library), None)
    reference_id, problem = _track(ask.reference, library)
    if problem is not None:
        return problem
    turn = base.model_copy(update={"track_id": track_id, "reference_track_id": reference_id})
    return Met(_text(turn, library), turn)


def in_focus(request: PlannerRequest, library: Mapping[str, LibraryTrack]) -> str | None:
    """The track 'it' and 'my mix' mean: the last report's, else the one track last talked of
    (not while a mix plan is open: 'my mix' is then the plan, which is no audio to judge)."""
    if request.feedback_track_id in library:
        return request.feedback_track_id
    focus = [t for t in dict.fromkeys(request.focus_track_ids) if t in library]
    return focus[0] if len(focus) == 1 and request.current_plan is None else None


def _track(
    song: SongRequest | None, library: Mapping[str, LibraryTrack]
) -> tuple[str | None, Met | None]:
    """The library track a name means; an unknown name is a turn with `not_found`, an
    ambiguous one a question back."""
    if song is None:
        return None, None
    track_id, candidates = resolve(song.query, song.track_id, library)
    if track_id is not None and (song.track_id or not _more_than(song.query, library[track_id])):
        return track_id, None
    if track_id is not None:  # "Warehouse Sunrise" is not "Sunrise": maybe a track not ready
        candidates = [track_id]
    named = [library[c] for c in candidates if c in library][:MAX_NAMED]
    listed = " or ".join(f'"{_name(t)}"' for t in named)
    if len(named) > 1:
        return None, Met(f"Did you mean {listed}? Say which, and I'll listen.", None)
    maybe = f" Did you mean {listed}?" if named else ""
    return None, Met(
        f'I can\'t find "{song.query}" among your analysed tracks.{maybe}',
        FeedbackTurn(not_found=[song.query]),
    )


def _more_than(query: str, track: LibraryTrack) -> set[str]:
    """Words of a name that the track's title and artist do not have ('warehouse sunrise')."""
    known = {t.text for t in tokenize(normalize(f"{track.title} {track.artist or ''}"))}
    return {t.text for t in tokenize(normalize(query))} - known - EDGE_WORDS - {"by"}


def _which_track(
    request: PlannerRequest, ask: FeedbackAsk, library: Mapping[str, LibraryTrack]
) -> str:
    if not library:
        return "Your library has no analysed track yet: add one, and I can give feedback on it."
    example = next(iter(library.values())).title
    if ask.follow_up is not None:
        return (
            "There is no feedback report in this chat yet. Ask for one first, e.g. "
            f"'give me mastering feedback on {example}'."
        )
    plan = (
        " Feedback listens to one track of your library; the mix plan here is not audio yet."
        if request.current_plan is not None
        else ""
    )
    return f"Which track should I listen to?{plan} Name it, e.g. 'mastering feedback on {example}'."


def _text(turn: FeedbackTurn, library: Mapping[str, LibraryTrack]) -> str:
    title = library[turn.track_id or ""].title
    if turn.follow_up == "question":
        return f"From the latest report on {title}:"
    if turn.follow_up == "fix":
        return f"Mastering a corrected version of {title} and judging it again."
    against = ""
    if turn.reference_track_id:
        against = f" against {library[turn.reference_track_id].title}"
    elif turn.genre:
        against = f" against the {turn.genre} target"
    return f"Listening to {title} for {turn.type} feedback{against}."


def _name(track: LibraryTrack) -> str:
    return f"{track.title} by {track.artist}" if track.artist else track.title
