// Touch and gamepad in a real browser: on a phone (Chromium's device emulation: touch, a
// coarse pointer, 360x640) the game shows its on-screen controls, asks to be turned sideways
// when upright, and a match is played to its end with touch alone (two thumbs at once); with
// an emulated standard gamepad (the page's navigator.getGamepads answers with a test pad) a
// match is kicked off, paused, played and finished with the gamepad alone. The match records
// the game posts show which inputs reached the simulation. Sound (Web Audio, watched through
// the page's audio objects) starts only at the first gesture and obeys the remembered mute;
// the pause menu resumes, restarts and quits to the title.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { sharedBrowser, baseUrl, artifactDir } from "./lib/browser.mjs";
import { INPUT, recordFrames } from "./lib/record.mjs";

const shared = sharedBrowser();

const PLAYER = { username: "browser_test", wallet_address: "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ" };

// The game embedded in the test host, filling the page; started against the hard computer.
async function hostedGame(page) {
  await page.goto(`${baseUrl()}/game-host/index.html`);
  await page.addStyleTag({ content: "iframe#game { width: 100vw !important; height: 100vh !important; }" });
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "ready"), null, { timeout: 240_000 });
  await page.evaluate((player) => window.sendToGame({ type: "start", data: { player, mode: { kind: "vs_computer", difficulty: "hard" } } }), PLAYER);
  const frame = page.frames().find((f) => f.url().includes("/game/"));
  await frame.locator("#title").waitFor({ state: "visible", timeout: 60_000 });
  return frame;
}

// The host answers the game's kick-off request, as the site does once the server started a match.
async function answerKickoff(page) {
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "kickoff_requested"), null, { timeout: 60_000 });
  await page.evaluate(() => window.sendToGame({ type: "kickoff", data: { match_id: crypto.randomUUID(), seed: 7 } }));
}

// Waits for the final whistle (the hard computer wins against a player who stopped playing)
// and returns the frames of the record the game posted.
async function finishedRecord(page) {
  await page.waitForFunction(() => window.hostLog.some((m) => m.type === "match_finished"), null, { timeout: 420_000, polling: 1000 });
  const finished = await page.evaluate(() => window.hostLog.find((m) => m.type === "match_finished"));
  return recordFrames(finished.data.result.record);
}

function assertPlayed(frames, how) {
  const seen = (bits) => frames.some(([left]) => (left & bits) === bits);
  assert.ok(seen(INPUT.RIGHT | INPUT.JUMP_HELD), `${how}: no tick ran right while holding jump`);
  assert.ok(seen(INPUT.JUMP_PRESSED), `${how}: no jump reached the game`);
  assert.ok(seen(INPUT.KICK_PRESSED), `${how}: no kick reached the game`);
  assert.ok(seen(INPUT.LEFT), `${how}: never ran left`);
}

test("touch only, on a phone: the on-screen controls play a match to its end; upright, the game asks to turn the phone", { timeout: 600_000 }, async () => {
  const context = await shared.browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  try {
    await playByTouch(context);
  } finally {
    // A failed test must not leave its game running beside the next one's.
    await context.close();
  }
});

async function playByTouch(context) {
  const page = await context.newPage();
  const frame = await hostedGame(page);
  assert.equal(await frame.locator("#rotate").isVisible(), true, "upright, the game asks to be turned");
  writeFileSync(`${artifactDir()}/game-phone-upright.png`, await page.screenshot());
  await page.setViewportSize({ width: 640, height: 360 });
  await frame.locator("#rotate").waitFor({ state: "hidden", timeout: 10_000 });
  // A touch screen gets the on-screen controls before anything was touched.
  await frame.locator('[data-touch="jump"]').waitFor({ state: "visible", timeout: 10_000 });
  assert.equal(await frame.locator(".touch-help").isVisible(), true);
  assert.equal(await frame.locator(".keyboard-help").isVisible(), false);

  await frame.locator("#kickoff").tap();
  await answerKickoff(page);
  await frame.locator("#banner").waitFor({ state: "hidden", timeout: 30_000 });

  // Two thumbs: "right" held, then "jump" pressed with it; then kicks and a run left.
  const centre = async (name) => {
    const box = await frame.locator(`[data-touch="${name}"]`).boundingBox();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  };
  const cdp = await context.newCDPSession(page);
  const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
  const right = { ...(await centre("right")), id: 1 };
  const jump = { ...(await centre("jump")), id: 2 };
  await touch("touchStart", [right]);
  await page.waitForTimeout(300);
  await touch("touchStart", [right, jump]);
  await page.waitForTimeout(700);
  await touch("touchEnd", []);
  for (let i = 0; i < 3; i++) {
    await frame.locator('[data-touch="kick"]').tap();
    await page.waitForTimeout(400);
  }
  const left = { ...(await centre("left")), id: 3 };
  await touch("touchStart", [left]);
  await page.waitForTimeout(500);
  await touch("touchEnd", []);
  assert.equal(await frame.evaluate(() => document.body.dataset.input), "touch");
  writeFileSync(`${artifactDir()}/game-phone-touch.png`, await page.screenshot());

  // The on-screen pause button pauses; Resume (tapped) resumes.
  await frame.locator('[data-action="pause"]').tap();
  await frame.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
  await frame.locator('[data-action="resume"]').tap();
  await frame.locator("#paused").waitFor({ state: "hidden", timeout: 10_000 });

  assertPlayed(await finishedRecord(page), "touch");
  await frame.locator("#over").waitFor({ state: "visible", timeout: 10_000 });
}

