import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import type { Message, Run } from "@/lib/types";

import { SongImportCard } from "./OtherCards";

const message: Message = {
  id: "m1",
  thread_id: "t1",
  role: "assistant",
  content_text: 'Importing "Levitating — Dua Lipa (Official Audio)" 3:23.',
  content_json: {
    kind: "song_import",
    run_id: "r1",
    songs: [{ name: "Levitating", title: "Levitating — Dua Lipa (Official Audio)", url: "https://x.example/l.mp3" }],
  },
  status: "completed",
  created_at: "2026-01-01T00:00:00+00:00",
};

function render(run?: Partial<Run>) {
  const client = new QueryClient();
  if (run) client.setQueryData(["run", "r1"], { id: "r1", kind: "import_songs", progress_percent: 0, ...run });
  return renderToStaticMarkup(createElement(QueryClientProvider, { client }, createElement(SongImportCard, { message })));
}

describe("SongImportCard", () => {
  it("names the songs being imported and what they were asked as", () => {
    const html = render();
    expect(html).toContain('aria-label="Song import"');
    expect(html).toContain("Levitating — Dua Lipa (Official Audio)");
    expect(html).toContain("for “Levitating”");
  });

  it("says a pasted link is imported from that link", () => {
    const link = "https://x.example/levitating.mp3";
    const pasted: Message = {
      ...message,
      content_json: { kind: "song_import", run_id: "r1", songs: [{ name: link, title: "levitating", url: link }] },
    };
    const client = new QueryClient();
    const html = renderToStaticMarkup(
      createElement(QueryClientProvider, { client }, createElement(SongImportCard, { message: pasted })),
    );
    expect(html).toContain("levitating");
    expect(html).toContain("from the link you pasted");
    expect(html).not.toContain("for “");
  });

  it("names a song that could not be imported although the run completed", () => {
    const html = render({ status: "completed", result: { failed: ['"Levitating" could not be imported (Nothing was found.)'] } });
    expect(html).toContain("could not be imported (Nothing was found.); the plan goes on without it.");
    expect(html).not.toContain("Imported into your library");
  });

  it("says how the import ended", () => {
    expect(render({ status: "completed" })).toContain("the plan goes on below");
    expect(
      render({ status: "failed", error: { code: "SOURCE_NOT_FOUND", message: "Nothing was found.", retryable: false } }),
    ).toContain("Nothing was found.");
    expect(render({ status: "cancelled" })).toContain("goes on without it");
  });
});
