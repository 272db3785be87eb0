// Starts the game: checks that the browser can run it before downloading anything, compiles
// the WebAssembly while it downloads (streaming, so a repeat visit can use the browser's
// compiled-code cache for the hashed, immutable file) with a real progress bar, and turns a
// crash into a message with a reload button instead of a frozen canvas.
//
// The .wasm may arrive brotli- or gzip-encoded, and fetch() hands us the decoded bytes, so
// progress is measured against the decoded size, which the build writes into the page.

const loading = document.getElementById("loading");
const bar = loading.querySelector(".progress");
const fill = loading.querySelector(".fill");
const status = loading.querySelector(".status");
const reload = loading.querySelector(".reload");
const { js, wasm, bytes } = loading.dataset;
const expected = Number(bytes);
let updates = 0;

function show(received) {
  const percent = Math.min(100, Math.floor((received / expected) * 100));
  fill.style.width = `${percent}%`;
  bar.setAttribute("aria-valuenow", String(percent));
  // How often the bar moved: kept on the (then hidden) panel, for the browser tests.
  loading.dataset.progressUpdates = String(++updates);
  status.textContent = `Downloading the game... ${(received / 1048576).toFixed(1)} of ${(expected / 1048576).toFixed(1)} MB`;
}

// Shows `message` on the loading panel; `kind` (kept on the panel for tests and support)
// says which failure it was.
function fail(kind, message, offerReload) {
  loading.hidden = false;
  loading.classList.add("failed");
  loading.dataset.failure = kind;
  status.textContent = message;
  reload.hidden = !offerReload;
}
reload.addEventListener("click", () => location.reload());

// Counts a copy of the response's bytes for the progress bar while the original is compiled.
async function countProgress(response) {
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return received;
    received += value.length;
    show(received);
  }
}

function hasWebGL2() {
  try {
    return document.createElement("canvas").getContext("webgl2") !== null;
  } catch {
    return false;
  }
}

// A panic in the game ends in a WebAssembly trap thrown out of a frame callback: nothing
// runs any more, so say so.
function crashed(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) return;
  console.error("the game crashed:", error);
  fail("crash", "The game crashed. Reload the page to play again.", true);
}
window.addEventListener("error", (event) => crashed(event.error));
window.addEventListener("unhandledrejection", (event) => crashed(event.reason));

// winit hands control to the browser's event loop by throwing this; it is not an error.
const CONTROL_FLOW = "Using exceptions for control flow";

async function start() {
  if (!hasWebGL2()) {
    fail(
      "webgl2",
      "This game needs WebGL2, which this browser does not offer (it may be switched off, or " +
        "hardware acceleration disabled). Try an up-to-date Chrome, Firefox, Safari or Edge.",
      false,
    );
    return;
  }
  const [game, response] = await Promise.all([import(`./${js}`), fetch(`./${wasm}`)]);
  if (!response.ok) {
    throw new Error(`${wasm}: HTTP ${response.status}`);
  }
  const progress = countProgress(response.clone());
  try {
    // Given the Response itself, wasm-bindgen compiles it with instantiateStreaming.
    await game.default({ module_or_path: response });
  } catch (error) {
    if (!String(error && error.message).includes(CONTROL_FLOW)) throw error;
  }
  await progress;
  // Hidden rather than removed: the panel keeps the final progress for anyone who asks.
  loading.hidden = true;
  document.getElementById("game").focus();
}

try {
  await start();
} catch (error) {
  if (error instanceof WebAssembly.RuntimeError) {
    crashed(error);
  } else {
    console.error(error);
    fail("start", `The game could not start: ${error.message}`, true);
  }
}