test("gamepad only: Start kicks off and pauses, the stick, A and B play a match to its end", { timeout: 600_000 }, async () => {
  const context = await shared.browser.newContext({ viewport: { width: 1024, height: 576 } });
  // A standard-mapping pad the test presses: every frame of the page sees it.
  await context.addInitScript(() => {
    const pad = {
      id: "Test pad (STANDARD GAMEPAD)", index: 0, connected: true, mapping: "standard", timestamp: 0,
      axes: [0, 0, 0, 0], buttons: Array.from({ length: 17 }, () => ({ pressed: false, touched: false, value: 0 })),
    };
    window.testPad = pad;
    navigator.getGamepads = () => [pad, null, null, null];
  });
  try {
    await playByGamepad(context);
  } finally {
    await context.close();
  }
});

async function playByGamepad(context) {
  const page = await context.newPage();
  const frame = await hostedGame(page);
  const hold = (button, pressed) => frame.evaluate(([b, p]) => { window.testPad.buttons[b].pressed = p; }, [button, pressed]);
  const tap = async (button) => {
    await hold(button, true);
    await page.waitForTimeout(150);
    await hold(button, false);
    await page.waitForTimeout(150);
  };
  const [A, B, START, DPAD_RIGHT] = [0, 1, 9, 15];

  await tap(START);
  await answerKickoff(page);
  await frame.locator("#banner").waitFor({ state: "hidden", timeout: 30_000 });
  assert.equal(await frame.evaluate(() => document.body.dataset.input), "gamepad");
  await frame.locator("#touch").waitFor({ state: "hidden" });

  await hold(DPAD_RIGHT, true);
  await page.waitForTimeout(300);
  await hold(A, true);
  await page.waitForTimeout(700);
  await hold(A, false);
  await hold(DPAD_RIGHT, false);
  for (let i = 0; i < 3; i++) await tap(B);
  await frame.evaluate(() => { window.testPad.axes[0] = -1; });
  await page.waitForTimeout(500);
  await frame.evaluate(() => { window.testPad.axes[0] = 0; });

  await tap(START);
  await frame.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
  const clock = await frame.locator("#hud-clock").textContent();
  await page.waitForTimeout(1500);
  assert.equal(await frame.locator("#hud-clock").textContent(), clock, "paused by Start, the clock stands still");
  await tap(START);
  await frame.locator("#paused").waitFor({ state: "hidden", timeout: 10_000 });

  assertPlayed(await finishedRecord(page), "gamepad");
}

// Every sound the game starts, by the page's Web Audio objects.
async function recordSounds(context) {
  await context.addInitScript(() => {
    window.soundLog = [];
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      constructor(...args) {
        super(...args);
        window.soundLog.push("context");
      }
    };
    for (const Node of [OscillatorNode, AudioBufferSourceNode]) {
      const start = Node.prototype.start;
      Node.prototype.start = function (...args) {
        window.soundLog.push(this.frequency ? `tone:${Math.round(this.frequency.value)}` : "noise");
        return start.apply(this, args);
      };
    }
  });
}

const WHISTLE = "tone:2900";

