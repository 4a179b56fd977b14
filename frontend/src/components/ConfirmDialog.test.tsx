// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { useConfirm } from "./ConfirmDialog";

function Asker() {
  const { confirm, dialog } = useConfirm();
  const [answer, setAnswer] = useState("none");
  const ask = async () => {
    const sure = await confirm({
      title: "Delete this track?",
      message: "It is gone for good.",
      confirmLabel: "Delete track",
      tone: "danger",
    });
    setAnswer(String(sure));
  };
  return (
    <>
      <button type="button" onClick={ask}>
        Delete
      </button>
      <output aria-label="answer">{answer}</output>
      {dialog}
    </>
  );
}

describe("ConfirmDialog", () => {
  it("is a labelled modal dialog that starts on Cancel and keeps focus inside", async () => {
    const user = userEvent.setup();
    render(<Asker />);
    await user.click(screen.getByRole("button", { name: "Delete" }));
    const dialog = screen.getByRole("dialog", { name: "Delete this track?" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-describedby") ?? "")?.textContent).toBe("It is gone for good.");
    const cancel = screen.getByRole("button", { name: "Cancel" });
    const confirm = screen.getByRole("button", { name: "Delete track" });
    expect(document.activeElement).toBe(cancel);
    await user.tab();
    expect(document.activeElement).toBe(confirm);
    await user.tab(); // wraps around instead of leaving the dialog
    expect(document.activeElement).toBe(cancel);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(confirm);
  });

  it("answers yes on confirm and gives focus back to what opened it", async () => {
    const user = userEvent.setup();
    render(<Asker />);
    const opener = screen.getByRole("button", { name: "Delete" });
    await user.click(opener);
    await user.click(screen.getByRole("button", { name: "Delete track" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByLabelText("answer").textContent).toBe("true");
    expect(document.activeElement).toBe(opener);
  });

  it("answers no on Escape, on Cancel and on a click outside", async () => {
    const user = userEvent.setup();
    render(<Asker />);
    await user.click(screen.getByRole("button", { name: "Delete" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByLabelText("answer").textContent).toBe("false");

    await user.click(screen.getByRole("button", { name: "Delete" }));
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Delete" }));
    const backdrop = screen.getByRole("dialog").parentElement;
    if (!backdrop) throw new Error("no backdrop");
    fireEvent.mouseDown(backdrop);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByLabelText("answer").textContent).toBe("false");
  });

  it("renders inside the modal <dialog> it is asked from, where it is not inert", async () => {
    const user = userEvent.setup();
    render(
      <dialog open aria-label="Editor">
        <Asker />
      </dialog>,
    );
    await user.click(screen.getByRole("button", { name: "Delete" }));
    const question = screen.getByRole("dialog", { name: "Delete this track?" });
    expect(question.closest("dialog")).toBe(screen.getByRole("dialog", { name: "Editor" }));
    await user.click(screen.getByRole("button", { name: "Delete track" }));
    expect(screen.getByLabelText("answer").textContent).toBe("true");
  });
});
