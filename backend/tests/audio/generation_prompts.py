"""Forty generation prompts spanning the genres, tempos, keys and moods (30-second renders)."""

from __future__ import annotations

PROMPTS: tuple[str, ...] = (
    # house
    "deep house at 122 bpm in A minor, 30 seconds",
    "uplifting house in Eb major with piano, 30 seconds",
    "groovy tech house 126 bpm in G minor, 30 seconds",
    "house with chord stabs and a bassline in F# minor, 30 seconds",
    # techno
    "dark techno at 132 bpm in F minor, 30 seconds",
    "hypnotic minimal techno in D minor at 128 bpm, 30 seconds",
    "acid techno with a 303 line in A minor, 30 seconds",
    "peak time techno 138 bpm in C minor, 30 seconds",
    # drum & bass
    "liquid drum and bass at 174 bpm in D minor with pads, 30 seconds",
    "dnb with a reese bass in F minor, 30 seconds",
    "energetic drum & bass 170 bpm in B minor, 30 seconds",
    "jungle at 165 bpm in G minor, 30 seconds",
    # dubstep
    "dubstep with wobble bass at 140 bpm in E minor, 30 seconds",
    "heavy dubstep in F# minor with growls, 30 seconds",
    "melodic dubstep 145 bpm in C# minor, 30 seconds",
    "riddim at 150 bpm in A minor, 30 seconds",
    # hip hop
    "boom bap hip hop at 90 bpm in C minor, 30 seconds",
    "hip hop beat with piano in Bb minor at 85 bpm, 30 seconds",
    "groovy hip hop in E major at 95 bpm, 30 seconds",
    "rap beat in G minor at 88 bpm, 30 seconds",
    # lo-fi
    "chill lo-fi with rhodes at 80 bpm in F major, 30 seconds",
    "melancholic lofi hip hop in A minor, 30 seconds",
    "lo-fi study beat at 75 bpm in D major, 30 seconds",
    "chillhop in Bb major at 85 bpm with vinyl crackle, 30 seconds",
    # trap
    "dark trap at 140 bpm in C# minor with 808s, 30 seconds",
    "trap beat with bells in F minor at 150 bpm, 30 seconds",
    "drill at 142 bpm in G# minor, 30 seconds",
    "trap in D minor at 135 bpm with hi-hat rolls, 30 seconds",
    # ambient
    "ambient soundscape in D major at 70 bpm, 30 seconds",
    "dreamy ambient with pads in Ab major, 30 seconds",
    "ambient drones in E minor at 65 bpm, 30 seconds",
    "atmospheric ambient piano in C major at 80 bpm, 30 seconds",
    # pop
    "happy pop at 116 bpm in C major, 30 seconds",
    "synth pop with vocal chops in G major at 120 bpm, 30 seconds",
    "dance pop in B minor at 124 bpm, 30 seconds",
    "pop with piano in A major at 100 bpm, 30 seconds",
    # synthwave
    "synthwave with arps at 100 bpm in A minor, 30 seconds",
    "retrowave in E minor at 110 bpm, 30 seconds",
    "nostalgic outrun in F# minor at 96 bpm, 30 seconds",
    "darksynth at 115 bpm in D minor, 30 seconds",
)
