// Debian's Chromium, headless, for the end-to-end tests. Never a downloaded browser.
import { after, before } from "node:test";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  // WebGL2 through SwiftShader: slow (a few frames a second on two cores) but real.
  "--use-gl=angle",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  // This machine reaches no network but its own: keep Chromium from trying.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/// `extraFlags`: more Chromium switches (say, `--disable-webgl2`).
export async function launch(extraFlags = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [...FLAGS, ...extraFlags],
  });
}

export function baseUrl() {
  const url = process.env.STELLAR_HEADS_URL;
  if (!url) throw new Error("STELLAR_HEADS_URL is not set (run through `cargo xtask test`)");
  return url.replace(/\/$/, "");
}

/// Where screenshots go (kept as test artifacts).
export function artifactDir() {
  return process.env.ARTIFACT_DIR ?? new URL("../artifacts/", import.meta.url).pathname;
}

/// One browser for all the tests of a file: launched before the first, closed after the last.
/// Returns a holder whose `browser` is set once launched.
export function sharedBrowser() {
  const shared = { browser: undefined };
  before(async () => {
    mkdirSync(artifactDir(), { recursive: true });
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
  });
  return shared;
}
