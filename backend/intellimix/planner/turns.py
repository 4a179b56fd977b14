"""One planning turn: what a provider is given and what it answers (DESIGN §8).

A chat message (plus the library, the current plan, answers to earlier questions, an attached
timeline and the person's remembered preferences) goes in as a `PlannerRequest`; a
`PlannerReply` comes out: a plan draft, questions, a generation request, suggestions, a
clarification, an analysis report (a question about tracks, answered from their analysis) or
chat. Providers (`local`, `gemini`) differ only in how they read the words into a `MixIntent`;
the same deterministic builder turns any intent into a plan, so a cloud model never invents cut
points and both providers' plans obey the same rules.

`MixIntent` is also the structured-output schema given to the cloud model, so every field is
plain JSON with a description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from intellimix.planner.plan import MixPlan, Segment, TransitionType

SectionLabel = Literal["intro", "verse", "build", "drop", "chorus", "break", "bridge", "outro"]
EnergyCurve = Literal["rising", "falling", "flat", "peak"]
# What a question about tracks asks for; "all" (or nothing named) means every fact.
AnalysisFact = Literal["all", "key", "bpm", "meter", "loudness", "length", "structure"]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- what the words ask for -------------------------------------------------------------------


class SongRequest(_Model):
    """One song the message names, and which part of it to play."""

    query: str = Field(description="The song as written: title, artist, or both.")
    track_id: str | None = Field(
        default=None, description="The library track it names, when certain."
    )
    section: SectionLabel | None = Field(default=None, description="The part to play, e.g. chorus.")
    occurrence: int | None = Field(default=None, ge=1, description="2 for 'the second chorus'.")
    start_s: Finite | None = Field(
        default=None, ge=0, description="Explicit start in the track (s)."
    )
    end_s: Finite | None = Field(default=None, gt=0, description="Explicit end in the track (s).")
    end_on_section: SectionLabel | None = Field(
        default=None, description="The part the song's segment ends on ('end on its drop')."
    )


class TransitionRequest(_Model):
    """A transition the message asks for: into one song, at one boundary, or every one."""

    into: str | None = Field(
        default=None, description="The song (query or track id) it leads into."
    )
    index: int | None = Field(
        default=None,
        description="Which transition, 1-based in plan order (1 leads into the second segment); "
        "-1 is the last. None with `into` None means every transition.",
    )
    type: TransitionType | None = None
    beats: int | None = Field(
        default=None, ge=0, le=64, description="Length in beats (a bar is 4)."
    )
    change: Literal["longer", "shorter"] | None = Field(
        default=None, description="A relative length ('a longer blend') when no beats are given."
    )


class TrackSelection(_Model):
    """Tracks described instead of named: 'everything', 'my uploads', 'the last three I added',
    'the chill ones', 'the techno tracks around 125 BPM'. Empty fields do not narrow."""

    everything: bool = Field(default=False, description="Every track in the library.")
    source: Literal["upload", "generated", "demo", "url"] | None = Field(
        default=None, description="upload for 'my uploads', generated for 'the ones you made'."
    )
    newest: int | None = Field(
        default=None, ge=1, le=50, description="The N most recently added ('the last three')."
    )
    oldest: int | None = Field(
        default=None, ge=1, le=50, description="The N added first ('the first 3 I uploaded')."
    )
    genres: list[str] = Field(default_factory=list, description="e.g. techno, house, lo-fi.")
    exclude_genres: list[str] = Field(
        default_factory=list, description="Genres left out ('my uploads except the techno')."
    )
    mood: Literal["calm", "energetic"] | None = Field(
        default=None, description="calm for chill/mellow/relaxed, energetic for hype/banging."
    )
    bpm_min: Finite | None = Field(default=None, ge=40, le=250)
    bpm_max: Finite | None = Field(default=None, ge=40, le=250)
    key: str | None = Field(
        default=None, description="Tracks in this key ('everything in A minor')."
    )
    count: int | None = Field(default=None, ge=1, le=50, description="How many tracks asked for.")


EditOp = Literal[
    "reorder",  # tracks: the new order (queries or ids)
    "order_by",  # text: harmonic | tempo_up | tempo_down (energy curves are set_energy)
    "move_track",  # track (or index), position (0-based; -1 = the end)
    "set_pitch",  # track (or index; None = every track), number (semitones, relative)
    "swap",  # track, other
    "add_track",  # track (a SongRequest), position (0-based; None = at the end)
    "remove_track",  # track
    "replace_track",  # track, replacement (a SongRequest)
    "set_section",  # song (a SongRequest naming the new part)
    "set_bpm",  # number
    "set_key",  # text
    "set_duration",  # number (seconds)
    "set_lufs",  # number
    "set_transition",  # transition
    "set_energy",  # text (an EnergyCurve)
]


class EditOperation(_Model):
    """One explicit change to the current plan (a revision is a list of these)."""

    op: EditOp
    track: str | None = Field(default=None, description="The song it applies to (query or id).")
    index: int | None = Field(
        default=None,
        description="The segment it applies to by position instead of name: 1-based, -1 last.",
    )
    other: str | None = Field(default=None, description="The second song of a swap.")
    other_index: int | None = Field(default=None, description="The second segment, by position.")
    song: SongRequest | None = Field(default=None, description="The song to add / the new part.")
    tracks: list[str] = Field(default_factory=list, description="A new order, for reorder.")
    position: int | None = Field(default=None, ge=0, description="Where to add, 0-based.")
    number: Finite | None = None
    relative: Literal["add", "scale"] | None = Field(
        default=None,
        description="For set_duration: add `number` seconds (negative shortens) or scale by "
        "it; for set_bpm: add `number` BPM (negative slows) or scale the tempo by it; for "
        "set_lufs: add `number` LU (negative is quieter).",
    )
    text: str | None = None
    transition: TransitionRequest | None = None


class Navigation(_Model):
    """Undo, redo or a return to an earlier draft: a move over the thread's drafts, not a replan."""

    action: Literal["undo", "redo", "goto"]
    steps: int = Field(default=1, ge=1, le=50, description="How many changes to undo or redo.")
    draft_number: int | None = Field(
        default=None,
        ge=1,
        description="For goto: the n-th plan of the thread (1 = the first plan made); "
        "a negative reading such as 'the previous one' is expressed with undo instead.",
    )


