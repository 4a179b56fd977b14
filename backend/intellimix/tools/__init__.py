"""The IntelliMix web client's utilities: trim-and-join clips, download audio or video.

Each request runs its work as a run (progress, cancel, a history item) and answers when the
run ends, because that client waits for the answer instead of following a run.
"""
