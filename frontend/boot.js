// Starts the Yew app. Trunk writes the hashed names of the app's files into
// <meta name="stellar-heads-app"> (Trunk.toml's pattern_script), so no inline script is needed.
const meta = document.querySelector('meta[name="stellar-heads-app"]');
const { default: init } = await import(meta.dataset.js);
await init({ module_or_path: meta.dataset.wasm });
