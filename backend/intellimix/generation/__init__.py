"""Track generation: prompt → spec → a `generate` run → files in history and a library track."""
