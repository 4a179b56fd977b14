"""Fit `rhythm.TEMPO_WEIGHTS`: which candidate tempo is the beat, learned on the dev set.

`python -m bench.beats_train` extracts every dev-set item's tempo candidates and their
features (`rhythm.tempo_features`), fits a conditional logit — a softmax over each item's
candidates, L2-regularized, scipy's L-BFGS — and prints the weights to paste into
`intellimix/audio/rhythm.py`, with the accuracy of picking the true tempo: on the whole set,
and leave-one-source-out (fitted without a source, scored on it), the honest figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.optimize
import soundfile as sf

from bench.beats_devset import devset_dir

L2 = 0.01
TOLERANCE = 0.04


def item_features(path: Path) -> tuple[list[float], np.ndarray]:
    """(candidate tempi, feature rows) for one dev-set item, as analyze_rhythm sees it."""
    from intellimix.audio import rhythm

    y, rate = sf.read(str(path.with_suffix(".wav")), dtype="float32")
    env = rhythm._envelopes(rhythm._prepare(y, rate))
    tempograms, smoothed = rhythm.tempo_evidence(env)
    candidates = rhythm.tempo_candidates(
        tempograms, min_bpm=rhythm.DEFAULT_MIN_BPM, max_bpm=rhythm.DEFAULT_MAX_BPM
    )
    rows = np.array([rhythm.tempo_features(tempograms, smoothed, c) for c in candidates])
    return candidates, rows


def load(folder: Path) -> list[dict]:
    items = []
    for path in sorted(folder.glob("*.json")):
        truth = json.loads(path.read_text())
        candidates, rows = item_features(path)
        errors = [abs(c / truth["bpm"] - 1.0) for c in candidates]
        label = int(np.argmin(errors)) if min(errors) <= TOLERANCE else None
        items.append({"name": path.stem, "source": truth["source"], "x": rows, "label": label})
    return items


def fit(items: list[dict]) -> np.ndarray:
    usable = [i for i in items if i["label"] is not None]
    width = usable[0]["x"].shape[1]
    scale = np.concatenate([i["x"] for i in usable]).std(axis=0) + 1e-9

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(width)
        for item in usable:
            x = item["x"] / scale
            s = x @ w
            s -= s.max()
            p = np.exp(s) / np.exp(s).sum()
            total -= s[item["label"]] - np.log(np.exp(s).sum())
            grad -= x[item["label"]] - p @ x
        return total / len(usable) + L2 * w @ w, grad / len(usable) + 2 * L2 * w

    result = scipy.optimize.minimize(loss, np.zeros(width), jac=True, method="L-BFGS-B")
    return result.x / scale


def accuracy(items: list[dict], w: np.ndarray) -> float:
    hits = [i["label"] is not None and int(np.argmax(i["x"] @ w)) == i["label"] for i in items]
    return 100.0 * float(np.mean(hits))


def main() -> None:
    from intellimix.audio.rhythm import TEMPO_FEATURES

    items = load(devset_dir())
    reachable = 100.0 * np.mean([i["label"] is not None for i in items])
    w = fit(items)
    print(f"{len(items)} items; the true tempo is among the candidates for {reachable:.1f} %")
    print(f"Acc1 when fitted on all: {accuracy(items, w):.1f} %")
    for source in sorted({i["source"] for i in items}):
        held = [i for i in items if i["source"] == source]
        rest = [i for i in items if i["source"] != source]
        print(f"  {source} held out ({len(held)}): {accuracy(held, fit(rest)):.1f} %")
    print("TEMPO_WEIGHTS = np.array([")
    for name, value in zip(TEMPO_FEATURES, w, strict=True):
        print(f"    {value:.4f},  # {name}")
    print("])")


if __name__ == "__main__":
    main()
