"""Generation intent (DESIGN §8): a free-text prompt read as a `GenerationSpec`.

The local, deterministic reading of "dark techno in F minor at 132 bpm, 3 minutes, with pads":
genre, bpm, key and mode, mood, energy, instruments, arrangement, duration and seed. Values
written in the prompt always win; the genre's defaults fill in the rest. Every default and every
clamp is recorded in `GenerationSpec.notes`, so the assistant can say what it assumed.

Rules for bad input, applied consistently:

* numbers out of range (a bpm of 999, a duration of 3 hours, an energy of 150%) are clamped to
  the nearest allowed value, with a note;
* values that cannot be clamped (an empty or oversized prompt, a key such as "H major", a
  negative seed) raise `PromptError`, a `ValueError` with a stable `code`, the `field` at fault and
  a `message` safe to show a person.

Matching ignores case and accents ("Café", "LO-FI", "Drum & Bass" all read). The seed is the one
given, else a stable hash (SHA-256) of the normalized prompt, so the same prompt always gives the
same spec.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intellimix.audio.tonal import InvalidKey, key_name, normalize_key, parse_key

GenreId = Literal[
    "house",
    "techno",
    "drum_and_bass",
    "dubstep",
    "hip_hop",
    "lo_fi",
    "trap",
    "ambient",
    "pop",
    "synthwave",
]
Mode = Literal["major", "minor"]

MAX_PROMPT_CHARS = 2000
MIN_BPM, MAX_BPM = 60.0, 200.0
MIN_DURATION_S, MAX_DURATION_S = 15.0, 600.0
BEATS_PER_BAR = 4  # everything generated is in 4/4
PHRASE_BARS = 8
# Tracks shorter than three 8-bar phrases (a 30-second sketch at 80 bpm) are built from 4-bar
# phrases instead, so a short request gets a short track rather than a minute and a half.
SHORT_PHRASE_BARS = 4
# A requested length that whole phrases at the default tempo miss by more than this moves the
# tempo (when none was asked for) instead: see `_tempo_for_length`.
DURATION_FIT = 0.05
MAX_SEED = 2**63 - 1
DEFAULT_GENRE: GenreId = "house"


class PromptError(ValueError):
    """A prompt (or argument) that cannot be read or clamped into a GenerationSpec."""

    status = 422

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


# --- genres -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenreProfile:
    id: GenreId
    label: str
    bpm_range: tuple[float, float]
    bpm: float
    key: str  # house spelling, e.g. "A minor"
    mood: str
    energy: float
    instruments: tuple[str, ...]
    arrangement: tuple[tuple[str, int], ...]  # (section, bars), bars in whole 8-bar phrases
    aliases: tuple[str, ...]  # normalized spellings (lower case, no accents, "-" read as " ")

    def arrangement_bars(self) -> int:
        return sum(bars for _, bars in self.arrangement)


GENRES: dict[GenreId, GenreProfile] = {
    g.id: g
    for g in (
        GenreProfile(
            id="house",
            label="house",
            bpm_range=(118, 130),
            bpm=124,
            key="A minor",
            mood="groovy",
            energy=0.7,
            instruments=("kick", "clap", "hi-hats", "bassline", "chord stabs", "pads"),
            arrangement=(
                ("intro", 16),
                ("build", 8),
                ("drop", 32),
                ("break", 16),
                ("build", 8),
                ("drop", 32),
                ("outro", 16),
            ),
            aliases=(
                "house",
                "deep house",
                "tech house",
                "progressive house",
                "future house",
                "afro house",
                "disco house",
                "french house",
            ),
        ),
        GenreProfile(
            id="techno",
            label="techno",
            bpm_range=(125, 140),
            bpm=130,
            key="F minor",
            mood="dark",
            energy=0.8,
            instruments=("kick", "rumble bass", "hi-hats", "percussion", "synth stabs"),
            arrangement=(
                ("intro", 16),
                ("build", 16),
                ("drop", 32),
                ("break", 16),
                ("drop", 32),
                ("outro", 16),
            ),
            aliases=(
                "techno",
                "minimal techno",
                "hard techno",
                "industrial techno",
                "melodic techno",
                "acid techno",
            ),
        ),
        GenreProfile(
            id="drum_and_bass",
            label="drum & bass",
            bpm_range=(160, 180),
            bpm=174,
            key="D minor",
            mood="energetic",
            energy=0.85,
            instruments=("breakbeat", "sub bass", "reese bass", "pads"),
            arrangement=(
                ("intro", 16),
                ("build", 16),
                ("drop", 32),
                ("break", 16),
                ("build", 8),
                ("drop", 32),
                ("outro", 16),
            ),
            aliases=(
                "drum and bass",
                "drum & bass",
                "drum n bass",
                "drum and base",
                "drumnbass",
                "dnb",
                "d&b",
                "d and b",
                "d n b",
                "jungle",
                "liquid dnb",
                "liquid drum and bass",
                "neurofunk",
            ),
        ),
        GenreProfile(
            id="dubstep",
            label="dubstep",
            bpm_range=(135, 150),
            bpm=140,
            key="E minor",
            mood="aggressive",
            energy=0.9,
            instruments=("half-time drums", "sub bass", "wobble bass", "growl bass"),
            arrangement=(
                ("intro", 16),
                ("build", 8),
                ("drop", 16),
                ("break", 16),
                ("build", 8),
                ("drop", 16),
                ("outro", 16),
            ),
            aliases=("dubstep", "brostep", "riddim", "dub step"),
        ),
        GenreProfile(
            id="hip_hop",
            label="hip hop",
            bpm_range=(80, 100),
            bpm=90,
            key="C minor",
            mood="groovy",
            energy=0.6,
            instruments=("boom bap drums", "bass", "piano", "vinyl samples"),
            arrangement=(
                ("intro", 8),
                ("verse", 16),
                ("hook", 8),
                ("verse", 16),
                ("hook", 8),
                ("outro", 8),
            ),
            aliases=("hip hop", "hiphop", "rap", "boom bap", "boombap"),
        ),
        GenreProfile(
            id="lo_fi",
            label="lo-fi",
            bpm_range=(70, 90),
            bpm=80,
            key="F major",
            mood="chill",
            energy=0.3,
            instruments=("dusty drums", "electric piano", "bass", "vinyl crackle"),
            arrangement=(("intro", 8), ("main", 16), ("break", 8), ("main", 16), ("outro", 8)),
            aliases=("lo fi", "lofi", "lo fi hip hop", "lofi hip hop", "chillhop", "low fi"),
        ),
        GenreProfile(
            id="trap",
            label="trap",
            bpm_range=(130, 160),
            bpm=140,
            key="C# minor",
            mood="dark",
            energy=0.75,
            instruments=("808", "hi-hat rolls", "snare", "bells"),
            arrangement=(
                ("intro", 8),
                ("build", 8),
                ("drop", 16),
                ("break", 8),
                ("build", 8),
                ("drop", 16),
                ("outro", 8),
            ),
            aliases=("trap", "drill", "trap beat"),
        ),
        GenreProfile(
            id="ambient",
            label="ambient",
            bpm_range=(60, 90),
            bpm=70,
            key="D major",
            mood="dreamy",
            energy=0.2,
            instruments=("pads", "drones", "textures", "piano"),
            arrangement=(("intro", 16), ("main", 32), ("break", 16), ("outro", 16)),
            aliases=("ambient", "drone music", "soundscape", "new age"),
        ),
        GenreProfile(
            id="pop",
            label="pop",
            bpm_range=(95, 130),
            bpm=116,
            key="C major",
            mood="happy",
            energy=0.7,
            instruments=("drums", "bass", "piano", "synth", "vocal chops"),
            arrangement=(
                ("intro", 8),
                ("verse", 16),
                ("chorus", 16),
                ("verse", 16),
                ("chorus", 16),
                ("bridge", 8),
                ("chorus", 16),
                ("outro", 8),
            ),
            aliases=("pop", "synthpop", "synth pop", "electropop", "k pop", "kpop", "dance pop"),
        ),
        GenreProfile(
            id="synthwave",
            label="synthwave",
            bpm_range=(80, 118),
            bpm=100,
            key="A minor",
            mood="nostalgic",
            energy=0.6,
            instruments=("gated drums", "analog bass", "arp", "pads", "lead synth"),
            arrangement=(
                ("intro", 16),
                ("verse", 16),
                ("chorus", 16),
                ("break", 8),
                ("chorus", 16),
                ("outro", 16),
            ),
            aliases=("synthwave", "synth wave", "outrun", "retrowave", "retro wave", "darksynth"),
        ),
    )
}

# --- moods, energy and instruments ------------------------------------------------------------

MOODS: dict[str, float] = {  # canonical mood -> typical energy
    "dark": 0.7,
    "happy": 0.7,
    "chill": 0.3,
    "melancholic": 0.35,
    "energetic": 0.9,
    "dreamy": 0.25,
    "aggressive": 0.95,
    "uplifting": 0.75,
    "groovy": 0.65,
    "romantic": 0.4,
    "epic": 0.85,
    "mysterious": 0.45,
    "nostalgic": 0.55,
    "euphoric": 0.9,
}

_MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "dark": ("dark", "darker", "sinister", "ominous", "moody", "gritty", "brooding", "gloomy"),
    "happy": ("happy", "joyful", "cheerful", "fun", "sunny", "feel good", "playful", "bright"),
    "chill": (
        "chill",
        "chilled",
        "chillout",
        "relaxed",
        "relaxing",
        "calm",
        "laid back",
        "mellow",
        "peaceful",
        "cozy",
        "study",
    ),
    "melancholic": (
        "melancholic",
        "melancholy",
        "sad",
        "bittersweet",
        "somber",
        "sombre",
        "wistful",
        "emotional",
    ),
    "energetic": ("energetic", "upbeat", "hype", "pumping", "driving", "party", "lively"),
    "dreamy": ("dreamy", "ethereal", "atmospheric", "floaty", "spacey", "spacy", "hazy"),
    "aggressive": ("aggressive", "angry", "heavy", "brutal", "menacing", "hard hitting", "filthy"),
    "uplifting": ("uplifting", "hopeful", "inspiring", "anthemic"),
    "groovy": ("groovy", "funky", "bouncy"),
    "romantic": ("romantic", "sensual", "sexy", "love"),
    "epic": ("epic", "cinematic", "triumphant", "massive"),
    "mysterious": ("mysterious", "eerie", "hypnotic", "spooky"),
    "nostalgic": ("nostalgic", "retro", "vintage", "80s", "eighties"),
    "euphoric": ("euphoric", "ecstatic", "blissful"),
}

_ENERGY_WORDS: dict[str, float] = {
    "high energy": 0.9,
    "intense": 0.9,
    "peak time": 0.9,
    "banging": 0.9,
    "full power": 0.95,
    "low energy": 0.25,
    "gentle": 0.3,
    "soft": 0.3,
    "subtle": 0.35,
    "medium energy": 0.55,
}

# When no genre is named, a mood points at one.
_MOOD_GENRE: dict[str, GenreId] = {
    "dark": "techno",
    "happy": "pop",
    "chill": "lo_fi",
    "melancholic": "lo_fi",
    "energetic": "drum_and_bass",
    "dreamy": "ambient",
    "aggressive": "dubstep",
    "uplifting": "house",
    "groovy": "house",
    "nostalgic": "synthwave",
    "euphoric": "house",
}

INSTRUMENTS: dict[str, tuple[str, ...]] = {  # canonical name -> normalized spellings
    "808": ("808", "808s", "808 bass", "tr 808"),
    "wobble bass": ("wobble bass", "wobble", "wobbles", "wub", "wubs"),
    "reese bass": ("reese", "reese bass", "reeses"),
    "sub bass": ("sub bass", "subs", "sub"),
    "growl bass": ("growl", "growls", "growl bass"),
    "acid bass": ("303", "tb 303", "acid bass", "acid line", "acid bassline"),
    "bassline": ("bassline", "bass line"),
    "bass guitar": ("bass guitar", "slap bass"),
    "piano": ("piano", "pianos", "grand piano"),
    "electric piano": ("electric piano", "e piano", "rhodes", "wurlitzer", "keys"),
    "organ": ("organ", "organs"),
    "pads": ("pad", "pads", "synth pad", "synth pads"),
    "arp": ("arp", "arps", "arpeggio", "arpeggios", "arpeggiator", "arpeggiated synth"),
    "strings": ("string", "strings", "violin", "violins", "cello", "string section"),
    "guitar": ("guitar", "guitars", "electric guitar", "acoustic guitar"),
    "vocal chops": ("vocal chops", "vocal chop", "chops", "vocals", "vocal", "vox"),
    "choir": ("choir", "choirs"),
    "saxophone": ("sax", "saxophone"),
    "brass": ("brass", "horns", "horn section", "trumpet", "trumpets"),
    "flute": ("flute", "flutes"),
    "bells": ("bell", "bells"),
    "plucks": ("pluck", "plucks"),
    "supersaw": ("supersaw", "supersaws"),
    "lead synth": ("lead", "lead synth", "synth lead"),
    "breakbeat": ("breakbeat", "breakbeats", "breaks", "amen", "amen break"),
    "hi-hat rolls": ("hi hat rolls", "hat rolls", "hihat rolls"),
    "percussion": ("percussion", "congas", "bongos", "shakers"),
    "vinyl crackle": ("vinyl crackle", "vinyl", "crackle", "tape hiss"),
    "drones": ("drone", "drones"),
    "marimba": ("marimba", "kalimba"),
    "harp": ("harp",),
    "cowbell": ("cowbell",),
}

# --- the spec ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Section(_Model):
    section: Annotated[str, Field(min_length=1, max_length=40)]
    bars: Annotated[int, Field(ge=SHORT_PHRASE_BARS, multiple_of=SHORT_PHRASE_BARS)]


class GenerationSpec(_Model):
    genre: GenreId
    bpm: Annotated[float, Field(ge=MIN_BPM, le=MAX_BPM, allow_inf_nan=False)]
    key: str  # house spelling, e.g. "F# minor"
    mode: Mode
    mood: str
    energy: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    instruments: Annotated[list[str], Field(min_length=1)]
    structure: Annotated[list[Section], Field(min_length=3)]
    duration_s: Annotated[float, Field(ge=MIN_DURATION_S, le=MAX_DURATION_S, allow_inf_nan=False)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> GenerationSpec:
        try:
            spelled = normalize_key(self.key)
        except InvalidKey as exc:
            raise ValueError(str(exc)) from exc
        if spelled != self.key:
            raise ValueError(f"key must be spelled {spelled!r}")
        if not self.key.endswith(self.mode):
            raise ValueError("mode must match the key")
        if abs(bars_to_seconds(self.total_bars, self.bpm) - self.duration_s) > 0.01:
            raise ValueError("duration_s must be the structure's length at bpm")
        return self

    @property
    def total_bars(self) -> int:
        return sum(s.bars for s in self.structure)


def bars_to_seconds(bars: int, bpm: float) -> float:
    return bars * BEATS_PER_BAR * 60.0 / bpm


# --- normalization and matching helpers -------------------------------------------------------


def _fold(text: str) -> str:
    """Accents stripped and whitespace collapsed; case kept (key names need it: "Am")."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def _normalize(folded: str) -> str:
    """Lower case, apostrophes dropped, hyphens and underscores read as spaces."""
    text = folded.casefold().replace("'", "").replace("’", "")
    text = re.sub(r"[-_–—]+", " ", text)
    return " ".join(text.split())


