// The built game in a real browser: it downloads with a progress bar, draws, and tells its
// page it is ready; a started match reports its goals to the page; a stored record plays back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { sharedBrowser, baseUrl, artifactDir } from "./lib/browser.mjs";
import { colourStats } from "./lib/pixels.mjs";

const shared = sharedBrowser();

test("the game loads with a progress bar, draws a frame and posts ready", { timeout: 240_000 }, async () => {
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 640 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${baseUrl()}/game-host/index.html`);
  const frame = page.frameLocator("#game");

  // The progress bar moved while the wasm arrived, reached 100%, and then made way.
  const loading = frame.locator("#loading");
  // First the game's page itself (the loader panel is hidden when done, never removed), then
  // the end of the download.
  await loading.waitFor({ state: "attached", timeout: 60_000 });
  await loading.waitFor({ state: "hidden", timeout: 180_000 });
  assert.equal(await frame.locator("#loading.failed").count(), 0, await loading.textContent());
  assert.equal(await frame.locator("#loading .bar").getAttribute("aria-valuenow"), "100");
  const updates = Number(await loading.getAttribute("data-progress-updates"));
  assert.ok(updates > 1, `the progress bar moved ${updates} times`);

  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "ready"), null, { timeout: 120_000 });
  const ready = await page.evaluate(() => window.hostLog.find((m) => m.type === "ready"));
  assert.deepEqual(ready, { type: "ready", data: { protocol_version: 2, sim_version: 2 } });

  // A non-blank frame: the title screen over the pitch.
  await page.waitForTimeout(3000);
  const shot = await page.locator("#game").screenshot();
  writeFileSync(`${artifactDir()}/game-title.png`, shot);
  const stats = colourStats(shot);
  assert.ok(stats.distinct > 20, `only ${stats.distinct} colours`);
  assert.ok(stats.commonestShare < 0.8, `one colour covers ${(stats.commonestShare * 100).toFixed(0)}%`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the page starts a match and hears about its goals", { timeout: 300_000 }, async () => {
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 640 } });
  await page.goto(`${baseUrl()}/game-host/index.html`);
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "ready"), null, { timeout: 180_000 });
  await page.evaluate(() =>
    window.sendToGame({
      type: "start",
      data: {
        player: { username: "browser_test", wallet_address: "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ" },
        mode: { kind: "vs_computer", difficulty: "hard" },
      },
    }),
  );
  // Kick off with the keyboard, then stand still: the hard computer scores.
  await page.waitForTimeout(1000);
  await page.locator("#game").click();
  await page.keyboard.press("Enter");
  // The game asks its page to start the match (the site asks the server); it kicks off when
  // the page answers with the match's id.
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "kickoff_requested"), null, { timeout: 60_000 });
  await page.evaluate(() => window.sendToGame({ type: "kickoff", data: { match_id: crypto.randomUUID() } }));
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "goal"), null, { timeout: 240_000 });
  const goal = await page.evaluate(() => window.hostLog.find((m) => m.type === "goal"));
  assert.equal(goal.data.scorer, "right");
  const shot = await page.locator("#game").screenshot();
  writeFileSync(`${artifactDir()}/game-goal.png`, shot);
  await page.close();
});

test("the game plays a record back: paused nothing moves, played on it ends on the record's score", { timeout: 300_000 }, async () => {
  // A real match (standing still against the easy computer), played headless natively.
  const genuine = JSON.parse(process.env.STELLAR_HEADS_GENUINE_MATCH);
  const { record } = genuine.result;
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 640 } });
  await page.goto(`${baseUrl()}/game-host/index.html`);
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "ready"), null, { timeout: 180_000 });
  await page.evaluate((record) => {
    window.sendToGame({ type: "watch", data: { player_name: "replay_test", record } });
    window.sendToGame({ type: "playback", data: { paused: true, speed: 4 } });
  }, record);
  // Paused at 4x: long enough for several goals, yet none comes.
  await page.waitForTimeout(6000);
  assert.deepEqual(await page.evaluate(() => window.hostLog.filter((m) => m.type === "goal").length), 0);
  await page.evaluate(() => window.sendToGame({ type: "playback", data: { paused: false, speed: 4 } }));
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "replay_finished"), null, { timeout: 240_000 });
  const finished = await page.evaluate(() => window.hostLog.find((m) => m.type === "replay_finished"));
  // The wasm32 build ends exactly where the native one did, on the same tick.
  assert.deepEqual(finished.data, {
    left: genuine.result.player_score,
    right: genuine.result.opponent_score,
    ticks: record.ticks,
  });
  // Watching never reports a match to store.
  assert.equal(await page.evaluate(() => window.hostLog.filter((m) => m.type === "match_finished").length), 0);
  await page.close();
});
