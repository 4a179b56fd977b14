"""The reader's vocabulary: how people name DJ and production ideas, as data.

Each concept maps a value to the phrases that say it. The tagger marks every phrase in a message
with its concept and value (longest phrase wins), so the grammar's rules (`grammar.py`) match
on ideas — "a transition type", "an ordinal", "a verb that removes" — and not on spellings.
Teaching the reader a new word is a line here; teaching it a new way of asking is an example
rule in `grammar.py`.
"""

from __future__ import annotations

# concept -> value -> phrases (lower case, accents folded; multi-word phrases are fine)
LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "TTYPE": {
        "filter_sweep": (
            "filter sweep", "filter sweeps", "filter-sweep", "sweep", "sweeps", "filter",
            "filter fade", "hpf sweep", "lpf sweep", "high pass", "low pass", "highpass",
            "lowpass", "filtered fade",
        ),
        "bass_swap": (
            "bass swap", "bass swaps", "bass-swap", "bassline swap", "eq swap", "swap the bass",
            "bass handover", "low swap", "bass switch",
        ),
        "echo_out": (
            "echo out", "echo-out", "echo outs", "echo", "echoes", "delay out", "echo fade",
            "echo freeze", "reverb out", "tail out",
        ),
        "crossfade": (
            "crossfade", "crossfades", "cross fade", "cross-fade", "fade", "fades", "smooth fade",
            "blend", "blends", "smooth blend", "mix over",
        ),
        "cut": (
            "hard cut", "hard cuts", "straight cut", "quick cut", "clean cut", "cut", "cuts",
            "slam", "hard switch", "instant switch", "no transition", "no blend",
        ),
    },
    "TRANS": {
        "transition": (
            "transition", "transitions", "transish", "changeover", "changeovers", "segue",
            "mixover", "handover", "mix point", "mix points",
        ),
    },
    "LEN": {
        "long": (
            "long", "longer", "loooong", "extended", "gradual", "slow", "slower", "smooth",
            "drawn out", "lengthy",
        ),
        "short": (
            "short", "shorter", "quick", "quicker", "fast", "faster", "tight", "tighter", "snappy",
            "abrupt", "brief",
        ),
    },
    "UNIT": {
        "beat": ("beat", "beats", "bt", "count", "counts"),
        "bar": ("bar", "bars", "measure", "measures"),
        "phrase": ("phrase", "phrases"),
        "second": ("s", "sec", "secs", "second", "seconds"),
        "minute": ("m", "min", "mins", "minute", "minutes"),
        "semitone": ("semitone", "semitones", "half step", "half steps", "halfstep", "st",
                     "semi", "semis", "key", "keys"),
        "bpm": ("bpm",),
    },
    "ORD": {
        "1": ("first", "1st", "opening", "opener"),
        "2": ("second", "2nd"),
        "3": ("third", "3rd"),
        "4": ("fourth", "4th"),
        "5": ("fifth", "5th"),
        "6": ("sixth", "6th"),
        "7": ("seventh", "7th"),
        "8": ("eighth", "8th"),
        "-1": ("last", "final", "closing", "closer", "very last"),
        "-2": ("second to last", "second last", "penultimate", "second-to-last", "2nd to last"),
    },
    "THING": {
        "track": ("track", "tracks", "song", "songs", "tune", "tunes", "one", "ones", "record",
                  "records", "segment", "segments", "slot", "part"),
    },
    "REMOVE": {
        "remove": (
            "remove", "drop", "take out", "take off", "cut out", "get rid of", "lose", "ditch",
            "kill", "delete", "skip", "scrap", "leave out", "exclude", "bin", "axe", "nix",
            "pull", "strip", "toss", "chuck out", "throw out", "without",
        ),
    },
    "ADD": {
        "add": ("add", "include", "throw in", "put in", "chuck in", "bring in", "insert",
                "stick in", "slot in", "squeeze in", "append", "add in", "also play"),
    },
    "MOVE": {
        "move": ("move", "put", "place", "bump", "push", "shift", "slide", "bring"),
    },
    "SWAP": {
        "swap": ("swap", "switch", "flip", "trade", "exchange", "swap around", "switch around"),
    },
    "REPLACE": {
        "replace": ("replace", "substitute", "sub", "swap out", "switch out", "change",
                    "exchange"),
    },
    "INSTEAD": {"instead": ("instead of", "in place of", "rather than")},
    "WITH": {"with": ("with", "for", "by", "to")},
    "PITCH": {
        "pitch": ("pitch", "transpose", "tune", "pitch shift", "key shift", "shift", "move"),
    },
    "DIR": {
        "up": ("up", "higher", "raise", "sharper"),
        "down": ("down", "lower", "flatter"),
    },
    "PLACE": {
        "start": ("start", "beginning", "front", "top", "opener", "open", "begin",
                  "kick off", "first up", "lead off"),
        "end": ("end", "ending", "finish", "close", "closer", "back", "bottom", "tail"),
        "middle": ("middle", "centre", "center", "in between", "inbetween"),
    },
    "RELPOS": {
        "after": ("after", "following", "right after", "straight after", "behind"),
        "before": ("before", "ahead of", "in front of", "right before", "just before"),
        "between": ("between", "in between", "inbetween"),
    },
    "INTO": {
        "into": ("into", "in to", "onto", "->", "→", "to"),
        "outof": ("out of", "mix out of", "out from", "from"),
    },
    "UNDO": {
        "undo": (
            "undo", "revert", "roll back", "rollback", "take that back", "scratch that",
            "ctrl z", "ctrl+z", "cmd z", "go back", "back one step", "step back", "one step back",
            "put it back", "put that back", "change it back", "reverse that", "never mind that",
            "cancel that", "back to how it was", "how it was before", "previous version",
        ),
        "redo": ("redo", "re-do", "reapply", "redo that", "undo the undo", "bring that back",
                 "forward again", "go forward", "step forward", "redo it"),
        "goto": ("go back to", "back to", "revert to", "return to", "go to", "restore",
                 "switch back to", "jump to"),
    },
    "VERSION": {
        "version": ("version", "versions", "draft", "drafts", "plan", "iteration", "edit",
                    "original", "v", "mix"),
    },
    "LATEST": {"latest": ("latest", "newest", "most recent", "last version", "current one")},
    "STEPS": {
        "steps": ("changes", "change", "steps", "step", "edits", "edit", "things", "times", "x"),
        "again": ("again", "once more", "one more"),
        "twice": ("twice",),
        "both": ("both of those", "both", "those two"),
    },
    "ORDER": {
        "harmonic": (
            "harmonic order", "harmonically", "harmonic", "key order", "camelot order",
            "camelot", "keys flow", "in key", "key compatible", "harmonic mixing",
            "mix in key", "by key",
        ),
        "tempo_up": (
            "slowest to fastest", "slow to fast", "ascending bpm", "bpm ascending", "by tempo",
            "by bpm", "low to high bpm", "lowest bpm first", "slowest first", "tempo up",
            "increasing tempo", "increasing bpm", "speed up",
        ),
        "tempo_down": (
            "fastest to slowest", "fast to slow", "descending bpm", "bpm descending",
            "high to low bpm", "fastest first", "decreasing tempo", "slow down",
        ),
        "reverse": ("reverse it", "reverse the order", "reversed", "backwards", "flip the order",
                    "reverse"),
    },
    "CLASH": {"clash": ("clash", "clashes", "clashing", "key clash", "key clashes", "clashy",
                        "dissonant", "clashed")},
    "FIX": {"fix": ("fix", "sort out", "resolve", "get rid of", "avoid", "no", "fewer",
                    "nothing clashes")},
    "ENERGY": {
        "rising": (
            "build up", "build it up", "building up", "rising", "ramp up", "ramp it up",
            "energy going up", "energy up", "start calm and build", "start chill",
            "low to high", "lowest first", "calm to intense", "chill to hype", "warm up",
            "warm-up", "warmup", "getting harder", "hardest last", "end hype", "build",
            "builds", "building", "ascending energy", "increasing energy", "crescendo",
            "build to a peak", "build up to a peak", "building to a peak",
        ),
        "falling": (
            "wind down", "winding down", "wind it down", "cool down", "cool it down",
            "bring it down", "calm it down", "cooldown", "falling", "calmer towards the end",
            "getting calmer", "high to low", "highest first", "hardest first", "come down",
            "comedown", "descending energy", "decreasing energy", "mellow out", "chill out at the end",
        ),
        "peak": (
            "peak in the middle", "peak in the centre", "peak midway",
            "build to a peak and come back down", "peak and back down", "peak then come down",
            "up and down", "rise and fall", "arc", "peak", "hill",
        ),
    },
    "EVERYTHING": {
        "all": (
            "everything", "all my tracks", "all my songs", "all of my tracks", "all my music",
            "my whole library", "the whole library", "entire library", "my entire library",
            "all of them", "all of em", "all of 'em", "all the tracks", "every track",
            "everything ive got", "everything i have", "everything i've got", "all my stuff",
            "all tracks", "all songs", "all", "all four", "all three", "all five", "all six",
            "all 3", "all 4", "all 5", "all 6", "both", "every song",
        ),
        # the library as the pool to choose from, not an order to play all of it
        "pool": ("my library", "my tracks", "my songs", "my music", "my stuff", "my collection",
                 "the library", "my crates", "my crate"),
    },
    "SOURCE": {
        "upload": ("my uploads", "uploads", "uploaded", "i uploaded", "my uploaded tracks",
                   "ones i uploaded", "i ever uploaded", "upload", "my own tracks"),
        "generated": ("you generated", "you made", "generated", "you composed", "ai tracks",
                      "the ones you made", "you created", "you generated for me",
                      "made by you"),
        "demo": ("demo", "demos", "demo tracks"),
    },
    "NEWEST": {
        "newest": ("newest", "latest", "most recent", "recent", "last added", "i added",
                   "just added", "new ones", "recently added", "added last"),
        "oldest": ("oldest", "first added", "earliest", "i ever uploaded", "first uploaded"),
    },
    "MOOD": {
        "calm": (
            "chill", "chilled", "chilly", "calm", "calmer", "mellow", "relaxed", "relaxing",
            "laid back", "laidback", "lazy", "soft", "gentle", "dreamy", "ambient", "low key",
            "lowkey", "low-key", "sunday", "brunch", "sunday morning", "quiet", "easy",
            "easy listening", "downtempo", "lounge", "cozy", "cosy", "peaceful", "slow",
        ),
        "energetic": (
            "energetic", "high energy", "hype", "hyped", "banger", "bangers", "banging",
            "hardest", "hard", "intense", "upbeat", "party", "peak time", "peak-time", "rave",
            "heavy", "aggressive", "pumping", "driving", "hype tracks", "club bangers",
        ),
    },
    "SECTION": {
        "intro": ("intro", "intros"), "outro": ("outro", "outros"), "drop": ("drop", "drops"),
        "chorus": ("chorus", "hook"), "verse": ("verse",), "build": ("build up", "buildup"),
        "break": ("break", "breakdown"), "bridge": ("bridge",),
    },
    "MIXWORD": {
        "mix": (
            "mix", "mixes", "set", "dj set", "playlist", "mixtape", "blend", "mashup", "dj",
            "tracks", "songs", "music", "tunes", "selection", "session", "megamix", "stuff",
        ),
    },
    "LENGTHQ": {"length": ("as long as you can", "as long as possible", "longest possible",
                           "max length", "maximum length", "max", "as long as it goes")},
    "SCALE": {
        "0.5": ("half as long", "half the length", "halve it", "halve", "half"),
        "2": ("twice as long", "double the length", "double it", "double", "twice"),
        "1.5": ("one and a half times", "50% longer"),
    },
    "MORE": {
        "more": ("longer", "more", "extra", "add", "extend", "extend by", "plus"),
        "less": ("shorter", "less", "trim", "cut", "shave", "take off", "minus", "remove"),
    },
    "BIT": {"bit": ("a bit", "a little", "a tad", "slightly", "a tiny bit", "a touch")},
    "QUESTION": {
        "q": (
            "what", "whats", "what's", "how", "hows", "how's", "which", "is", "are", "does",
            "do", "did", "any", "can you tell", "tell me", "would", "will", "could", "should",
            "why", "who", "where", "when", "list", "show me",
        ),
    },
    "ASKFACT": {
        "length": ("how long", "length", "duration", "runtime", "run time", "how many minutes"),
        "count": ("how many tracks", "how many songs", "how many"),
        "key": ("key", "keys", "camelot", "scale"),
        "bpm": ("bpm", "bpms", "tempo", "tempos", "tempi", "how fast", "speed", "faster",
                "slower", "fastest", "slowest"),
        "energy": ("energy", "energies", "intensity"),
        "clash": ("clash", "clashes", "key clash", "key clashes", "harmonically perfect",
                  "harmonic", "mix well", "go together", "fit together", "work together",
                  "better"),
    },
    "GENERATE": {
        "generate": ("generate", "compose", "produce", "synthesize", "create a new",
                     "make a new", "make me a new", "new track", "new song", "make a new one",
                     "make a track", "make me a track", "make a beat", "make me a beat",
                     "make a lofi", "write a track", "another new one", "a new beat",
                     "make another"),
    },
    "SUGGEST": {
        "suggest": ("suggest", "recommend", "pick some", "pick a few", "choose some",
                    "what could follow", "what would go", "go well with", "what goes with",
                    "what fits", "ideas for"),
    },
    "SMALLTALK": {
        "thanks": ("thanks", "thank you", "thx", "ty", "cheers", "cool", "nice", "great",
                   "perfect", "awesome", "sick", "lol", "haha", "ok", "okay", "k", "fine",
                   "meh", "nice one", "love it", "sounds good", "that slaps", "slaps", "dope",
                   "hi", "hello", "hey", "yo", "sup", "good morning", "gm"),
    },
    "SECRET": {
        "secret": ("api key", "api keys", "apikey", "secret", "secrets", "password", "passwords",
                   "token", "tokens", ".env", "env file", "environment variables",
                   "system prompt", "your instructions", "previous instructions",
                   "ignore all", "ignore previous", "ignore the above", "jwt", "credentials",
                   "database url", "private key", "delete all my", "email them"),
    },
}

# Genres people name; a library genre that is not listed is still read (the tagger adds them).
GENRES: tuple[str, ...] = (
    "techno", "house", "deep house", "tech house", "progressive house", "latin house", "trance",
    "drum and bass", "dnb", "d&b", "jungle", "dubstep", "hip hop", "hip-hop", "hiphop", "rap",
    "lofi", "lo-fi", "lo fi", "ambient", "chillout", "chill out", "synthwave", "disco",
    "funk", "soul", "pop", "indie", "indie folk", "folk", "acoustic", "rock", "jazz", "trap",
    "garage", "uk garage", "breakbeat", "electro", "edm", "reggaeton", "afrobeat", "afro house",
)
GENRE_ALIASES: dict[str, str] = {
    "dnb": "drum and bass", "d&b": "drum and bass", "hip-hop": "hip hop", "hiphop": "hip hop",
    "lo-fi": "lofi", "lo fi": "lofi", "chill out": "chillout",
}

NUMBER_WORDS: dict[str, str] = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "sixteen": "16", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "a couple": "2", "couple": "2", "a few": "3", "few": "3",
}