def _phrase_regex(spellings: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation over every spelling, longest first, bounded by non-alphanumerics."""
    lookup = {spelling: name for name, group in spellings.items() for spelling in group}
    ordered = sorted(lookup, key=len, reverse=True)
    alternation = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in ordered)
    return re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])"), lookup


_GENRE_RE, _GENRE_LOOKUP = _phrase_regex({g.id: g.aliases for g in GENRES.values()})
_MOOD_RE, _MOOD_LOOKUP = _phrase_regex(_MOOD_WORDS)
_ENERGY_WORD_RE, _ = _phrase_regex({w: (w,) for w in _ENERGY_WORDS})
_INSTRUMENT_RE, _INSTRUMENT_LOOKUP = _phrase_regex(INSTRUMENTS)
_NEGATION_RE = re.compile(r"(?:^|[^a-z0-9])(?:no|without|minus|skip)\s+(?:the\s+|any\s+)?$")


def _spelling(match: re.Match[str]) -> str:
    return " ".join(match.group(0).split())


# --- bpm --------------------------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
_NOT_A_TEMPO = r"(?!\s*(?:%|:|min|sec|hour|hr|h\b|bar|beat|am\b|pm\b|o\s?clock))"
_BPM_RES = (
    re.compile(rf"(?<![\w.])({_NUM})\s*(?:bpm|b\.p\.m\.?|beats\s+per\s+minute)(?![a-z])"),
    re.compile(rf"(?<![a-z])(?:bpm|tempo)\s*(?:of|is|=|:|at|@)?\s*({_NUM})(?![\w.]){_NOT_A_TEMPO}"),
    re.compile(rf"(?<![a-z])(?:at|@)\s*(\d{{2,3}}(?:\.\d+)?)(?![\w.:]){_NOT_A_TEMPO}"),
)


def find_bpm(text: str) -> tuple[float, str] | None:
    """(bpm, text as written) of the first tempo in normalized text, e.g. 'at 124', '128bpm'."""
    found = [m for rx in _BPM_RES for m in rx.finditer(text)]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    return float(first.group(1)), _spelling(first)


# --- key --------------------------------------------------------------------------------------

_KEY_PREFIX = r"(?<![A-Za-z])(?i:in\s+the\s+key\s+of|in\s+key\s+of|key\s+of|in|key)\s*:?\s*"
_ACC = r"[#♯b♭]"
_MODE_WORD = r"(?i:major|minor|maj|min)(?![A-Za-z])"
_KEY_RES = (
    # "in F# minor", "key of h major": any letter, so a nonexistent key is caught and reported.
    re.compile(rf"{_KEY_PREFIX}(?P<letter>[A-Za-z])\s*(?P<acc>{_ACC}?)\s*(?P<mode>{_MODE_WORD})"),
    # "in F#", "in Bbm", "in A": a capital key letter, optional accidental and attached "m".
    re.compile(rf"{_KEY_PREFIX}(?P<letter>[A-G])(?P<acc>{_ACC}?)(?P<mode>m?)(?![\w#♯♭])"),
    # "Bb major", "A min", "f# minor" anywhere (a lower-case letter needs its accidental).
    re.compile(
        rf"(?<![\w#♯♭])(?:(?P<letter>[A-G])(?P<acc>{_ACC}?)|(?P<letter2>[a-g])(?P<acc2>[#♯♭b]))"
        rf"\s*(?P<mode>{_MODE_WORD})"
    ),
    # "Am", "F#m", "Bbm"
    re.compile(rf"(?<![\w#♯♭])(?P<letter>[A-G])(?P<acc>{_ACC}?)(?P<mode>m)(?![\w#♯♭])"),
    # Camelot "8A", "11b"
    re.compile(r"(?<![\w.:#])(?P<camelot>(?:1[0-2]|0?[1-9])[ABab])(?![\w#♯♭])"),
)


def find_key(folded: str) -> tuple[str, str] | None:
    """(house spelling, text as written) of the first key in the prompt; PromptError if invalid."""
    found = [m for rx in _KEY_RES for m in rx.finditer(folded)]
    if not found:
        return None
    first = min(found, key=lambda m: (m.start(), -len(m.group(0))))
    groups = first.groupdict()
    if groups.get("camelot"):
        text = groups["camelot"]
    else:
        letter = groups.get("letter") or groups.get("letter2") or ""
        acc = groups.get("acc") or groups.get("acc2") or ""
        mode = groups.get("mode") or ""
        text = f"{letter}{acc}m" if mode == "m" else f"{letter}{acc} {mode}".strip()
    written = _spelling(first)
    try:
        return normalize_key(text), written
    except InvalidKey as exc:
        raise PromptError(
            "INVALID_KEY",
            f"'{written[:40]}' is not a key; write it like 'F# minor', 'Bb major', 'Am' or '8A'.",
            field="key",
        ) from exc


# --- duration ---------------------------------------------------------------------------------

_WORD_NUMBERS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "half a": 0.5,
    "half an": 0.5,
}
_DNUM = r"\d+(?:\.\d+)?|half\s+an?|an?|one|two|three|four|five|six|seven|eight|nine|ten"
_H = r"(?:hours?|hrs?|h)(?![a-z])"
_M = r"(?:minutes?|mins?)(?![a-z])"
_S = r"(?:seconds?|secs?)(?![a-z])"
_AND = r"\s*(?:,\s*|and\s+)?"
_HALF = r"(?:\s+and\s+a\s+half)?"  # "two and a half minutes", "a minute and a half"
_DURATION_RE = re.compile(
    rf"(?<![\w.])(?:"
    rf"(?P<h1>{_DNUM})(?P<hh>{_HALF})\s*{_H}(?P<ht>{_HALF})"
    rf"(?:{_AND}(?P<m1>{_DNUM})\s*{_M})?(?:{_AND}(?P<s1>{_DNUM})\s*{_S})?"
    rf"|(?P<m2>{_DNUM})(?P<mh>{_HALF})\s*{_M}(?P<mt>{_HALF})(?:{_AND}(?P<s2>{_DNUM})\s*{_S})?"
    rf"|(?P<s3>{_DNUM})\s*{_S})"
)
_CLOCK_RE = re.compile(r"(?<![\w:.])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\w:])")


def _number(text: str) -> float:
    word = " ".join(text.split())
    return _WORD_NUMBERS[word] if word in _WORD_NUMBERS else float(word)


def find_duration(text: str) -> tuple[float, str] | None:
    """(seconds, text as written) of the first duration in normalized text, e.g. '2 min', '3:30'."""
    found: list[tuple[int, float, str]] = []
    for m in _DURATION_RE.finditer(text):
        g = m.groupdict()
        hours = _number(g["h1"]) + (0.5 if g["hh"] or g["ht"] else 0.0) if g["h1"] else 0.0
        minutes = next((_number(g[k]) for k in ("m1", "m2") if g[k]), 0.0)
        minutes += 0.5 if g["m2"] and (g["mh"] or g["mt"]) else 0.0
        seconds = next((_number(g[k]) for k in ("s1", "s2", "s3") if g[k]), 0.0)
        found.append((m.start(), hours * 3600 + minutes * 60 + seconds, _spelling(m)))
    for m in _CLOCK_RE.finditer(text):
        a, b, c = int(m.group(1)), int(m.group(2)), m.group(3)
        total = a * 3600 + b * 60 + int(c) if c else a * 60 + b
        found.append((m.start(), float(total), m.group(0)))
    if not found:
        return None
    _, seconds, written = min(found)
    return seconds, written


# --- energy -----------------------------------------------------------------------------------

_ENERGY_RE = re.compile(
    rf"(?<![a-z])energy\s*(?:level\s*)?(?:of|is|=|:|at)?\s*({_NUM})\s*(%|/\s*10(?!\d)|/\s*100)?"
)


def _find_energy(text: str, notes: list[str]) -> float | None:
    m = _ENERGY_RE.search(text)
    if m:
        value, scale = float(m.group(1)), (m.group(2) or "").replace(" ", "")
        if scale in ("%", "/100"):
            value /= 100
        elif scale == "/10" or 1 < value <= 10:
            value /= 10
        elif value > 10:
            value /= 100
        if value > 1:
            notes.append(f"energy {_spelling(m)} clamped to 1.0")
            value = 1.0
        return round(value, 3)
    words = [(w.start(), _ENERGY_WORDS[_spelling(w)]) for w in _ENERGY_WORD_RE.finditer(text)]
    return min(words)[1] if words else None


# --- arrangement ------------------------------------------------------------------------------

_SECTION_PRIORITY = {"drop": 3, "chorus": 3, "hook": 3, "main": 3, "build": 2, "verse": 2}
_LOW_PRIORITY = {"break": 1, "bridge": 1}


def _priority(name: str) -> int:
    return _SECTION_PRIORITY.get(name, _LOW_PRIORITY.get(name, 2))


def fit_arrangement(
    arrangement: tuple[tuple[str, int], ...] | list[tuple[str, int]],
    phrases: int,
    *,
    phrase_bars: int = PHRASE_BARS,
) -> list[tuple[str, int]]:
    """The arrangement stretched or shrunk to `phrases` phrases of `phrase_bars` (at least 3).

    Growing repeats the middle (everything between intro and outro), then lengthens the most
    important sections (drops, choruses) by a phrase each. Shrinking shortens the longest
    sections first, then drops the least important middle sections (breaks before builds before
    drops); the intro, the outro and one main section always stay.
    """
    phrases = max(phrases, 3)
    names = [name for name, _ in arrangement]
    counts = [bars // phrase_bars for _, bars in arrangement]
    total = sum(counts)
    if phrases > total:
        block_names, block_counts = names[1:-1], counts[1:-1]
        block_len = sum(block_counts)
        while block_len and total + block_len <= phrases:
            names[-1:-1] = block_names
            counts[-1:-1] = block_counts
            total += block_len
        inner = range(1, len(names) - 1)
        order = sorted(inner, key=lambda i: (-_priority(names[i]), i))
        for n in range(phrases - total):
            counts[order[n % len(order)]] += 1
        total = phrases
    while total > phrases and any(c > 1 for c in counts):
        i = max(range(len(counts)), key=lambda i: (counts[i], -_priority(names[i]), i))
        counts[i] -= 1
        total -= 1
    while total > phrases:
        i = min(range(1, len(names) - 1), key=lambda i: (_priority(names[i]), -i))
        names.pop(i)
        total -= counts.pop(i)
    merged: list[tuple[str, int]] = []
    for name, count in zip(names, counts, strict=True):
        if merged and merged[-1][0] == name:
            merged[-1] = (name, merged[-1][1] + count)
        else:
            merged.append((name, count))
    return [(name, count * phrase_bars) for name, count in merged]


def _structure(
    genre: GenreProfile, bpm: float, target_s: float | None, notes: list[str]
) -> list[tuple[str, int]]:
    phrase_bars = PHRASE_BARS
    if target_s is not None and target_s < 3 * bars_to_seconds(PHRASE_BARS, bpm):
        phrase_bars = SHORT_PHRASE_BARS
    phrase_s = bars_to_seconds(phrase_bars, bpm)
    if target_s is None:
        phrases = genre.arrangement_bars() // phrase_bars
    else:
        phrases = max(round(target_s / phrase_s), 1)
    while phrases > 1 and phrases * phrase_s > MAX_DURATION_S + 1e-9:
        phrases -= 1
    while phrases * phrase_s < MIN_DURATION_S - 1e-9:
        phrases += 1
    if phrases < 3:
        if target_s is not None:
            notes.append(
                f"duration {_fmt(target_s)} s is shorter than intro, main and outro at "
                f"{_fmt(bpm)} bpm; using {_fmt(3 * phrase_s)} s"
            )
        phrases = 3
    return fit_arrangement(genre.arrangement, phrases, phrase_bars=phrase_bars)


def _tempo_for_length(genre: GenreProfile, bpm: float, target_s: float, notes: list[str]) -> float:
    """A default tempo moved within the genre's range when whole phrases miss `target_s`.

    Only a tempo nobody asked for moves: at 70 bpm no whole number of phrases lasts 90 s, but at
    64 bpm three 8-bar phrases do, and the person asked for a length, not a tempo.
    """

    def error(tempo: float) -> float:
        bars = sum(b for _, b in _structure(genre, tempo, target_s, []))
        return abs(bars_to_seconds(bars, tempo) - target_s) / target_s

    if error(bpm) <= DURATION_FIT:
        return bpm
    low, high = genre.bpm_range
    candidates = [
        round(bars * BEATS_PER_BAR * 60.0 / target_s, 2)
        for bars in range(3 * SHORT_PHRASE_BARS, 1000, SHORT_PHRASE_BARS)
    ]
    fitting = [t for t in candidates if low <= t <= high and error(t) <= DURATION_FIT]
    if not fitting:
        return bpm
    chosen = min(fitting, key=lambda t: (abs(t - bpm), t))
    notes.append(
        f"tempo {_fmt(chosen)} bpm (not the default {_fmt(bpm)}) so whole phrases last "
        f"{_fmt(target_s)} s"
    )
    return chosen


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


# --- the parser -------------------------------------------------------------------------------


def _check_seed(seed: int | None) -> None:
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise PromptError("INVALID_SEED", "The seed must be a whole number.", field="seed")
    if not 0 <= seed <= MAX_SEED:
        raise PromptError(
            "INVALID_SEED", f"The seed must be between 0 and {MAX_SEED}.", field="seed"
        )


def _checked_reference(bpm: float | None, key: str | None) -> tuple[float | None, str | None]:
    """A reference track's tempo and key, checked; an unreadable one is the caller's error."""
    if bpm is not None and (
        isinstance(bpm, bool)
        or not isinstance(bpm, int | float)
        or not math.isfinite(bpm)
        or bpm <= 0
    ):
        raise PromptError(
            "INVALID_REFERENCE", "The reference track has no usable tempo.", field="reference"
        )
    if key is None:
        return bpm, None
    try:
        return bpm, normalize_key(key)
    except InvalidKey as exc:
        raise PromptError(
            "INVALID_REFERENCE", "The reference track has no usable key.", field="reference"
        ) from exc


def prompt_seed(prompt: str) -> int:
    """A stable seed for a prompt: the first 8 bytes of SHA-256 of its normalized text."""
    digest = hashlib.sha256(_normalize(_fold(prompt)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & MAX_SEED


def _choose_genre(text: str, bpm: float | None, mood: str | None, notes: list[str]) -> GenreProfile:
    m = _GENRE_RE.search(text)
    if m:
        return GENRES[_GENRE_LOOKUP[_spelling(m)]]  # type: ignore[index]
    if bpm is not None:
        fits = [g for g in GENRES.values() if g.bpm_range[0] <= bpm <= g.bpm_range[1]]
        if mood in _MOOD_GENRE and any(g.id == _MOOD_GENRE[mood] for g in fits):
            chosen = GENRES[_MOOD_GENRE[mood]]
            notes.append(f"no genre named; chose {chosen.label} for {_fmt(bpm)} bpm and {mood}")
            return chosen
        if fits:
            chosen = min(fits, key=lambda g: abs(g.bpm - bpm))
            notes.append(f"no genre named; chose {chosen.label} for {_fmt(bpm)} bpm")
            return chosen
    if mood in _MOOD_GENRE:
        chosen = GENRES[_MOOD_GENRE[mood]]
        notes.append(f"no genre named; chose {chosen.label} for a {mood} mood")
        return chosen
    chosen = GENRES[DEFAULT_GENRE]
    notes.append(f"no genre named; chose {chosen.label}")
    return chosen


def _instruments(text: str, genre: GenreProfile, notes: list[str]) -> list[str]:
    chosen = list(genre.instruments)
    for m in _INSTRUMENT_RE.finditer(text):
        name = _INSTRUMENT_LOOKUP[_spelling(m)]
        if _NEGATION_RE.search(text[: m.start()]):
            if name in chosen:
                chosen.remove(name)
                notes.append(f"removed {name} as asked")
        elif name not in chosen:
            chosen.append(name)
    if not chosen:
        chosen = list(genre.instruments[:1])
        notes.append(f"every instrument was removed; kept {chosen[0]}")
    return chosen


def parse_prompt(
    prompt: str,
    *,
    seed: int | None = None,
    duration_s: float | None = None,
    reference_bpm: float | None = None,
    reference_key: str | None = None,
) -> GenerationSpec:
    """Read a generation prompt as a GenerationSpec (see the module docstring for the rules).

    `seed` and `duration_s`, when given, come from the caller's own fields and win over the
    prompt; `duration_s` is clamped like a duration written in the prompt. `reference_bpm` and
    `reference_key` (a reference track's measured tempo and key) replace the genre's defaults,
    but a tempo or key written in the prompt still wins.
    """
    if not isinstance(prompt, str):
        raise PromptError("INVALID_PROMPT", "The prompt must be text.", field="prompt")
    if not prompt.strip():
        raise PromptError("EMPTY_PROMPT", "Describe the track to generate.", field="prompt")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise PromptError(
            "PROMPT_TOO_LONG",
            f"The prompt is {len(prompt)} characters; keep it under {MAX_PROMPT_CHARS}.",
            field="prompt",
        )
    _check_seed(seed)
    if duration_s is not None and (
        isinstance(duration_s, bool)
        or not isinstance(duration_s, int | float)
        or not math.isfinite(duration_s)
    ):
        raise PromptError(
            "INVALID_DURATION", "duration_s must be a finite number of seconds.", field="duration_s"
        )

    reference_bpm, reference_key = _checked_reference(reference_bpm, reference_key)
    folded = _fold(prompt)
    text = _normalize(folded)
    notes: list[str] = []

    # Mood first: it can pick the genre when none is named.
    mood_match = _MOOD_RE.search(text)
    named_mood = _MOOD_LOOKUP[_spelling(mood_match)] if mood_match else None

    # Tempo.
    bpm_found = find_bpm(text)
    bpm: float | None = None
    if bpm_found:
        asked, written = bpm_found
        bpm = min(max(asked, MIN_BPM), MAX_BPM)
        if bpm != asked:
            notes.append(f"bpm {_fmt(asked)} clamped to {_fmt(bpm)}")
    elif reference_bpm is not None:
        bpm = min(max(reference_bpm, MIN_BPM), MAX_BPM)
        notes.append(f"bpm {_fmt(bpm)} from the reference track")

    genre = _choose_genre(text, bpm, named_mood, notes)
    low, high = genre.bpm_range
    if bpm is None:
        bpm = float(genre.bpm)
        notes.append(f"no bpm named; {genre.label} default {_fmt(bpm)}")
    elif not low <= bpm <= high:
        notes.append(
            f"bpm {_fmt(bpm)} is outside {genre.label}'s usual {_fmt(low)}–{_fmt(high)}; kept"
        )
    bpm = round(bpm, 2)

    # Key.
    key_found = find_key(folded)
    if key_found:
        key = key_found[0]
    elif reference_key is not None:
        key = reference_key
        notes.append(f"key {key} from the reference track")
    else:
        key = genre.key
        notes.append(f"no key named; {genre.label} default {key}")
    pc, mode = parse_key(key)
    key = key_name(pc, mode)

    # Mood and energy.
    if named_mood:
        mood = named_mood
    else:
        mood = genre.mood
        notes.append(f"no mood named; {genre.label} default {mood}")
    energy = _find_energy(text, notes)
    if energy is None:
        energy = round((genre.energy + MOODS[mood]) / 2, 2) if named_mood else genre.energy

    instruments = _instruments(text, genre, notes)

    # Duration: the caller's argument, else the prompt's, else the genre's arrangement.
    target: float | None = None
    written_duration: str | None = None
    prompt_duration = find_duration(text)
    if duration_s is not None:
        target, written_duration = float(duration_s), f"{_fmt(float(duration_s))} s"
        if prompt_duration:
            notes.append(
                f"duration_s {written_duration} given; prompt's {prompt_duration[1]!r} ignored"
            )
    elif prompt_duration:
        target, written_duration = prompt_duration
    if target is not None:
        clamped = min(max(target, MIN_DURATION_S), MAX_DURATION_S)
        if clamped != target:
            notes.append(f"duration {written_duration} clamped to {_fmt(clamped)} s")
        target = clamped
    if target is not None and bpm_found is None and reference_bpm is None:
        bpm = _tempo_for_length(genre, bpm, target, notes)
    structure = _structure(genre, bpm, target, notes)
    total_bars = sum(bars for _, bars in structure)
    length = round(bars_to_seconds(total_bars, bpm), 3)
    if target is None:
        notes.append(f"no duration named; {genre.label} arrangement of {total_bars} bars")
    elif 0.05 < abs(length - target) <= bars_to_seconds(PHRASE_BARS, bpm):
        whole = all(bars % PHRASE_BARS == 0 for _, bars in structure)
        phrase = PHRASE_BARS if whole else SHORT_PHRASE_BARS
        notes.append(
            f"duration {_fmt(target)} s fitted to {_fmt(length)} s "
            f"({total_bars} bars in whole {phrase}-bar phrases at {_fmt(bpm)} bpm)"
        )

    return GenerationSpec(
        genre=genre.id,
        bpm=bpm,
        key=key,
        mode=mode,
        mood=mood,
        energy=energy,
        instruments=instruments,
        structure=[Section(section=name, bars=bars) for name, bars in structure],
        duration_s=length,
        seed=seed if seed is not None else prompt_seed(prompt),
        notes=notes,
    )
