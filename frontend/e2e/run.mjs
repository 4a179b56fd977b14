// The studio end to end in Debian's Chromium, against `intellimix serve` started here:
// sign up → add demo tracks → prompt → answer or approve → progress → play → download →
// edit the timeline → re-render → a second version. A screenshot per step (1440 px, and the same
// state at 390 px) lands in e2e/screenshots/; any console error in the browser fails the run.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

import { startServer } from "./server.mjs";

const HERE = new URL(".", import.meta.url).pathname;
const SHOTS = join(HERE, "screenshots");
const ARTIFACTS = join(HERE, "artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const STEP_TIMEOUT = 300_000; // demo generation or a render on a loaded 2-core machine

rmSync(SHOTS, { recursive: true, force: true });
mkdirSync(SHOTS, { recursive: true });
mkdirSync(ARTIFACTS, { recursive: true });

const consoleErrors = [];
// Requests a step makes to be refused on purpose: Chromium logs every 4xx response as a console
// error, and only these (once each) are not the app's errors.
const expectedRefusals = [];

function recordConsoleError(message, where = "") {
  const refused = /status of (\d{3})/.exec(message.text());
  const url = message.location().url;
  const expected = refused && expectedRefusals.findIndex((e) => url.includes(e.path) && Number(refused[1]) === e.status);
  if (refused && expected >= 0) return void expectedRefusals.splice(expected, 1);
  consoleErrors.push(`${message.text()} (${url})${where}`);
}
let shot = 0;
const started = Date.now();

function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function step(page, name, body) {
  log(name);
  await body();
  shot += 1;
  const number = String(shot).padStart(2, "0");
  await page.screenshot({ path: join(SHOTS, `${number}-${name}.png`), fullPage: true });
  const size = page.viewportSize();
  if (size && size.width > PHONE.width) {
    // Every step is also looked at on a phone, in the same state, then the run goes on wide.
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SHOTS, `${number}-${name}-390.png`), fullPage: true });
    await page.setViewportSize(size);
  }
}

