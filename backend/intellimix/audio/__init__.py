"""The audio engine: framework-free (no Flask, no database), usable as a library and from the CLI.

Signals are float32 numpy arrays shaped (channels, frames) unless a function says "mono"
(a 1-D array). Sample rates are integers in Hz.
"""
