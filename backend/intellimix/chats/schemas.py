"""Request bodies of the /mix-chats routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from intellimix.planner.plan import TransitionType

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
OtherText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=600)]
QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=4000)]  # carries an intent
RawSegments = Annotated[list[dict[str, Any]], Field(min_length=1, max_length=64)]
TimelineResolution = Literal["keep_attached_cuts", "replan_with_prompt", "replace_timeline"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ThreadCreate(_Strict):
    title: Title | None = None
    initial_prompt: Prompt | None = None


class ThreadPatch(_Strict):
    title: Title | None = None
    archived: bool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ThreadPatch:
        if not self.model_fields_set:
            raise ValueError("send at least one of title, archived")
        if any(getattr(self, name) is None for name in self.model_fields_set):
            raise ValueError("title and archived cannot be null")
        return self


class TimelineAttachment(_Strict):
    """An edited timeline: segments in MixPlan form or the IntelliMix client's form."""

    model_config = ConfigDict(extra="ignore", strict=True)  # clients add editor-only fields

    type: Literal["timeline_snapshot"]
    source_version_id: Id | None = None
    draft_id: Id | None = None
    segments: RawSegments
    editor_metadata: dict[str, Any] | None = None


OptionId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AnswerIn(_Strict):
    """One answer: an option (`selected_option_id`), several options of a multi-select
    question (`selected_option_ids`), words (`other_text`), or options and words."""

    question_id: QuestionId
    selected_option_id: Annotated[str, Field(max_length=200)] | None = None
    selected_option_ids: Annotated[list[OptionId], Field(max_length=64)] = Field(
        default_factory=list
    )
    other_text: OtherText | None = None

    @field_validator("selected_option_id", "other_text")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # The web client sends "" for whichever half of an answer the person left empty.
        return value or None

    @field_validator("selected_option_ids")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _answers_something(self) -> AnswerIn:
        chose = self.selected_option_id is not None or self.selected_option_ids
        if not chose and self.other_text is None:
            raise ValueError("give selected_option_id, selected_option_ids or other_text")
        return self

    @property
    def chosen(self) -> list[str]:
        """Every option chosen, the single one first."""
        single = [self.selected_option_id] if self.selected_option_id else []
        return list(dict.fromkeys([*single, *self.selected_option_ids]))


class PlanningResponse(_Strict):
    draft_id: Id
    answers: Annotated[list[AnswerIn], Field(min_length=1, max_length=20)]


class PlanningAction(_Strict):
    draft_id: Id
    action: Literal["approve_plan", "revise_plan"]
    revision_prompt: Prompt | None = None

    @model_validator(mode="after")
    def _revision_has_words(self) -> PlanningAction:
        if self.action == "revise_plan" and self.revision_prompt is None:
            raise ValueError("revise_plan needs a revision_prompt")
        return self


class MessageCreate(BaseModel):
    """Exactly one of: words (with an optional attached timeline), answers, or an action.

    Unknown fields are ignored, because the IntelliMix web client sends some of its own
    (`mode`, `revision_mode`); of those, `draft_id` (the draft the words are about) and
    `planning_target: new_draft` (plan from scratch) are honoured.
    """

    model_config = ConfigDict(extra="ignore", strict=True)

    content: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None
    attachments: Annotated[list[TimelineAttachment], Field(max_length=1)] | None = None
    timeline_resolution: TimelineResolution | None = None
    draft_id: Id | None = None
    planning_target: Literal["auto", "existing_draft", "new_draft"] | None = None
    planning_response: PlanningResponse | None = None
    planning_action: PlanningAction | None = None

    @model_validator(mode="after")
    def _exactly_one_mode(self) -> MessageCreate:
        words = self.content is not None or bool(self.attachments)
        given = [words, self.planning_response is not None, self.planning_action is not None]
        if sum(given) != 1:
            raise ValueError(
                "send exactly one of: content (with optional attachments), "
                "planning_response, planning_action"
            )
        if words and not self.content and not self.attachments:
            raise ValueError("content is empty: write something or attach a timeline")
        if self.timeline_resolution is not None and not self.attachments:
            raise ValueError("timeline_resolution answers about an attached timeline: attach it")
        return self

    @property
    def mode(self) -> str:
        if self.planning_response is not None:
            return "planning_response"
        return "planning_action" if self.planning_action is not None else "content"


class RerenderRequest(_Strict):
    """`POST …/versions/<vid>/render`: `force` renders again even when nothing changed."""

    force: bool = False


class EditRunCreate(_Strict):
    segments: RawSegments
    note: Prompt | None = None


Bpm = Annotated[float, Field(ge=60, le=200, allow_inf_nan=False)]
Genres = Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=20)]


class MemoryPatch(BaseModel):
    """`PATCH /mix-memory`: the preferences to set; null forgets one."""

    model_config = ConfigDict(extra="forbid")

    bpm_range: tuple[Bpm, Bpm] | None = None
    transition_type: TransitionType | None = None
    transition_beats: Annotated[int, Field(ge=1, le=64)] | None = None
    duration_s: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] | None = None
    lufs: Annotated[float, Field(ge=-30, le=-5, allow_inf_nan=False)] | None = None
    genres: Genres | None = None
    # A setting, not a learned preference: a song asked for that is not in the library is
    # imported (its best search result) without asking first.
    import_automatically: bool | None = None

    @field_validator("bpm_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError("the range's low end must not be above its high end")
        return value
