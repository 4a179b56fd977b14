import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import type { SourceCandidate } from "../types";
import { SourceResults } from "./SourceResults";

const levitating: SourceCandidate = {
  title: "Levitating (Official Audio)",
  artist: "Dua Lipa",
  duration_s: 203,
  thumbnail_url: "https://i.ytimg.com/vi/x/hq.jpg",
  url: "https://www.youtube.com/watch?v=abcdefghijk",
  provider: "youtube",
};

const render = (items: SourceCandidate[], importing: string | null = null) =>
  renderToStaticMarkup(createElement(SourceResults, { items, importing, onImport: () => undefined }));

describe("SourceResults", () => {
  it("shows thumbnail, title, channel and duration with an accessible Import button", () => {
    const html = render([levitating, { ...levitating, url: "u2", thumbnail_url: null, artist: null, title: "Live" }]);
    expect(html).toContain('src="https://i.ytimg.com/vi/x/hq.jpg"');
    expect(html).toContain("Levitating (Official Audio)");
    expect(html).toContain("Dua Lipa · 3:23");
    expect(html).toContain('aria-label="Import Levitating (Official Audio) — Dua Lipa, 3:23"');
    expect(html.match(/<li/g)).toHaveLength(2);
    expect(html).toContain("source-thumb-empty");
  });

  it("disables the result being imported", () => {
    const html = render([levitating], levitating.url);
    expect(html).toContain("Importing…");
    expect(html).toMatch(/<button[^>]*disabled=""/);
  });

  it("says when nothing was found", () => {
    expect(render([])).toContain("No songs found");
  });
});
