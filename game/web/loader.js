// Downloads the game's WebAssembly with a real progress bar, then starts it.
//
// The .wasm may arrive brotli- or gzip-encoded, and fetch() hands us the decoded bytes, so
// progress is measured against the decoded size, which the build writes into the page.

const loading = document.getElementById("loading");
const bar = loading.querySelector(".bar");
const fill = loading.querySelector(".fill");
const status = loading.querySelector(".status");
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

async function download(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    show(received);
  }
  const all = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

// winit hands control to the browser's event loop by throwing this; it is not an error.
const CONTROL_FLOW = "Using exceptions for control flow";

try {
  const [game, code] = await Promise.all([import(`./${js}`), download(`./${wasm}`)]);
  status.textContent = "Starting...";
  try {
    await game.default({ module_or_path: code });
  } catch (error) {
    if (!String(error && error.message).includes(CONTROL_FLOW)) throw error;
  }
  // Hidden rather than removed: the panel keeps the final progress for anyone who asks.
  loading.hidden = true;
  document.getElementById("game").focus();
} catch (error) {
  loading.classList.add("failed");
  status.textContent = `The game could not start: ${error.message}`;
  console.error(error);
}
