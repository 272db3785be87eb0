// The whole site in a real browser against the real backend and PostgreSQL: sign up, prove the
// wallet, play a real match, find it in "my matches" and on the leaderboard; and the ways it
// must refuse: invalid addresses, a rejected token, messages that do not come from the game.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sharedBrowser, baseUrl, artifactDir } from "./lib/browser.mjs";
import { newTestKey } from "./lib/stellar-key.mjs";
import { GENUINE_MODE, genuineMatch } from "./lib/record.mjs";

const shared = sharedBrowser();

/// A fresh browser profile, failing the test on any uncaught page error.
async function newPage() {
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.errors = [];
  page.warnings = [];
  page.on("pageerror", (error) => page.errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "warning") page.warnings.push(message.text());
  });
  return page;
}

async function screenshot(page, name) {
  await page.screenshot({ path: `${artifactDir()}/${name}.png`, fullPage: true });
}

let names = 0;
function uniqueName(prefix) {
  return `${prefix}_${process.pid % 10000}_${++names}`;
}

/// Signs up on the page as a player without a wallet extension does: the server's message is
/// signed elsewhere (here, with the test key) and the signature pasted.
async function signUp(page, username, key) {
  await page.goto(`${baseUrl()}/signup`);
  await page.fill("#username", username);
  await page.fill("#wallet_address", key.address);
  await page.click("#create-account");
  await page.waitForSelector("#challenge-message");
  await page.waitForSelector("#no-wallet");
  const message = await page.inputValue("#challenge-message");
  await page.fill("#signature", key.signMessage(message));
  await page.click("#submit-signature");
  await page.waitForURL(`${baseUrl()}/play`);
}

/// Signs up through the API (challenge, signature, register); the session's token.
async function apiSignUp(page, username, key) {
  const challenge = await page.request.post(`${baseUrl()}/api/auth/challenge`, {
    data: { wallet_address: key.address },
  });
  assert.equal(challenge.status(), 201, await challenge.text());
  const issued = await challenge.json();
  const auth = await page.request.post(`${baseUrl()}/api/auth/register`, {
    data: {
      username,
      wallet_address: key.address,
      challenge: issued.challenge,
      signature: key.signMessage(issued.message),
    },
  });
  assert.equal(auth.status(), 201, await auth.text());
  return (await auth.json()).token;
}

/// Stands in for the Freighter extension's content script, answering @stellar/freighter-api's
/// window messages; the key stays in the test (exposed as a function). Returns nothing; the
/// requests it saw are in `window.freighterRequests`.
async function installFreighter(page, key) {
  await page.exposeFunction("testWalletSign", (message) => key.signMessage(message));
  await page.addInitScript((address) => {
    window.freighterRequests = [];
    window.addEventListener("message", async (event) => {
      const request = event.data;
      if (event.source !== window || request?.source !== "FREIGHTER_EXTERNAL_MSG_REQUEST") return;
      window.freighterRequests.push(request.type);
      const answer = { source: "FREIGHTER_EXTERNAL_MSG_RESPONSE", messagedId: request.messageId };
      if (request.type === "REQUEST_CONNECTION_STATUS") answer.isConnected = true;
      if (request.type === "REQUEST_ALLOWED_STATUS") answer.isAllowed = true;
      if (request.type === "SUBMIT_BLOB") {
        answer.signedBlob = await window.testWalletSign(request.blob);
        answer.signerAddress = request.accountToSign ?? address;
      }
      window.postMessage(answer, window.location.origin);
    });
  }, key.address);
}

