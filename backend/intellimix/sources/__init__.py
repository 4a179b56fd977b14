"""Songs from outside the library: search, resolve a link to metadata, download its audio.

Framework-free (no Flask, no database), like `intellimix.audio`: providers behind one
interface (`SourceProvider`), a direct http(s) link provider and a YouTube provider
(pytubefix). `fetch_audio` downloads and checks the result by decoding it.
"""