const server = await startServer({ logDir: ARTIFACTS });
log(`server at ${server.base}`);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"],
});
let failed = false;
try {
  const context = await browser.newContext({
    viewport: WIDE,
    acceptDownloads: true,
    baseURL: server.base,
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on("console", (message) => message.type() === "error" && recordConsoleError(message));
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));

  const threadUrl = await scenario(page);
  await narrowScreen(context, threadUrl);
  if (consoleErrors.length) throw new Error(`browser console errors:\n${consoleErrors.join("\n")}`);
  log("passed");
} catch (error) {
  failed = true;
  console.error(error);
  console.error(`server log: ${join(ARTIFACTS, "server.log")}; screenshots: ${SHOTS}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(server.instance, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/** The conversation shows its newest content (it followed the render into view) and the nav is on screen. */
async function expectChatFollowsNewest(page) {
  await page.waitForFunction(() => {
    const thread = document.querySelector('[data-testid="chat-thread"]');
    return thread && thread.scrollHeight - thread.scrollTop - thread.clientHeight <= 48;
  });
  const nav = await page.getByRole("navigation", { name: "Sections" }).boundingBox();
  if (!nav || nav.y < 0) throw new Error("the nav scrolled out of view");
}

/** A cue sheet read back: its FILE and each TRACK's TITLE and INDEX 01 (mm:ss:ff, 75 frames a second). */
function parseCue(text) {
  const sheet = { file: null, tracks: [] };
  for (const line of text.split(/\r?\n/)) {
    const [, command, rest] = /^\s*(\w+)\s*(.*)$/.exec(line) ?? [];
    const quoted = /^"([^"]*)"/.exec(rest ?? "")?.[1];
    if (command === "FILE") sheet.file = quoted;
    else if (command === "TRACK") sheet.tracks.push({ title: null, start_s: null });
    else if (command === "TITLE" && sheet.tracks.length) sheet.tracks.at(-1).title = quoted;
    else if (command === "INDEX" && sheet.tracks.length) {
      const [m, sec, frames] = rest.split(" ")[1].split(":").map(Number);
      sheet.tracks.at(-1).start_s = m * 60 + sec + frames / 75;
    }
  }
  return sheet;
}

/** Every control on the page has an accessible name (a label, aria-label or text). */
async function expectLabelledControls(page, where) {
  const unlabelled = await page.evaluate(() => {
    const named = (el) => {
      if (el.getAttribute("aria-label")?.trim() || el.getAttribute("aria-labelledby")) return true;
      if ("labels" in el && el.labels && el.labels.length > 0) return true;
      if (el.getAttribute("title")?.trim()) return true;
      return ["BUTTON", "A"].includes(el.tagName) && el.textContent.trim().length > 0;
    };
    const visible = (el) => el.getClientRects().length > 0;
    return [...document.querySelectorAll("button, a[href], input:not([type=hidden]), select, textarea")]
      .filter((el) => visible(el) && !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
  if (unlabelled.length) throw new Error(`unlabelled controls on ${where}:\n${unlabelled.join("\n")}`);
}

function nav(page, name) {
  return page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name, exact: true });
}

async function scenario(page) {
  const email = `e2e-${Date.now()}@example.com`;

  await step(page, "sign-up", async () => {
    await page.goto("/register");
    await page.getByLabel("Name").fill("E2E Producer");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/studio/);
  });

  await step(page, "demo-tracks", async () => {
    await nav(page, "Library").click();
    await page
      .getByRole("button", { name: /add demo tracks/i })
      .first()
      .click();
    const list = page.getByTestId("track-list");
    await list.getByText("Warehouse Sunrise").waitFor();
    // Ready once analysed: no row still pending or analysing.
    await page.waitForFunction(
      () => {
        const rows = document.querySelectorAll('[data-testid="track-list"] [data-status]');
        return rows.length >= 5 && [...rows].every((row) => row.getAttribute("data-status") === "ready");
      },
      undefined,
      { timeout: STEP_TIMEOUT },
    );
  });

  await step(page, "prompt", async () => {
    await nav(page, "Studio").click();
    await page
      .getByRole("button", { name: /new mix/i })
      .first()
      .click();
    await page.waitForURL(/\/studio\/[\w-]+/);
    const composer = page.getByTestId("composer").getByLabel("Message");
    await composer.fill("Mix Warehouse Sunrise into Night Runner at 124 BPM, about 70 seconds, with a smooth crossfade");
    await composer.press("Enter");
  });

  await step(page, "draft", async () => {
    const plan = page.getByTestId("plan-card").last();
    const question = page.getByTestId("question-card").last();
    await plan.or(question).waitFor({ timeout: STEP_TIMEOUT });
    if (await question.isVisible()) {
      await question.locator(".chip, .check input").first().click(); // an option, or a checkbox of a multi-select question
      await question.getByRole("button", { name: /send|answer|submit/i }).click();
      await page.getByTestId("plan-card").last().waitFor({ timeout: STEP_TIMEOUT });
    }
  });

  await step(page, "progress", async () => {
    await page.getByTestId("plan-card").last().getByRole("button", { name: "Approve" }).click();
    await page.getByRole("progressbar").first().waitFor();
    // A reload finds the run again (the session survives through the stored refresh token).
    await page.reload();
    await page.getByRole("progressbar").or(page.getByTestId("mix-card")).first().waitFor({ timeout: STEP_TIMEOUT });
  });

  await step(page, "mix-ready", async () => {
    await page.getByTestId("mix-card").first().waitFor({ timeout: STEP_TIMEOUT });
    await expectChatFollowsNewest(page);
  });

  await step(page, "play", async () => {
    // The themed player: its length shows before playing, and its named button plays and pauses.
    const card = page.getByTestId("mix-card").first();
    await expectDurationShown(card);
    await card.getByRole("button", { name: /^Play / }).click();
    const audio = card.locator("audio");
    await page.waitForFunction((element) => element.currentTime > 0.3 && !element.paused, await audio.elementHandle(), {
      timeout: 15_000,
    });
    await card.getByRole("button", { name: /^Pause / }).click();
    await page.waitForFunction((element) => element.paused, await audio.elementHandle());
  });

  await step(page, "download", async () => {
    const card = page.getByTestId("mix-card").first();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      card.getByRole("link", { name: /wav/i }).first().click(),
    ]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    const bytes = readFileSync(path);
    if (bytes.subarray(0, 4).toString() !== "RIFF" || bytes.length < 1_000_000) {
      throw new Error(`the downloaded WAV is not a WAV of a mix (${bytes.length} bytes)`);
    }
    // Named after the mix, not "mix.wav"; the cue sheet names that file and every track in it.
    const title = (await card.locator("h3").first().textContent()).trim();
    if (download.suggestedFilename() !== `${title}.wav`) {
      throw new Error(`the WAV downloads as ${download.suggestedFilename()}, not "${title}.wav"`);
    }
    const [cue] = await Promise.all([
      page.waitForEvent("download"),
      card.getByRole("link", { name: /cue sheet \(\.cue\)/i }).click(),
    ]);
    const cuePath = join(ARTIFACTS, cue.suggestedFilename());
    await cue.saveAs(cuePath);
    const sheet = parseCue(readFileSync(cuePath, "utf8"));
    if (cue.suggestedFilename() !== `${title}.cue` || sheet.file !== `${title}.wav`) {
      throw new Error(`the cue sheet ${cue.suggestedFilename()} points at ${sheet.file}`);
    }
    const titles = sheet.tracks.map((track) => track.title);
    if (titles.join() !== "Warehouse Sunrise,Night Runner" || sheet.tracks[0].start_s !== 0 || !(sheet.tracks[1].start_s > 10)) {
      throw new Error(`the cue sheet lists ${JSON.stringify(sheet.tracks)}`);
    }
  });

  const threadUrl = page.url();
  const tracksSeen = recordTrackDetails(page);
  const editor = page.getByTestId("timeline-editor");
  const arrangement = editor.getByTestId("arrangement");

  await step(page, "arrangement-1440", async () => {
    await page
      .getByTestId("mix-card")
      .first()
      .getByRole("button", { name: /edit timeline/i })
      .click();
    await arrangement.waitFor();
    await arrangement.getByRole("slider", { name: "Out point of Warehouse Sunrise" }).waitFor();
    await arrangement.getByRole("slider", { name: "Transition into Night Runner" }).waitFor();
    await expectWaveformsDrawn(page);
    await expectLabelledControls(page, "the arrangement");
  });

  await step(page, "arrangement-drag-cut", async () => {
    // The cut between the two tracks: Warehouse Sunrise's out point, dragged two seconds of the
    // view earlier and snapped to a beat of its track; the mix gets shorter.
    const handle = arrangement.getByRole("slider", { name: "Out point of Warehouse Sunrise" });
    const before = Number(await handle.getAttribute("aria-valuenow"));
    const total = await editor.getByTestId("timeline-total").textContent();
    await dragBy(page, handle, -2 * (await pixelsPerSecond(handle)));
    const after = Number(await handle.getAttribute("aria-valuenow"));
    const beats = tracksSeen["Warehouse Sunrise"]?.analysis?.beats ?? [];
    if (!(after < before - 1) || !beats.some((beat) => Math.abs(beat - after) < 0.002)) {
      throw new Error(`the dragged cut went from ${before} to ${after} s, not earlier onto a beat`);
    }
    await page.waitForFunction(
      ([element, old]) => element.textContent !== old,
      [await editor.getByTestId("timeline-total").elementHandle(), total],
    );
  });

  await step(page, "arrangement-drag-transition", async () => {
    // The crossfade's start dragged earlier: it lengthens, in whole beats.
    const edge = arrangement.getByRole("slider", { name: "Transition into Night Runner" });
    const beatsOf = async () => Number(/(\d+) beats/.exec(await edge.getAttribute("aria-valuetext"))?.[1]);
    const before = await beatsOf();
    await dragBy(page, edge, -3 * (await pixelsPerSecond(edge)));
    const after = await beatsOf();
    if (!(after >= before + 4)) throw new Error(`the transition went from ${before} to ${after} beats`);
  });

  await step(page, "arrangement-keyboard", async () => {
    // Zoomed in to beats: the focused in point is scrolled into view and kept there.
    for (let i = 0; i < 4; i += 1) await arrangement.getByRole("button", { name: "Zoom in" }).click();
    const handle = arrangement.getByRole("slider", { name: "In point of Night Runner" });
    await handle.focus();
    const before = Number(await handle.getAttribute("aria-valuenow"));
    await page.keyboard.press("ArrowRight");
    const beat = Number(await handle.getAttribute("aria-valuenow"));
    await page.keyboard.press("Shift+ArrowRight");
    const bar = Number(await handle.getAttribute("aria-valuenow"));
    // A beat at the track's tempo is 0.4–0.6 s for the demo set; a bar is four of them.
    if (!(beat - before > 0.3 && beat - before < 0.7 && bar - beat > 0.3 && bar - beat <= 2.5)) {
      throw new Error(`keys moved the in point ${before} → ${beat} → ${bar} s`);
    }
    await page.keyboard.press("ArrowLeft");
    if (Number(await handle.getAttribute("aria-valuenow")) >= bar) throw new Error("ArrowLeft did not move the in point back");
    const [view, box] = [await arrangement.locator(".arr-scroll").boundingBox(), await handle.boundingBox()];
    if (box.x < view.x || box.x + box.width > view.x + view.width) throw new Error("the moved in point is out of view");
  });

  await step(page, "arrangement-playhead", async () => {
    await arrangement.getByRole("button", { name: "Fit" }).click();
    await arrangement.getByRole("button", { name: /play mix/i }).click();
    const playhead = arrangement.getByTestId("arrangement-playhead");
    await playhead.waitFor();
    const at = async () => Number(await playhead.getAttribute("data-seconds"));
    await page.waitForFunction((element) => Number(element?.getAttribute("data-seconds")) > 0.5, await playhead.elementHandle(), {
      timeout: 15_000,
    });
    const first = await at();
    const x1 = (await playhead.boundingBox()).x;
    await page.waitForFunction(
      ([element, from]) => Number(element?.getAttribute("data-seconds")) > from + 1,
      [await playhead.elementHandle(), first],
      { timeout: 15_000 },
    );
    const x2 = (await playhead.boundingBox()).x;
    if (!(x2 > x1)) throw new Error(`the playhead did not move on screen (${x1} → ${x2})`);
    const clock = await arrangement.getByTestId("arrangement-clock").textContent();
    if (!/^0:0[1-9]\.\d \/ 1:\d\d\.\d$/.test(clock)) throw new Error(`the clock reads ${clock}`);
  });

  await step(page, "arrangement-preview-playhead", async () => {
    // A transition's preview moves the playhead through its window: from a few seconds before
    // the transition starts, onwards.
    await arrangement.getByRole("button", { name: /pause mix/i }).click();
    const edge = arrangement.getByRole("slider", { name: "Transition into Night Runner" });
    const start = Number(await edge.getAttribute("aria-valuenow"));
    await arrangement.getByRole("button", { name: "Play the transition into Night Runner" }).click();
    const playhead = arrangement.getByTestId("arrangement-playhead");
    await page.waitForFunction(
      ([element, from]) => {
        const at = Number(element?.getAttribute("data-seconds"));
        return element?.classList.contains("is-playing") && at > from - 4 && at < from + 30;
      },
      [await playhead.elementHandle(), start],
      { timeout: 20_000 },
    );
    const first = Number(await playhead.getAttribute("data-seconds"));
    await page.waitForFunction(
      ([element, from]) => Number(element?.getAttribute("data-seconds")) > from + 0.5,
      [await playhead.elementHandle(), first],
      { timeout: 10_000 },
    );
  });

  await step(page, "edit-timeline", async () => {
    const stop = arrangement.getByRole("button", { name: "Stop the preview of the transition into Night Runner" });
    if (await stop.isVisible()) await stop.click();
    // The form editing lives on in the details.
    await editor.getByTestId("timeline-details").locator("summary").click();
    await editor.getByTestId("timeline-lane").nth(1).waitFor();
    const length = editor.getByLabel(/transition length/i).first();
    await length.fill("8");
    await length.press("Tab");
    await arrangement.getByRole("slider", { name: "Transition into Night Runner" }).waitFor();
    const text = await arrangement.getByRole("slider", { name: "Transition into Night Runner" }).getAttribute("aria-valuetext");
    if (!/ 8 beats/.test(text)) throw new Error(`the arrangement did not follow the form: ${text}`);
    await expectLabelledControls(page, "the timeline editor");
  });

  await step(page, "re-render", async () => {
    await page
      .getByTestId("timeline-editor")
      .getByRole("button", { name: /save as new draft/i })
      .click();
    const drafts = page.getByTestId("plan-card");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="plan-card"]').length >= 2, undefined, {
      timeout: STEP_TIMEOUT,
    });
    await drafts.last().getByRole("button", { name: "Approve" }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="mix-card"]').length >= 2, undefined, {
      timeout: STEP_TIMEOUT,
    });
    await expectLabelledControls(page, "the studio");
  });

  await step(page, "ask-about-a-track", async () => {
    const composer = page.getByTestId("composer").getByLabel("Message");
    await composer.fill("what key is Night Runner in?");
    await composer.press("Enter");
    const card = page.getByTestId("analysis-card").last();
    await card.waitFor({ timeout: STEP_TIMEOUT });
    await card
      .getByRole("link", { name: /night runner/i })
      .first()
      .waitFor();
  });

  await step(page, "history", async () => {
    await nav(page, "History").click();
    const list = page.getByTestId("history-list");
    await list.waitFor();
    // Both renders are jobs with their files.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-list"] > li').length >= 2);
    await expectDurationShown(list);
    await expectLabelledControls(page, "history");
  });

  await step(page, "generate-form", async () => {
    await nav(page, "Generate").click();
    await page.getByTestId("generate-page").waitFor();
    await page.getByLabel("Describe the track").fill("a house beat at 500 bpm in H major");
    expectedRefusals.push({ path: "/api/v1/generate-ai", status: 422 });
    await page.getByRole("button", { name: /^generate/i }).click();
    await page
      .getByText(/not a key/i)
      .first()
      .waitFor(); // the server's 422, shown at the field
    await expectLabelledControls(page, "generate");
  });

  await step(page, "library-detail", async () => {
    await nav(page, "Library").click();
    await page.getByTestId("track-list").getByText("Warehouse Sunrise").click();
    await page.getByTestId("track-detail").waitFor();
    await page.getByTestId("spectral-balance").waitFor();
    await expectLabelledControls(page, "a track's analysis");
  });

  await step(page, "library-sort", async () => {
    await nav(page, "Library").click();
    const table = page.getByTestId("track-list");
    await table.getByText("Warehouse Sunrise").waitFor();
    await table.getByRole("button", { name: "BPM", exact: true }).click();
    await page.waitForURL(/sort=bpm/);
    await expectColumnSorted(page, "BPM", "ascending");
    await table.getByRole("button", { name: "BPM", exact: true }).click();
    await page.waitForURL(/order=desc/);
    await expectColumnSorted(page, "BPM", "descending");
    await table.getByRole("button", { name: "Title", exact: true }).click();
    await page.waitForURL(/sort=title/);
    await page.waitForFunction(() => {
      const titles = [...document.querySelectorAll('[data-testid="track-list"] tbody .track-title')].map((a) => a.textContent);
      return titles.length >= 5 && titles.every((title, i) => i === 0 || titles[i - 1].localeCompare(title) <= 0);
    });
    await expectLabelledControls(page, "the library");
  });

  await step(page, "library-filter", async () => {
    const table = page.getByTestId("track-list");
    await page.getByLabel("Min BPM").fill("120");
    await page.getByLabel("Max BPM").fill("150");
    await page.waitForURL(/bpm_min=120.*bpm_max=150|bpm_max=150.*bpm_min=120/);
    await page.waitForFunction(() => {
      const values = [...document.querySelectorAll('[data-testid="track-list"] tbody tr')].map((row) =>
        Number(row.querySelector(".col-num")?.textContent.replace(/[^0-9.]/g, "")),
      );
      return values.length > 0 && values.length < 5 && values.every((bpm) => bpm >= 119.5 && bpm <= 150.5);
    });
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="track-list"] tbody tr').length >= 5);
    // Keys that mix with Warehouse Sunrise: its Camelot code, a step either way, or the relative key.
    const reference = await table.locator("tr", { hasText: "Warehouse Sunrise" }).locator(".camelot-badge").textContent();
    await table.getByRole("button", { name: "Match key: show tracks that mix with Warehouse Sunrise" }).click();
    await page.getByTestId("key-match").getByText(`(${reference.trim()})`).waitFor();
    const codes = await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="track-list"] tbody tr')];
      return rows.length > 0 && rows.length < 5 && rows.map((row) => row.querySelector(".camelot-badge")?.textContent.trim());
    });
    const neighbours = camelotNeighbours(reference.trim());
    const shown = await codes.jsonValue();
    if (!shown.includes(reference.trim()) || shown.some((code) => !neighbours.includes(code))) {
      throw new Error(`keys that mix with ${reference}: the list shows ${shown.join(", ")}`);
    }
    await expectLabelledControls(page, "the filtered library");
    await page.getByRole("button", { name: "Clear the key match" }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="track-list"] tbody tr').length >= 5);
  });

  await step(page, "library-play", async () => {
    const table = page.getByTestId("track-list");
    await table.getByRole("button", { name: "Play Night Runner" }).click();
    const player = page.getByTestId("now-playing");
    const audio = player.locator("audio");
    await page.waitForFunction((element) => element.currentTime > 0.3 && !element.paused, await audio.elementHandle(), {
      timeout: 15_000,
    });
    await table.getByRole("button", { name: "Pause Night Runner" }).click();
    await page.waitForFunction((element) => element.paused, await audio.elementHandle());
  });

  await step(page, "duplicate-upload", async () => {
    const file = { name: "e2e tone.wav", mimeType: "audio/wav", buffer: toneWav(6) };
    const input = page.locator("input.upload-input");
    await input.setInputFiles(file);
    const first = page.getByRole("listitem", { name: "Upload e2e tone.wav" }).first();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[aria-label="Upload e2e tone.wav"]')].some((row) =>
        ["analyzing", "ready"].includes(row.getAttribute("data-phase")),
      ),
    );
    await first.waitFor();
    await input.setInputFiles({ ...file, name: "e2e tone (copy).wav" });
    const offer = page.getByRole("listitem", { name: "Upload e2e tone (copy).wav" }).getByTestId("duplicate-offer");
    await offer.waitFor();
    await offer.getByText("already in your library as").waitFor();
    await expectLabelledControls(page, "a duplicate upload");
    await page.getByTestId("track-list").getByText("e2e tone").first().waitFor();
    const copies = await page
      .getByTestId("track-list")
      .locator(".track-title", { hasText: /^e2e tone/ })
      .count();
    if (copies !== 1) throw new Error(`the duplicate upload made ${copies} tracks`);
    await offer.getByRole("link", { name: /^Open / }).click();
    await page.getByTestId("track-detail").waitFor();
    // Its analysis ends before it is deleted below (the page stops asking for it).
    await page.waitForFunction(
      () => /^(Ready|Failed)$/.test(document.querySelector('[data-testid="track-detail"] .badges .badge')?.textContent ?? ""),
      undefined,
      { timeout: STEP_TIMEOUT },
    );
  });

  await step(page, "confirm-dialog", async () => {
    // Deleting asks in the studio's own dialog: Escape keeps the track, the dialog's button deletes it.
    await page.getByRole("button", { name: "Delete track" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this track?" });
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Delete track" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete track" }).click();
    await page.getByTestId("library-page").waitFor();
  });
  return threadUrl;
}

/** Pixels per second of the arrangement around `handle`: its content is the mix's length wide at that zoom. */
async function pixelsPerSecond(handle) {
  return handle.evaluate((element) => {
    const content = element.closest(".arr-content");
    const handles = [...content.querySelectorAll('[role="slider"][aria-label^="Out point"]')];
    const last = handles.at(-1);
    const clock = document.querySelector('[data-testid="timeline-total"]').textContent;
    const [minutes, seconds] = clock.split(":").map(Number);
    return parseFloat(last.style.left) / (minutes * 60 + seconds);
  });
}

/** Press on the middle of `handle`, move `dx` pixels in steps, let go. */
async function dragBy(page, handle, dx) {
  await handle.scrollIntoViewIfNeeded();
  const box = await handle.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y, { steps: 8 });
  await page.mouse.up();
}

/** Every track detail the studio reads (GET /tracks/<id>), by title: the editor loads its plan's tracks so. */
function recordTrackDetails(page) {
  const byTitle = {};
  page.on("response", async (response) => {
    if (!/\/api\/v1\/tracks\/[\w-]+$/.test(new URL(response.url()).pathname) || response.request().method() !== "GET") return;
    const body = await response.json().catch(() => null);
    if (body?.track) byTitle[body.track.title] = body.track;
  });
  return byTitle;
}

/** The arrangement's canvas holds coloured waveform pixels (the three bands), not just the grid. */
async function expectWaveformsDrawn(page) {
  await page.waitForFunction(() => {
    const canvas = document.querySelector(".arr-canvas");
    const context = canvas?.getContext("2d");
    if (!context || canvas.width === 0) return false;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let blue = 0;
    let amber = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (b > 200 && r < 100) blue += 1;
      if (r > 200 && g > 130 && b < 60) amber += 1;
    }
    return blue > 500 && amber > 500;
  });
}

/** The themed player inside `scope` shows a length before anything played (metadata preloaded). */
async function expectDurationShown(scope) {
  await scope.getByTestId("audio-duration").first().waitFor();
  await scope
    .page()
    .waitForFunction(
      (element) => /^\d+:\d\d/.test(element.textContent),
      await scope.getByTestId("audio-duration").first().elementHandle(),
    );
}

/** The column header says how it is sorted, and the rows' numbers follow it (unknown values last). */
async function expectColumnSorted(page, name, direction) {
  await page.waitForFunction(
    ([column, order]) => {
      const header = [...document.querySelectorAll('[data-testid="track-list"] th')].find((th) =>
        th.textContent.startsWith(column),
      );
      if (header?.getAttribute("aria-sort") !== order) return false;
      const values = [...document.querySelectorAll('[data-testid="track-list"] tbody tr')]
        .map((row) => Number(row.querySelector(".col-num")?.textContent.replace(/[^0-9.]/g, "")))
        .filter((value) => value > 0);
      return (
        values.length >= 5 && values.every((v, i) => i === 0 || (order === "ascending" ? values[i - 1] <= v : values[i - 1] >= v))
      );
    },
    [name, direction],
  );
}

/** The Camelot codes that mix with `code` (the backend's camelot_neighbours). */
function camelotNeighbours(code) {
  const number = Number(code.slice(0, -1));
  const letter = code.slice(-1);
  const step = (n) => ((n + 11) % 12) + 1;
  return [
    `${number}${letter}`,
    `${step(number - 1)}${letter}`,
    `${step(number + 1)}${letter}`,
    `${number}${letter === "A" ? "B" : "A"}`,
  ];
}

/** `seconds` of a 16-bit mono WAV: a tone with a click on every beat at 120 BPM. */
function toneWav(seconds, rate = 22050) {
  const frames = seconds * rate;
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i += 1) {
    const beat = i % (rate / 2) < rate / 100 ? 0.6 : 0;
    const sample = 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) + beat * Math.sin((2 * Math.PI * 60 * i) / rate);
    data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, sample)) * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

async function narrowScreen(context, threadUrl) {
  const page = await context.newPage();
  page.on("console", (message) => message.type() === "error" && recordConsoleError(message, " (narrow)"));
  await page.setViewportSize(PHONE);
  await step(page, "narrow-studio", async () => {
    await page.goto("/studio");
    await page.getByTestId("composer").waitFor();
    // The chat list folds behind a button on a phone; it opens on demand.
    await page.getByRole("button", { name: /chats/i }).first().click();
    await page.getByTestId("thread-sidebar").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the studio is ${overflow}px wider than a 390px screen`);
  });
  await step(page, "narrow-arrangement", async () => {
    // On a phone the arrangement scrolls inside its box; the page itself stays 390 px wide.
    await page.goto(threadUrl);
    await page
      .getByTestId("mix-card")
      .first()
      .getByRole("button", { name: /edit timeline/i })
      .click();
    const arrangement = page.getByTestId("arrangement");
    await arrangement.getByRole("slider", { name: "Transition into Night Runner" }).waitFor();
    await expectWaveformsDrawn(page);
    await arrangement.getByRole("button", { name: "Zoom in" }).click();
    await arrangement.getByRole("button", { name: "Zoom in" }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the arrangement is ${overflow}px wider than a 390px screen`);
    await expectLabelledControls(page, "the arrangement on a phone");
  });
  await step(page, "narrow-library", async () => {
    await page.goto("/library");
    await page.getByTestId("track-list").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the library is ${overflow}px wider than a 390px screen`);
  });
}
