// @vitest-environment jsdom
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { MixPlan, MixProposalContent } from "@/lib/types";
import { testSegment } from "@/test/plans";

import { MixCard } from "./MixCard";
import { assistantMessage, renderInChat } from "./test-chat";

function show(plan: MixPlan) {
  const content: MixProposalContent = {
    kind: "mix_proposal",
    version_id: "v1",
    job_id: "j1",
    version: { id: "v1", parent_id: null, draft_id: "d1", job_id: "j1", plan, qa: null, files: [] },
    proposal: { title: plan.title, mixing_rationale: "", segments: [] },
    final_output: { mp3_url: null, wav_url: null, job_id: "j1" },
  };
  renderInChat(<MixCard message={assistantMessage(content)} content={content} />);
  return screen.getByRole("article", { name: `Mix: ${plan.title}` });
}

const target = { bpm: 124, key: null, duration_s: null, lufs: -14, true_peak_db: -1 };

describe("MixCard", () => {
  it("names a tempo journey's range, not the target tempo no segment played at", () => {
    const card = show({
      schema_version: 1,
      title: "Mellow to hard",
      summary: "",
      rationale: "",
      target,
      segments: [
        testSegment("s1", "a", { bpm: 100 }),
        testSegment("s2", "b", { bpm: 133.92, transition_in: { type: "echo_out", beats: 2 } }),
      ],
    });
    expect(within(card).getByText(/100–134 BPM \(journey\) · 2 segments/)).toBeTruthy();
    expect(within(card).queryByText(/124 BPM/)).toBeNull();
  });

  it("names one tempo for a plan at one tempo", () => {
    const card = show({
      schema_version: 1,
      title: "Steady",
      summary: "",
      rationale: "",
      target,
      segments: [testSegment("s1", "a", {})],
    });
    expect(within(card).getByText(/^124 BPM · 1 segment$/)).toBeTruthy();
  });
});