test("a player signs up with a pasted signature, plays a match and finds it stored and ranked", { timeout: 600_000 }, async () => {
  const page = await newPage();
  const key = newTestKey();
  const username = uniqueName("striker");

  await page.goto(`${baseUrl()}/`);
  await page.waitForSelector("text=Big heads. One ball. Five goals.");
  await screenshot(page, "site-home");

  // No extension in this browser: the server's message is signed with the test key and the
  // signature pasted, as a player with another SEP-53 wallet would.
  await page.goto(`${baseUrl()}/signup`);
  await page.fill("#username", username);
  await page.fill("#wallet_address", key.address);
  await page.click("#create-account");
  await page.waitForSelector("#no-wallet");
  const message = await page.inputValue("#challenge-message");
  assert.match(message, /^Stellar Heads asks you to prove/);
  assert.ok(message.includes(key.address));
  await screenshot(page, "site-signup-challenge");
  // A signature by another key creates nothing, and the page says why.
  await page.fill("#signature", newTestKey().signMessage(message));
  await page.click("#submit-signature");
  await page.waitForSelector("text=the signature was not made by this wallet's key");
  assert.equal(new URL(page.url()).pathname, "/signup");
  // The used message was replaced by a fresh one: sign that.
  await page.waitForFunction((old) => document.querySelector("#challenge-message")?.value !== old, message);
  await page.fill("#signature", key.signMessage(await page.inputValue("#challenge-message")));
  await page.click("#submit-signature");
  await page.waitForURL(`${baseUrl()}/play`);
  assert.equal(await page.textContent("#signed-in-as"), username);

  // Play a real match against the hard computer, standing still: the computer scores five
  // (the player's side may get one off a bounce: the match's seed moves the kick-offs).
  await page.click("nav >> text=Play");
  // While the player chooses, the game's wasm is prefetched.
  await page.waitForSelector('link[rel=prefetch][href^="/game/stellar_heads_game-"][href$="_bg.wasm"]', { state: "attached" });
  await page.click("#mode-hard");
  await page.waitForSelector("#game-status:has-text('Click the game')", { timeout: 240_000 });
  assert.match(await page.textContent("#forfeit-warning"), /counts as a 0–5 loss/);
  await page.waitForTimeout(1000);
  await page.click("#game");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#scoreboard strong")?.textContent !== "0 – 0", null, { timeout: 240_000 });
  await screenshot(page, "site-play");
  await page.waitForSelector("#save-status:has-text('Saved')", { timeout: 480_000 });
  // The server re-played the match natively and stored the score the game (wasm32) showed.
  const final = await page.textContent("#scoreboard strong");
  assert.match(final, /^\d – 5$/);
  assert.equal(await page.textContent("#match-result .result-line"), `Loss ${final}`);
  assert.match(await page.textContent("#rank"), /^You are #\d+ on the leaderboard\.$/);
  await screenshot(page, "site-result");

  await page.click("#match-result >> text=My matches");
  await page.waitForSelector("#my-matches table.matches tbody tr");
  const rows = await page.locator("#my-matches tbody tr").allTextContents();
  assert.equal(rows.length, 1);
  // Date, opponent, score, outcome, the duration the server re-played (m:ss), a link to watch.
  assert.match(rows[0], new RegExp(`vs computer \\(hard\\)${final}Loss\\d+:\\d\\dWatch$`));
  assert.match(await page.textContent("#stats-rank"), /^#\d+$/);
  await screenshot(page, "site-matches");

  const matchId = await page.getAttribute("#my-matches tbody tr", "data-match-id");

  await page.click("nav >> text=Leaderboard");
  const row = page.locator(`#leaderboard tr[data-wallet="${key.address}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(username));
  assert.equal(await row.getAttribute("class"), "me");
  await screenshot(page, "site-leaderboard");

  // Watch it from the leaderboard: the game plays the stored record back to the stored score.
  await row.locator("a.watch").click();
  await page.waitForURL(`${baseUrl()}/watch/${matchId}`);
  await page.waitForSelector("#playback", { timeout: 240_000 });
  // Paused early on and kept paused even at 4x: nothing is scored while paused (a goal may
  // come before the click lands; none after it, in 6 s at 4x: time for several goals).
  await page.click("#playback-pause");
  await page.click("#speed-4");
  assert.equal(await page.getAttribute("#speed-4", "aria-pressed"), "true");
  assert.equal(await page.textContent("#watch-status"), "Paused.");
  const pausedAt = await page.textContent("#scoreboard strong");
  assert.notEqual(pausedAt, final);
  await page.waitForTimeout(6000);
  assert.equal(await page.textContent("#scoreboard strong"), pausedAt);
  assert.equal(await page.textContent("#watch-status"), "Paused.");
  await page.click("#playback-pause");
  await page.waitForSelector("#watch-status:has-text('Full time')", { timeout: 240_000 });
  assert.equal(await page.textContent("#watch-status"), `Full time: ${final}, the stored score ✓`);
  assert.equal(await page.textContent("#scoreboard strong"), final);
  await screenshot(page, "site-watch");
  // Restart plays it again from kick-off to the same end.
  await page.click("#playback-restart");
  assert.equal(await page.textContent("#watch-status"), "Playing back the recorded inputs…");
  await page.waitForSelector("#watch-status:has-text('Full time')", { timeout: 240_000 });
  assert.equal(await page.textContent("#scoreboard strong"), final);

  // The same match is linked from "my matches".
  await page.click("nav >> text=My matches");
  await page.waitForSelector("#my-matches tbody tr a.watch");
  assert.equal(await page.getAttribute("#my-matches tbody tr a.watch", "href"), `/watch/${matchId}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("every public page fits a 360 px phone screen without sideways scrolling", { timeout: 120_000 }, async () => {
  // A phone as Chromium emulates one: narrow, touch, high density. Runs after a ranked match
  // exists, so the home page's top-players table is there to overflow if it can.
  const context = await shared.browser.newContext({
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  const pages = [
    ["/", ".leaderboard"],
    ["/leaderboard", ".leaderboard"],
    ["/play", "main"],
    ["/signup", "#username"],
    ["/signin", "main"],
  ];
  for (const [path, content] of pages) {
    await page.goto(`${baseUrl()}${path}`);
    await page.waitForSelector(content);
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wider = [...document.querySelectorAll("body *")]
        .filter((element) => element.getBoundingClientRect().right > width + 0.5)
        .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join(".")} (${Math.round(element.getBoundingClientRect().right)} px)`);
      return { scrollWidth: document.documentElement.scrollWidth, width, wider: wider.slice(0, 5) };
    });
    assert.ok(
      overflow.scrollWidth <= overflow.width,
      `${path} is ${overflow.scrollWidth} px wide on a ${overflow.width} px screen: ${overflow.wider.join(", ")}`,
    );
    if (path === "/") await screenshot(page, "site-home-phone");
  }
  await context.close();
});

test("anyone can practise without an account; nothing is stored", { timeout: 600_000 }, async () => {
  const page = await newPage();
  const apiCalls = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/api/matches") || path.startsWith("/api/auth")) apiCalls.push(path);
  });
  await page.goto(`${baseUrl()}/`);
  await page.click("a.practice");
  await page.waitForURL(`${baseUrl()}/play`);
  assert.match(await page.textContent("#practice-notice"), /nothing is stored/);
  assert.equal(await page.textContent("#mode-hard .muted"), "practice");
  await page.click("#mode-hard");
  await page.waitForSelector("#game-status:has-text('Click the game')", { timeout: 240_000 });
  assert.equal(await page.locator("#forfeit-warning").count(), 0, "practice is never forfeited");
  await page.waitForTimeout(1000);
  await page.click("#game");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#save-status:has-text('practice match')", { timeout: 480_000 });
  assert.match(await page.textContent("#match-result .result-line"), /^Loss \d – 5$/);
  assert.equal(await page.textContent("#scoreboard span"), "Guest");
  await screenshot(page, "site-practice");
  assert.deepEqual(apiCalls, [], "a practice match never reaches the server");
  await page.click("a.sign-up-to-rank");
  await page.waitForURL(`${baseUrl()}/signup`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("invalid addresses are refused on the page with the reason", { timeout: 60_000 }, async () => {
  const page = await newPage();
  const { address } = newTestKey();
  await page.goto(`${baseUrl()}/signup`);
  await page.fill("#username", "x");
  assert.match(await page.textContent("#username-message"), /too short/);

  // One character changed: the checksum catches the typo.
  const typo = address.slice(0, 10) + (address[10] === "A" ? "B" : "A") + address.slice(11);
  await page.fill("#wallet_address", typo);
  assert.match(await page.textContent("#wallet_address-message"), /checksum/);
  // A secret seed pasted by mistake is named as such.
  await page.fill("#wallet_address", "S" + address.slice(1));
  assert.match(await page.textContent("#wallet_address-message"), /not an account address/);
  await page.click("#create-account");
  assert.equal(new URL(page.url()).pathname, "/signup", "an invalid form is not sent");
  await screenshot(page, "site-signup-invalid");

  await page.goto(`${baseUrl()}/signin`);
  await page.fill("#wallet_address", address.slice(0, 20));
  assert.match(await page.textContent("#wallet_address-message"), /56 characters/);
  // A valid address without an account: the server's answer, with a way to sign up.
  await page.fill("#wallet_address", address);
  await page.click("#continue");
  await page.waitForSelector("text=No account uses this wallet yet.");
  await page.context().close();
});

test("a rejected or expired token sends the player to sign-in with a message", { timeout: 60_000 }, async () => {
  const page = await newPage();
  const key = newTestKey();
  await signUp(page, uniqueName("keeper"), key);
  // The stored token is tampered with (as if the server's key had changed).
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem("stellar-heads.session"));
    session.token = session.token.slice(0, -4) + "AAAA";
    localStorage.setItem("stellar-heads.session", JSON.stringify(session));
  });
  await page.goto(`${baseUrl()}/matches`);
  await page.waitForURL(`${baseUrl()}/signin`);
  assert.match(await page.textContent("#session-notice"), /Your session has ended/);
  assert.equal(await page.locator("#signed-in-as").count(), 0);
  await screenshot(page, "site-session-ended");

  // An expired session is dropped when the site loads, with the same message.
  await signUp(page, uniqueName("libero"), newTestKey());
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem("stellar-heads.session"));
    session.expires_at = "2020-01-01T00:00:00Z";
    localStorage.setItem("stellar-heads.session", JSON.stringify(session));
  });
  await page.goto(`${baseUrl()}/matches`);
  await page.waitForURL(`${baseUrl()}/signin`);
  assert.match(await page.textContent("#session-notice"), /Your session has ended/);
  assert.equal(await page.evaluate(() => localStorage.getItem("stellar-heads.session")), null);
  await page.context().close();
});

test("with the Freighter extension, sign-up and sign-in go through Freighter's own library", { timeout: 60_000 }, async () => {
  const page = await newPage();
  const key = newTestKey();
  const username = uniqueName("winger");
  await installFreighter(page, key);

  await page.goto(`${baseUrl()}/signup`);
  await page.fill("#username", username);
  await page.fill("#wallet_address", key.address);
  await page.click("#create-account");
  await page.click("#sign-freighter");
  await page.waitForURL(`${baseUrl()}/play`);
  assert.equal(await page.textContent("#signed-in-as"), username);
  assert.ok((await page.evaluate(() => window.freighterRequests)).includes("SUBMIT_BLOB"));

  // Signing out ends the session on the server too: a copy of the token is refused.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("stellar-heads.session")).token);
  await page.click("#sign-out");
  await page.waitForURL(`${baseUrl()}/signin`);
  await page.waitForFunction(async (token) => {
    const answer = await fetch("/api/me", { headers: { authorization: `Bearer ${token}` } });
    return answer.status === 401 && (await answer.json()).code === "session_ended";
  }, token);

  // Signing up again with the same wallet is refused before anything is signed.
  await page.goto(`${baseUrl()}/signup`);
  await page.fill("#username", uniqueName("again"));
  await page.fill("#wallet_address", key.address);
  await page.click("#create-account");
  await page.waitForSelector("#has-account");

  await page.goto(`${baseUrl()}/signin`);
  await page.fill("#wallet_address", key.address);
  await page.click("#continue");
  await page.click("#sign-freighter");
  await page.waitForURL(`${baseUrl()}/play`);
  assert.equal(await page.textContent("#signed-in-as"), username);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("signing out everywhere ends the sessions on other devices at once", { timeout: 60_000 }, async () => {
  const laptop = await newPage();
  const phone = await newPage();
  const key = newTestKey();
  const username = uniqueName("roamer");
  await signUp(laptop, username, key);
  await phone.goto(`${baseUrl()}/signin`);
  await phone.fill("#wallet_address", key.address);
  await phone.click("#continue");
  await phone.waitForSelector("#no-wallet");
  await phone.fill("#signature", key.signMessage(await phone.inputValue("#challenge-message")));
  await phone.click("#submit-signature");
  await phone.waitForURL(`${baseUrl()}/play`);

  await laptop.click("nav >> text=My matches");
  await laptop.click("#sign-out-everywhere");
  await laptop.waitForURL(`${baseUrl()}/signin`);
  assert.equal(await laptop.locator("#signed-in-as").count(), 0);
  // The phone still thinks it is signed in, until it next asks the server.
  await phone.click("nav >> text=My matches");
  await phone.waitForURL(`${baseUrl()}/signin`);
  assert.match(await phone.textContent("#session-notice"), /Your session has ended/);
  assert.deepEqual(laptop.errors, []);
  assert.deepEqual(phone.errors, []);
  await laptop.context().close();
  await phone.context().close();
});

test("the game page ignores messages that do not come from the game", { timeout: 300_000 }, async () => {
  const page = await newPage();
  const key = newTestKey();
  await signUp(page, uniqueName("sweeper"), key);

  const forged = (left, right) =>
    JSON.stringify({ type: "goal", data: { scorer: "left", left, right } });
  const score = () => page.textContent("#scoreboard strong");

  // A real cross-origin window: a page on another origin, opened by the game page, posts to
  // it. (The site's Cross-Origin-Opener-Policy would already cut that window off; it is
  // removed here to reach the page's own check, the second line of defence.)
  await page.context().route(`${baseUrl()}/play`, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["cross-origin-opener-policy"];
    await route.fulfill({ response, headers });
  });
  await page.context().route("http://foreign.test/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>elsewhere</title>" }),
  );
  await page.reload();
  await page.click("#mode-easy");
  await page.waitForSelector("#game-status:has-text('Click the game')", { timeout: 240_000 });
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.evaluate(() => window.open("http://foreign.test/")),
  ]);
  await popup.waitForLoadState();
  assert.ok(await popup.evaluate(() => window.opener !== null), "the foreign window reaches the page");
  await popup.evaluate((message) => window.opener.postMessage(message, "*"), forged(3, 0));

  // Our own origin, but the page's window rather than the game's.
  await page.evaluate((message) => window.postMessage(message, window.location.origin), forged(4, 0));
  // The game's window, but claiming another origin.
  await page.evaluate((message) => {
    const game = document.querySelector("#game").contentWindow;
    window.dispatchEvent(new MessageEvent("message", { data: message, origin: "https://evil.example", source: game }));
  }, forged(5, 0));
  await page.waitForTimeout(1000);
  assert.equal(await score(), "0 – 0");
  const ignored = page.warnings.filter((w) => w.startsWith("ignored a message"));
  assert.equal(ignored.length, 3, ignored.join("\n"));
  assert.match(ignored.join("\n"), /ForeignOrigin\("http:\/\/foreign.test"\)/);
  assert.match(ignored.join("\n"), /OtherWindow/);
  assert.match(ignored.join("\n"), /ForeignOrigin\("https:\/\/evil.example"\)/);

  // The same message from the game's window and origin is taken: the check is what refused.
  await page.evaluate((message) => {
    const game = document.querySelector("#game").contentWindow;
    window.dispatchEvent(new MessageEvent("message", { data: message, origin: window.location.origin, source: game }));
  }, forged(1, 0));
  await page.waitForFunction(() => document.querySelector("#scoreboard strong").textContent === "1 – 0");
  await page.context().close();
});

test("the leaderboard pages through its players by cursor, with the position in the address", { timeout: 120_000 }, async () => {
  const page = await newPage();
  // More ranked players than one page holds (20), through the API: each starts a match and,
  // once it could have been played, submits a real match's record played with its seed.
  const started = [];
  for (let i = 0; i < 21; i++) {
    const token = await apiSignUp(page, uniqueName("ranked"), newTestKey());
    const response = await page.request.post(`${baseUrl()}/api/matches`, {
      headers: { authorization: `Bearer ${token}` },
      data: { mode: GENUINE_MODE },
    });
    assert.equal(response.status(), 201, await response.text());
    const ticket = await response.json();
    const { result } = genuineMatch(ticket.seed);
    started.push({ token, matchId: ticket.match_id, result, at: Date.now() });
  }
  // The server refuses a result sooner than its match could have been played.
  for (const { token, matchId, result, at } of started) {
    const playTime = (result.record.ticks / 60) * 1000;
    await page.waitForTimeout(Math.max(0, at + playTime + 500 - Date.now()));
    const stored = await page.request.post(`${baseUrl()}/api/matches/${matchId}/result`, {
      headers: { authorization: `Bearer ${token}` },
      data: result,
    });
    assert.equal(stored.status(), 201, await stored.text());
  }

  await page.goto(`${baseUrl()}/leaderboard`);
  const range = page.locator("#page-range");
  await range.waitFor();
  // The 21 equal results share one rank; the total counts every ranked player.
  const [, rank, totalText] = (await range.textContent()).match(/^Ranks? (\d+)(?:–\d+)? of (\d+)$/) ?? [];
  const total = Number(totalText);
  assert.ok(Number(rank) >= 1 && total > 20, await range.textContent());
  assert.equal(await page.locator("#leaderboard tbody tr").count(), 20);
  assert.ok(await page.locator("#previous-page").isDisabled());
  const firstPage = await page.locator("#leaderboard tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.wallet));

  // The next page by cursor, none of them on the first page.
  const secondCount = Math.min(total - 20, 20);
  await page.click("#next-page");
  await page.waitForURL(/\/leaderboard\?after=/);
  await page.waitForFunction((n) => document.querySelectorAll("#leaderboard tbody tr").length === n, secondCount);
  const secondPage = await page.locator("#leaderboard tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.wallet));
  assert.equal(secondPage.filter((wallet) => firstPage.includes(wallet)).length, 0, "pages never overlap");
  assert.equal(await page.locator("#next-page").isDisabled(), total <= 40);
  assert.ok(!(await page.locator("#previous-page").isDisabled()));
  await screenshot(page, "site-leaderboard-page-2");

  // The page survives a reload; the browser's back button returns to the first; "previous"
  // from the second page is the first again.
  await page.reload();
  await page.waitForFunction((n) => document.querySelectorAll("#leaderboard tbody tr").length === n, secondCount);
  await page.goBack();
  await page.waitForFunction(() => document.querySelectorAll("#leaderboard tbody tr").length === 20);
  assert.ok(await page.locator("#previous-page").isDisabled());
  await page.goForward();
  await page.waitForFunction((n) => document.querySelectorAll("#leaderboard tbody tr").length === n, secondCount);
  await page.click("#previous-page");
  await page.waitForURL(/\/leaderboard\?before=/);
  await page.waitForFunction(() => document.querySelectorAll("#leaderboard tbody tr").length === 20);
  assert.deepEqual(
    await page.locator("#leaderboard tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.wallet)),
    firstPage,
  );

  // A cursor the server never gave says so, with a way back; so does a position past the end.
  await page.goto(`${baseUrl()}/leaderboard?after=abc`);
  await page.waitForSelector("text=the leaderboard cursor is not one this server gave out");
  await page.click("#first-page");
  await page.waitForFunction(() => document.querySelectorAll("#leaderboard tbody tr").length === 20);
  await page.goto(`${baseUrl()}/leaderboard?after=-1.0.0.0.00000000000000000000000000000000`);
  await page.waitForSelector("#past-the-end");
  await page.click("#first-page");
  await page.waitForFunction(() => document.querySelectorAll("#leaderboard tbody tr").length === 20);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("an unknown address shows the 404 page, an unknown match says so", { timeout: 60_000 }, async () => {
  const page = await newPage();
  const response = await page.goto(`${baseUrl()}/no/such/page`);
  assert.equal(response.status(), 200, "the app routes every page itself");
  await page.waitForSelector("#not-found");
  assert.match(await page.textContent("#not-found h1"), /off the pitch/);
  await screenshot(page, "site-404");
  // A match address with no verified ranked match behind it says so.
  await page.goto(`${baseUrl()}/watch/00000000-0000-4000-8000-000000000000`);
  await page.waitForSelector("#watch-error");
  assert.match(await page.textContent("#watch-error"), /no verified ranked match at this address/);
  await page.context().close();
});
