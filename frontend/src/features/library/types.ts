/** Answers of the /tracks routes (DESIGN §4) as the library reads them. */
import type { Page, Peaks, Run, Track } from "@/lib/types";

import type { LibraryQuery } from "./lib/query";

export type TrackPage = Page<Track>;

/** `POST /tracks`: 202 a new track and its analysis run; 200 the track that holds the same file already. */
export interface UploadAnswer {
  track: Track;
  run: Run | null;
  duplicate: boolean;
}

export interface GenreCount {
  genre: string;
  count: number;
}

export interface DemoAnswer {
  tracks: Track[];
  runs: Run[];
  /** 202 when tracks were added, 200 when they were all there already. */
  status: number;
}

export interface TrackAnswer {
  track: Track;
}

export type PeaksAnswer = Peaks;

export interface TrackListParams {
  query: LibraryQuery;
  limit: number;
}

/** A song found by `GET /sources/search`; `url` is what to import. */
export interface SourceCandidate {
  title: string;
  artist: string | null;
  duration_s: number | null;
  thumbnail_url: string | null;
  url: string;
  provider: string;
}

export interface SourceSearchAnswer {
  items: SourceCandidate[];
}

/** `POST /tracks/import`: 202 with a new run, 200 with the track already imported (run may be null). */
export interface ImportAnswer {
  track: Track;
  run: Run | null;
  status: number;
}
