// @vitest-environment jsdom
import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { FeedbackAnswerContent, FeedbackReportContent, Message } from "@/lib/types";
import { renderWithApp } from "@/test/render";

import { ChatContext, type ChatContextValue } from "./chat-context";
import { MessageItem } from "./MessageItem";

const report: FeedbackReportContent = {
  kind: "feedback_report",
  feedback_id: "f1",
  track_id: "t1",
  track_title: "Warehouse Sunrise",
  reference_track_id: "t2",
  reference_title: "Night Drive",
  type: "master",
  genre: null,
  detail: "detailed",
  overall_score: 58,
  summary: "4 finding(s) (1 high, 3 medium). Fix first: Muddy low mids.",
  scores: { tonal_balance: 50 },
  finding_count: 4,
  findings: [
    {
      area: "tonal_balance",
      severity: "high",
      title: "Muddy low mids",
      explanation: "250 Hz sits 6 dB above the reference.",
      fixes: ["EQ bell at 250 Hz, -5.5 dB, Q 1.0"],
    },
  ],
  fixed_from: null,
  improvement: null,
  pdf_url: "/api/v1/feedback/f1.pdf?token=x",
  files: [],
};

function message(content: FeedbackReportContent | FeedbackAnswerContent, text: string): Message {
  return {
    id: "m1",
    thread_id: "th1",
    role: "assistant",
    content_text: text,
    content_json: content,
    status: "completed",
    created_at: "2026-01-01T00:00:00+00:00",
  };
}

function show(item: Message) {
  const chat = { threadId: "th1", activeRuns: [], messagesById: new Map() } as unknown as ChatContextValue;
  return renderWithApp(
    <ChatContext.Provider value={chat}>
      <MessageItem message={item} />
    </ChatContext.Provider>,
  );
}

describe("feedback in the chat", () => {
  it("shows the report's score, summary, top findings with fixes, and links to the view and PDF", () => {
    show(message(report, "Master feedback: Warehouse Sunrise: …"));
    const card = screen.getByTestId("feedback-card");
    expect(within(card).getByText("58/100")).toBeTruthy();
    expect(within(card).getByText(/against Night Drive/)).toBeTruthy();
    expect(within(card).getByText(report.summary)).toBeTruthy();
    const findings = within(card).getByRole("list", { name: "Top findings" });
    expect(within(findings).getByText("Muddy low mids")).toBeTruthy();
    expect(within(findings).getByText("Fix: EQ bell at 250 Hz, -5.5 dB, Q 1.0")).toBeTruthy();
    expect(within(card).getByText("3 more findings in the full report.")).toBeTruthy();
    expect(within(card).getByRole("link", { name: "Open in the Feedback view" }).getAttribute("href")).toBe(
      "/library/t1/feedback?report=f1",
    );
    expect(within(card).getByRole("link", { name: "PDF report" }).getAttribute("href")).toBe(report.pdf_url);
  });

  it("shows what a corrected master improved and plays it", () => {
    const fixed: FeedbackReportContent = {
      ...report,
      fixed_from: "f0",
      improvement: {
        overall: { before: 58, after: 84 },
        loudness: { before: -23.9, after: -14 },
        resolved: ["Too quiet"],
        remaining: [],
      },
      files: [{ name: "master.mp3", role: "mix_mp3", format: "mp3", size_bytes: 10, url: "/files/master.mp3?token=y" }],
    };
    show(message(fixed, "…"));
    const card = screen.getByTestId("feedback-card");
    expect(within(card).getByText(/Corrected master/)).toBeTruthy();
    expect(card.textContent).toContain("Overall 58 → 84/100 · loudness -23.9 → -14 LUFS · resolved: Too quiet");
    expect(card.querySelector("audio")).not.toBeNull();
  });

  it("answers a follow-up in words and links to the report it came from", () => {
    const answer: FeedbackAnswerContent = {
      kind: "feedback_answer",
      feedback_id: "f1",
      track_id: "t1",
      track_title: "Warehouse Sunrise",
      question: "what should I fix first?",
      overall_score: 58,
      pdf_url: null,
      files: [],
    };
    show(message(answer, "Fix this first: [high] Muddy low mids — fix: EQ bell at 250 Hz"));
    const card = screen.getByRole("article", { name: "Feedback answer: Warehouse Sunrise" });
    expect(within(card).getByText(/Fix this first/)).toBeTruthy();
    expect(within(card).getByRole("link", { name: "Open in the Feedback view" })).toBeTruthy();
    expect(within(card).queryByRole("link", { name: "PDF report" })).toBeNull();
  });
});