class GenerationRequest(_Model):
    """A request to compose a new track (handed to the procedural generator's intent parser)."""

    prompt: str = Field(description="The words describing the track to generate.")


FeedbackType = Literal["mix", "master"]
FeedbackDetail = Literal["brief", "detailed"]
FollowUp = Literal["question", "fix"]


class FeedbackAsk(_Model):
    """Mix or master feedback on one track, or a follow-up about the report the chat is on."""

    track: SongRequest | None = Field(
        default=None,
        description="The track to judge as named; None for the track the conversation is "
        "about ('my mix', 'it', or the track of the last feedback report).",
    )
    reference: SongRequest | None = Field(
        default=None,
        description="A track to compare against ('compare to Night Drive', 'against X').",
    )
    type: FeedbackType | None = Field(
        default=None,
        description="master for mastering feedback (loudness, peaks, the finished master); "
        "mix for feedback on the mix; None when the words do not say.",
    )
    genre: str | None = Field(
        default=None, description="The genre to judge against, as written ('techno')."
    )
    detail: FeedbackDetail | None = Field(
        default=None, description="brief for 'quick' or 'short' feedback; None otherwise."
    )
    follow_up: FollowUp | None = Field(
        default=None,
        description="question: a question about the last report ('why is the low end muddy?', "
        "'what should I fix first?'); fix: 'fix it', a corrected master of the reported track; "
        "None for a new report.",
    )