test("sound starts at the first gesture: a whistle at kick-off, the crowd at a goal; muted it is silent, and stays muted on the next visit", { timeout: 420_000 }, async () => {
  const context = await shared.browser.newContext({ viewport: { width: 1024, height: 576 } });
  try {
    await listenToTheGame(context);
  } finally {
    await context.close();
  }
});

async function listenToTheGame(context) {
  await recordSounds(context);
  const page = await context.newPage();
  const sounds = () => page.evaluate(() => window.soundLog.slice());
  await page.goto(`${baseUrl()}/game/index.html`);
  await page.locator("#title").waitFor({ state: "visible", timeout: 240_000 });
  await page.waitForTimeout(1500);
  assert.deepEqual(await sounds(), [], "no audio before the player does anything");
  assert.equal(await page.locator("#title [data-mute]").textContent(), "Sound on (M)");

  await page.locator('[data-action="mode:hard"]').click();
  await page.locator("#kickoff").click();
  await page.waitForFunction((w) => window.soundLog.includes(w), WHISTLE, { timeout: 30_000 });
  assert.equal((await sounds())[0], "context", "the audio starts with the first click");
  // Standing still against the hard computer: it scores, the crowd roars.
  await page.waitForFunction(() => window.soundLog.includes("noise"), null, { timeout: 120_000 });

  // Muted with M: nothing more is played, through the next goal.
  await page.keyboard.press("m");
  assert.equal(await page.evaluate(() => localStorage.getItem("stellar-heads:muted")), "1");
  const heard = (await sounds()).length;
  const score = await page.locator("#hud-score").textContent();
  await page.waitForFunction((s) => document.querySelector("#hud-score").textContent !== s, score, { timeout: 120_000 });
  await page.waitForTimeout(3000);
  assert.deepEqual((await sounds()).slice(heard), [], "muted, the game made sounds");

  // The next visit remembers it.
  await page.reload();
  await page.locator("#title").waitFor({ state: "visible", timeout: 240_000 });
  const button = page.locator("#title [data-mute]");
  assert.equal(await button.getAttribute("aria-pressed"), "true");
  assert.equal(await button.textContent(), "Sound off (M)");
  await page.locator("#kickoff").click();
  await page.locator("#banner").waitFor({ state: "hidden", timeout: 30_000 });
  await page.waitForTimeout(1000);
  assert.ok(!(await sounds()).includes(WHISTLE), "muted on this visit, the kick-off whistle sounded");
  // Unmuted from the pause menu, the game plays again: the restarted match's whistle.
  await page.keyboard.press("p");
  await page.locator("#paused [data-mute]").click();
  assert.equal(await page.evaluate(() => localStorage.getItem("stellar-heads:muted")), "0");
  await page.locator('[data-action="restart"]').click();
  await page.waitForFunction((w) => window.soundLog.includes(w), WHISTLE, { timeout: 30_000 });
}

test("the pause menu resumes, restarts the match and quits to the title", { timeout: 300_000 }, async () => {
  const page = await shared.browser.newPage({ viewport: { width: 1024, height: 576 } });
  try {
    await page.goto(`${baseUrl()}/game/index.html`);
    await page.locator("#title").waitFor({ state: "visible", timeout: 240_000 });
    await page.locator('[data-action="mode:hard"]').click();
    await page.locator("#kickoff").click();
    // Until the hard computer scores against a player standing still.
    await page.waitForFunction(() => document.querySelector("#hud-score").textContent !== "0 - 0", null, { timeout: 120_000 });
    await page.keyboard.press("p");
    await page.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
    await page.locator('[data-action="restart"]').click();
    await page.locator("#paused").waitFor({ state: "hidden", timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#hud-score").textContent === "0 - 0", null, { timeout: 10_000 });
    const clock = await page.locator("#hud-clock").textContent();
    assert.ok(clock === "3:00" || clock.startsWith("2:5"), `a restarted match starts its clock again: ${clock}`);

    await page.keyboard.press("p");
    await page.locator("#paused").waitFor({ state: "visible", timeout: 10_000 });
    writeFileSync(`${artifactDir()}/game-pause-menu.png`, await page.screenshot());
    await page.locator('[data-action="quit"]').click();
    await page.locator("#title").waitFor({ state: "visible", timeout: 10_000 });
    assert.equal(await page.locator("#hud").isHidden(), true);
    assert.equal(await page.locator("#paused").isHidden(), true);
  } finally {
    await page.close();
  }
});
