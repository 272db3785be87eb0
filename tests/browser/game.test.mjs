// The built game in a real browser: it downloads with a progress bar while it compiles
// (streaming), draws, and tells its page it is ready; its HTML overlay drives a match; a
// started match reports its goals to the page; a stored record plays back; without WebGL2 it
// says so before downloading, and a crash ends in a message with a reload button. Prints the
// time to the first frame, cold and warm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { sharedBrowser, baseUrl, artifactDir, launch } from "./lib/browser.mjs";
import { colourStats } from "./lib/pixels.mjs";
import { genuineMatch } from "./lib/record.mjs";

const shared = sharedBrowser();

// Records how every WebAssembly module of a page (and its frames) is compiled.
async function spyOnCompilation(page) {
  await page.addInitScript(() => {
    window.wasmCompilations = [];
    const streaming = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = async (source, imports) => {
      const response = await source;
      window.wasmCompilations.push({ how: "streaming", url: response.url });
      return streaming.call(WebAssembly, response, imports);
    };
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (what, imports) => {
      window.wasmCompilations.push({ how: what instanceof WebAssembly.Module ? "module" : "bytes" });
      return instantiate.call(WebAssembly, what, imports);
    };
  });
}

function gameFrame(page) {
  return page.frames().find((frame) => frame.url().includes("/game/"));
}

// Milliseconds from the game page's navigation to its first drawn frame.
async function firstFrameMs(frame) {
  const mark = await frame.waitForFunction(
    () => performance.getEntriesByName("stellar-heads:first-frame")[0]?.startTime,
    null,
    { timeout: 240_000, polling: 50 },
  );
  return Math.round(await mark.jsonValue());
}

test("the game loads with a progress bar while it compiles, draws a frame and posts ready", { timeout: 240_000 }, async () => {
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 640 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  await spyOnCompilation(page);
  await page.goto(`${baseUrl()}/game-host/index.html`);
  const frame = page.frameLocator("#game");

  // The progress bar moved while the wasm arrived, reached 100%, and then made way.
  const loading = frame.locator("#loading");
  // First the game's page itself (the loader panel is hidden when done, never removed), then
  // the end of the download.
  await loading.waitFor({ state: "attached", timeout: 60_000 });
  await loading.waitFor({ state: "hidden", timeout: 180_000 });
  assert.equal(await frame.locator("#loading.failed").count(), 0, await loading.textContent());
  assert.equal(await frame.locator("#loading .progress").getAttribute("aria-valuenow"), "100");
  const updates = Number(await loading.getAttribute("data-progress-updates"));
  assert.ok(updates > 1, `the progress bar moved ${updates} times`);
  // Compiled from the response as it arrived, never from a finished download.
  const compilations = await gameFrame(page).evaluate(() => window.wasmCompilations);
  assert.equal(compilations.length, 1, JSON.stringify(compilations));
  assert.equal(compilations[0].how, "streaming");
  assert.match(compilations[0].url, /stellar_heads_game-[0-9a-f]+_bg\.wasm$/);

  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "ready"), null, { timeout: 120_000 });
  const ready = await page.evaluate(() => window.hostLog.find((m) => m.type === "ready"));
  assert.deepEqual(ready, { type: "ready", data: { protocol_version: 3, sim_version: 4 } });

  // The title screen (HTML over the canvas) names the players; a non-blank frame behind it.
  await frame.locator("#title").waitFor({ state: "visible" });
  assert.match(await frame.locator("#title-lineup").textContent(), / vs /);
  await page.waitForTimeout(3000);
  const shot = await page.locator("#game").screenshot();
  writeFileSync(`${artifactDir()}/game-title.png`, shot);
  const stats = colourStats(shot);
  assert.ok(stats.distinct > 20, `only ${stats.distinct} colours`);
  assert.ok(stats.commonestShare < 0.8, `one colour covers ${(stats.commonestShare * 100).toFixed(0)}%`);
  // The game's warnings reach the console (its own log set-up, src/web/engine.rs): a
  // malformed message from its page is one.
  await page.evaluate(() => document.querySelector("#game").contentWindow.postMessage("{not json", window.location.origin));
  const warned = (line) => line.includes("WARN") && line.includes("ignoring a malformed message from the page");
  for (let waited = 0; !consoleLines.some(warned) && waited < 10_000; waited += 100) await page.waitForTimeout(100);
  assert.ok(consoleLines.some(warned), `no warning in the console: ${JSON.stringify(consoleLines)}`);
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
  await page.frameLocator("#game").locator("canvas#game").focus();
  await page.keyboard.press("Enter");
  // The game asks its page to start the match (the site asks the server); it kicks off when
  // the page answers with the match's id.
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "kickoff_requested"), null, { timeout: 60_000 });
  await page.evaluate(() => window.sendToGame({ type: "kickoff", data: { match_id: crypto.randomUUID(), seed: 7 } }));
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "goal"), null, { timeout: 240_000 });
  const goal = await page.evaluate(() => window.hostLog.find((m) => m.type === "goal"));
  assert.equal(goal.data.scorer, "right");
  const shot = await page.locator("#game").screenshot();
  writeFileSync(`${artifactDir()}/game-goal.png`, shot);
  await page.close();
});

