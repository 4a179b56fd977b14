// The studio end to end in Debian's Chromium, against `intellimix serve` started here:
// sign up → add demo tracks → prompt → answer or approve → progress → play → download →
// edit the timeline → re-render → a second version. A screenshot per step lands in
// e2e/screenshots/; any console error in the browser fails the run.
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

async function step(page, name, body) {
  log(name);
  await body();
  shot += 1;
  await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
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
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    baseURL: server.base,
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on("console", (message) => message.type() === "error" && recordConsoleError(message));
  page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));

  await scenario(page);
  await narrowScreen(context);
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
    const audio = page.getByTestId("mix-card").first().locator("audio");
    await audio.evaluate((element) => element.play());
    await page.waitForFunction((element) => element.currentTime > 0.3 && !element.paused, await audio.elementHandle(), {
      timeout: 15_000,
    });
    await audio.evaluate((element) => element.pause());
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

  await step(page, "edit-timeline", async () => {
    await page
      .getByTestId("mix-card")
      .first()
      .getByRole("button", { name: /edit timeline/i })
      .click();
    const editor = page.getByTestId("timeline-editor");
    await editor.waitFor();
    await editor.getByTestId("timeline-lane").nth(1).waitFor();
    const length = editor.getByLabel(/transition length/i).first();
    await length.fill("8");
    await length.press("Tab");
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
}

async function narrowScreen(context) {
  const page = await context.newPage();
  page.on("console", (message) => message.type() === "error" && recordConsoleError(message, " (narrow)"));
  await page.setViewportSize({ width: 390, height: 844 });
  await step(page, "narrow-studio", async () => {
    await page.goto("/studio");
    await page.getByTestId("composer").waitFor();
    // The chat list folds behind a button on a phone; it opens on demand.
    await page.getByRole("button", { name: /chats/i }).first().click();
    await page.getByTestId("thread-sidebar").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the studio is ${overflow}px wider than a 390px screen`);
  });
  await step(page, "narrow-library", async () => {
    await page.goto("/library");
    await page.getByTestId("track-list").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the library is ${overflow}px wider than a 390px screen`);
  });
}