class MixIntent(_Model):
    """What one message asks for, before it meets the library."""

    action: Literal[
        "mix", "revise", "navigate", "generate", "suggest", "analyze", "feedback", "chat"
    ] = Field(
        description="mix: a new plan; revise: change the current plan; navigate: undo, redo or "
        "go back to an earlier plan; generate: compose a new track; suggest: recommend tracks; "
        "analyze: a question about library tracks (their key, BPM, loudness, length or "
        "sections, or how well two of them fit), answered from their analysis without planning "
        "anything; feedback: mix or mastering feedback on one track (optionally against a "
        "reference track or a genre), a question about that report, or 'fix it' after one; "
        "chat: nothing to plan (greetings, thanks, off-topic questions)."
    )
    songs: list[SongRequest] = Field(
        default_factory=list,
        description="The songs named; for analyze, the tracks asked about, in the order named.",
    )
    selection: TrackSelection | None = Field(
        default=None,
        description="For a mix that names no songs (or adds to them): the tracks described.",
    )
    order_fixed: bool = Field(default=False, description="True when the words fix the song order.")
    duration_s: Finite | None = Field(default=None, gt=0, le=3600)
    bpm: Finite | None = Field(default=None, ge=60, le=200)
    key: str | None = Field(default=None, description="Target key, e.g. 'A minor' or '8A'.")
    lufs: Finite | None = Field(default=None, ge=-30, le=-5)
    transitions: list[TransitionRequest] = Field(default_factory=list)
    energy: EnergyCurve | None = None
    use_case: str | None = Field(
        default=None, description="e.g. workout, warm-up set, dinner party."
    )
    generation: GenerationRequest | None = None
    edits: list[EditOperation] = Field(default_factory=list)
    suggest_count: int | None = Field(default=None, ge=1, le=20)
    asked: list[AnalysisFact] = Field(
        default_factory=list,
        description="For analyze: the facts asked about (key, bpm, loudness, length, "
        "structure = sections); 'all' or empty for everything.",
    )
    navigation: Navigation | None = Field(default=None, description="For navigate.")
    feedback: FeedbackAsk | None = Field(default=None, description="For feedback.")


# --- what a provider is given -----------------------------------------------------------------


class LibrarySection(_Model):
    label: str
    start_s: float
    end_s: float
    energy: float | None = None


class LibraryTrack(_Model):
    """What the planner knows about one analysed library track."""

    id: str
    title: str
    artist: str | None = None
    duration_s: float
    bpm: float | None = None
    meter: str | None = None  # "4/4", "3/4" or "6/8" (dotted-quarter beats), as analysed
    key: str | None = None
    genre: str | None = None
    source: str | None = None  # upload | generated | demo | url
    added_at: datetime | None = None
    energy: float | None = None  # 0..1, the track's mean
    lufs_integrated: float | None = None  # measured loudness (LUFS)
    true_peak_db: float | None = None  # measured true peak (dBTP)
    sections: list[LibrarySection] = Field(default_factory=list)
    downbeats: list[float] = Field(default_factory=list)
    phrase_starts: list[float] = Field(default_factory=list)


class QuestionOption(_Model):
    id: str
    label: str
    description: str | None = None


class Question(_Model):
    question_id: str
    question: str
    options: list[QuestionOption]
    allow_other: bool = True
    # Several options may be chosen (tracks for a mix); an "all" option is then offered too.
    multi_select: bool = False


class Answer(_Model):
    question_id: str
    selected_option_id: str | None = None
    selected_option_ids: list[str] = Field(default_factory=list)  # for a multi_select question
    other_text: str | None = None


class Preferences(_Model):
    """Remembered defaults learned from approved plans (all optional)."""

    bpm_range: tuple[float, float] | None = None
    transition_type: TransitionType | None = None
    transition_beats: int | None = None
    duration_s: float | None = None
    lufs: float | None = None
    genres: list[str] = Field(default_factory=list)