test("the game plays a record back: paused nothing moves, played on it ends on the record's score", { timeout: 300_000 }, async () => {
  // A real match (standing still against the normal computer), played headless natively.
  const genuine = genuineMatch(20261203);
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

test("the overlay's buttons choose the opponent, kick off, pause and resume; looking away pauses", { timeout: 300_000 }, async () => {
  // The game's own page, not embedded: its buttons decide the mode.
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 640 } });
  await page.goto(`${baseUrl()}/game/index.html`);
  await page.locator("#title").waitFor({ state: "visible", timeout: 240_000 });
  await page.locator('[data-action="mode:hard"]').click();
  await page.waitForFunction(() => document.querySelector('[data-action="mode:hard"]').classList.contains("chosen"));
  assert.equal(await page.locator("button.chosen").count(), 1);
  assert.equal(await page.locator("#title-lineup").textContent(), "You vs CPU (hard)");
  await page.locator("#kickoff").click();
  await page.locator("#hud").waitFor({ state: "visible", timeout: 30_000 });
  assert.equal(await page.locator("#title").isHidden(), true);
  assert.equal(await page.locator("#hud-right").textContent(), "CPU (hard)");
  // The button gave the keyboard back to the game: P pauses.
  await page.locator("#banner").waitFor({ state: "hidden", timeout: 30_000 });
  await page.keyboard.press("p");
  await page.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
  const clock = await page.locator("#hud-clock").textContent();
  await page.waitForTimeout(2500);
  assert.equal(await page.locator("#hud-clock").textContent(), clock, "the clock stands still while paused");
  await page.locator('[data-action="resume"]').click();
  await page.locator("#paused").waitFor({ state: "hidden", timeout: 10_000 });
  writeFileSync(`${artifactDir()}/game-overlay.png`, await page.screenshot());

  // Looking away pauses the match: the tab hidden (as the browser reports it to the page),
  // then the window losing focus. Each time it waits for the player to resume.
  await page.evaluate(() => {
    Object.defineProperty(document, "hidden", { value: true, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
  const hiddenAt = await page.locator("#hud-clock").textContent();
  await page.evaluate(() => {
    delete document.hidden;
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.waitForTimeout(2500);
  assert.equal(await page.locator("#hud-clock").textContent(), hiddenAt, "back on the tab, the match waits for the player");
  await page.keyboard.press("p");
  await page.locator("#paused").waitFor({ state: "hidden", timeout: 10_000 });
  await page.evaluate(() => window.dispatchEvent(new Event("blur")));
  await page.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
  await page.close();
});

test("time to the first frame, cold and with a warm cache", { timeout: 600_000 }, async () => {
  const context = await shared.browser.newContext({ viewport: { width: 1100, height: 640 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl()}/game/index.html`);
  const cold = await firstFrameMs(page.mainFrame());
  await page.waitForTimeout(2000);
  await page.reload();
  const warm = await firstFrameMs(page.mainFrame());
  const transferred = await page.evaluate(() =>
    performance.getEntriesByType("resource").filter((r) => r.name.endsWith(".wasm")).map((r) => r.transferSize),
  );
  // Loopback, headless Chromium with SwiftShader on this machine: compare runs, not sites.
  console.log(`first frame: cold ${cold} ms, warm ${warm} ms (wasm bytes transferred on the warm load: ${transferred})`);
  assert.ok(cold > 0 && warm > 0);
  await context.close();
});

test("without WebGL2 the page says so and downloads nothing", { timeout: 120_000 }, async () => {
  const browser = await launch(["--disable-webgl2"]);
  try {
    const page = await browser.newPage();
    const requested = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${baseUrl()}/game/index.html`);
    const failed = page.locator('#loading.failed[data-failure="webgl2"]');
    await failed.waitFor({ state: "visible", timeout: 30_000 });
    assert.match(await failed.locator(".status").textContent(), /needs WebGL2/);
    assert.deepEqual(requested.filter((url) => url.endsWith(".wasm")), []);
    writeFileSync(`${artifactDir()}/game-no-webgl2.png`, await page.screenshot());
  } finally {
    await browser.close();
  }
});

test("a crash shows a message with a reload button that restarts the game", { timeout: 300_000 }, async () => {
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 640 } });
  await page.goto(`${baseUrl()}/game/index.html`);
  await page.locator("#loading").waitFor({ state: "hidden", timeout: 240_000 });
  // A real panic: starting the game a second time in the same page (the event loop exists
  // already), from a task of its own, as a panic in a frame would surface.
  await page.evaluate(async () => {
    const game = await import(`./${document.getElementById("loading").dataset.js}`);
    setTimeout(() => game.start(), 0);
  });
  const crashed = page.locator('#loading.failed[data-failure="crash"]');
  await crashed.waitFor({ state: "visible", timeout: 30_000 });
  assert.match(await crashed.locator(".status").textContent(), /crashed/);
  writeFileSync(`${artifactDir()}/game-crash.png`, await page.screenshot());
  await Promise.all([page.waitForEvent("load"), crashed.locator(".reload").click()]);
  await page.locator("#loading").waitFor({ state: "hidden", timeout: 240_000 });
  assert.equal(await page.locator("#loading.failed").count(), 0);
  await page.close();
});
