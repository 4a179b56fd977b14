// @vitest-environment jsdom
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { AudioPlayer } from "./AudioPlayer";

type Spy = ReturnType<typeof vi.spyOn>;
let play: Spy;
let pause: Spy;

// jsdom has <audio> without playback: play and pause change `paused` and fire the events a browser would.
beforeEach(() => {
  play = vi.spyOn(HTMLMediaElement.prototype, "play").mockImplementation(function (this: HTMLMediaElement) {
    Object.defineProperty(this, "paused", { value: false, configurable: true });
    this.dispatchEvent(new Event("play"));
    return Promise.resolve();
  });
  pause = vi.spyOn(HTMLMediaElement.prototype, "pause").mockImplementation(function (this: HTMLMediaElement) {
    Object.defineProperty(this, "paused", { value: true, configurable: true });
    this.dispatchEvent(new Event("pause"));
  });
});
afterEach(() => vi.restoreAllMocks());

function audioOf(container: HTMLElement): HTMLAudioElement {
  const audio = container.querySelector("audio");
  if (!audio) throw new Error("no <audio>");
  return audio;
}

function loadMetadata(audio: HTMLAudioElement, duration: number) {
  Object.defineProperty(audio, "duration", { value: duration, configurable: true });
  fireEvent(audio, new Event("loadedmetadata"));
}

describe("AudioPlayer", () => {
  it("asks for the file's metadata and shows its length before anything plays", () => {
    const { container } = render(<AudioPlayer src="/api/v1/files/j1/mix.mp3?token=a" title="Sunset mix" />);
    const audio = audioOf(container);
    expect(audio.getAttribute("preload")).toBe("metadata");
    expect(screen.getByTestId("audio-duration").textContent).toBe("–:––");
    expect(screen.getByRole<HTMLInputElement>("slider", { name: "Seek Sunset mix" }).disabled).toBe(true);
    loadMetadata(audio, 185.2);
    expect(screen.getByTestId("audio-duration").textContent).toBe("3:05");
    expect(screen.getByRole("slider", { name: "Seek Sunset mix" }).getAttribute("aria-valuetext")).toBe("0:00 of 3:05");
    expect(play).not.toHaveBeenCalled();
  });

  it("shows a length known beforehand until the file's own arrives", () => {
    const { container } = render(<AudioPlayer src="/a.wav" title="Night Drive" duration={62} />);
    expect(screen.getByTestId("audio-duration").textContent).toBe("1:02");
    loadMetadata(audioOf(container), 61.4);
    expect(screen.getByTestId("audio-duration").textContent).toBe("1:01");
  });

  it("plays and pauses from a named button, and mutes", () => {
    const { container } = render(<AudioPlayer src="/a.wav" title="Night Drive" />);
    const audio = audioOf(container);
    expect(screen.getByRole("group", { name: "Player: Night Drive" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Play Night Drive" }));
    expect(play).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole("button", { name: "Pause Night Drive" }));
    expect(pause).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: "Play Night Drive" })).toBeTruthy();
    const mute = screen.getByRole("button", { name: "Mute Night Drive" });
    expect(mute.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(mute);
    expect(audio.muted).toBe(true);
    expect(mute.getAttribute("aria-pressed")).toBe("true");
  });

  it("seeks from the keyboard: arrows 5 s, page keys 30 s, never past the ends", () => {
    const onTime = vi.fn();
    const { container } = render(<AudioPlayer src="/a.wav" title="Night Drive" onTime={onTime} />);
    const audio = audioOf(container);
    loadMetadata(audio, 40);
    const slider = screen.getByRole("slider", { name: "Seek Night Drive" });
    fireEvent.keyDown(slider, { key: "ArrowRight" });
    expect(audio.currentTime).toBe(5);
    fireEvent.keyDown(slider, { key: "PageUp" });
    expect(audio.currentTime).toBe(35);
    fireEvent.keyDown(slider, { key: "PageUp" });
    expect(audio.currentTime).toBe(40);
    fireEvent.keyDown(slider, { key: "ArrowLeft" });
    expect(audio.currentTime).toBe(35);
    expect(slider.getAttribute("aria-valuetext")).toBe("0:35 of 0:40");
    expect(onTime).toHaveBeenLastCalledWith(35);
  });

  it("pauses the player that was playing when another starts", () => {
    const { container } = render(
      <>
        <AudioPlayer src="/a.wav" title="First" />
        <AudioPlayer src="/b.wav" title="Second" />
      </>,
    );
    const [first, second] = [...container.querySelectorAll("audio")];
    fireEvent.click(screen.getByRole("button", { name: "Play First" }));
    fireEvent.click(screen.getByRole("button", { name: "Play Second" }));
    expect(first?.paused).toBe(true);
    expect(second?.paused).toBe(false);
    expect(screen.getByRole("button", { name: "Play First" })).toBeTruthy();
  });

  it("asks for a fresh link once when the signed one has expired", () => {
    const onExpired = vi.fn();
    const onUnplayable = vi.fn();
    const { container } = render(
      <AudioPlayer src="/a.wav?token=old" title="Mix" onExpired={onExpired} onUnplayable={onUnplayable} />,
    );
    act(() => void fireEvent.error(audioOf(container)));
    expect(onExpired).toHaveBeenCalledTimes(1);
    act(() => void fireEvent.error(audioOf(container)));
    expect(onUnplayable).toHaveBeenCalledTimes(1); // failing again at once: the file is gone
  });
});