class PlannerRequest(_Model):
    message: str
    library: list[LibraryTrack]
    current_plan: MixPlan | None = None  # the draft or version being revised
    pending_questions: list[Question] = Field(default_factory=list)
    answers: list[Answer] = Field(default_factory=list)
    attached_segments: list[Segment] | None = None  # a timeline edited in the UI
    preferences: Preferences | None = None
    # The person's previous messages in this chat, oldest first.
    recent_messages: list[str] = Field(default_factory=list)
    # What "it", "that one" and "those" point at: the tracks the last answer was about (a
    # question's tracks, suggestions, a track just added), and the plan before the current one
    # (so "put it back" knows what was taken out).
    focus_track_ids: list[str] = Field(default_factory=list)
    previous_plan: MixPlan | None = None
    # The track of the feedback report the last answer gave or answered from: "why is the low
    # end muddy?", "what should I fix first?" and "fix it" are about its report.
    feedback_track_id: str | None = None


# --- what a provider answers ------------------------------------------------------------------


class Suggestion(_Model):
    track_id: str
    score: float
    reasons: list[str]


class TransitionCompatibility(_Model):
    """How well two neighbouring segments fit: key relation, tempo ratio, a 0..1 score."""

    from_segment: str
    to_segment: str
    key_relation: str | None
    semitone_shift: int | None
    tempo_ratio: float | None
    score: float


class TrackComparison(_Model):
    """How well one library track follows another: key relation, tempo, a 0..1 score."""

    from_track: str
    to_track: str
    key_relation: str | None  # tonal.key_relation's name: same, relative, ..., clash
    compatible_keys: bool | None
    semitone_shift: int | None  # the pitch shift of to_track that would fit (0 when it does)
    tempo_ratio: float | None  # to_track's BPM / from_track's
    stretch: float | None  # the relative time-stretch a blend needs, half/double time counted
    half_double: bool = False
    score: float


def _every_fact() -> list[AnalysisFact]:
    return ["all"]


class AnalysisReport(_Model):
    """What an analysis question asked about: tracks found, facts asked, names not found."""

    track_ids: list[str] = Field(default_factory=list)
    asked: list[AnalysisFact] = Field(default_factory=_every_fact)
    not_found: list[str] = Field(default_factory=list)  # names the library has no track for
    compatibility: list[TrackComparison] = Field(default_factory=list)  # neighbours, as named


class FeedbackTurn(_Model):
    """A feedback request met with the library: what the chat layer starts or answers from."""

    track_id: str | None = None  # None: the track named is not in the library (`not_found`)
    reference_track_id: str | None = None
    type: FeedbackType = "master"
    genre: str | None = None  # as written; the feedback service checks it
    detail: FeedbackDetail = "detailed"
    follow_up: FollowUp | None = None
    question: str | None = None  # a follow-up's words, answered from the report
    not_found: list[str] = Field(default_factory=list)  # names no ready library track has


class PlannerReply(_Model):
    kind: Literal[
        "draft",
        "questions",
        "generate",
        "suggestions",
        "clarification",
        "analysis",
        "feedback",
        "chat",
        "navigate",
    ]
    text: str  # what the assistant says, in a sentence or three
    intent: MixIntent
    plan: MixPlan | None = None
    operations: list[EditOperation] = Field(default_factory=list)  # applied, for a revision
    questions: list[Question] = Field(default_factory=list)
    generation: GenerationRequest | None = None
    suggestions: list[Suggestion] = Field(default_factory=list)
    analysis: AnalysisReport | None = None
    feedback: FeedbackTurn | None = None
    compatibility: list[TransitionCompatibility] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    provider: Literal["local", "gemini"] = "local"
    fallback_reason: str | None = None  # set when the cloud failed and local answered
    navigation: Navigation | None = None  # for kind "navigate": the chat layer moves the draft
    # Songs the person asked for that the library does not have (the chat layer may search for
    # them and offer to import them).
    unresolved_songs: list[str] = Field(default_factory=list)
