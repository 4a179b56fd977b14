import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { ToolsPage } from "./ToolsPage";

describe("ToolsPage", () => {
  it("offers trim-and-join with two clip rows and a download form, every field labelled", () => {
    const html = renderToStaticMarkup(
      createElement(QueryClientProvider, { client: new QueryClient() }, createElement(ToolsPage)),
    );
    expect(html).toContain("Trim and join");
    expect(html.match(/Clip \d link/g)).toEqual(["Clip 1 link", "Clip 2 link"]);
    expect(html.match(/<input/g)).toHaveLength(7); // 2 × (link, start, end) + the download link
    expect(html.match(/<label/g)).toHaveLength(9); // every input and both selects
    expect(html).toContain('value="mp3"');
    expect(html).toContain("Join clips");
  });
});
