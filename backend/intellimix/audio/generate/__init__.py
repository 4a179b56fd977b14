"""The procedural track generator: a GenerationSpec → synthesized stems → a mastered track.

`generate_track(spec, out_dir)` is the whole pipeline (see `pipeline`); the other modules are
its stages: `arrangement` (the bar grid), `theory` (progressions and voicings), `drums`, `bass`,
`instruments` and `fx` (the stems), `synth` and `effects` (their building blocks).
"""

from intellimix.audio.generate.pipeline import GenerationOutcome, arranged_sections, generate_track

__all__ = ["GenerationOutcome", "arranged_sections", "generate_track"]
