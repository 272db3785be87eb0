#!/usr/bin/env bash
# Offline checks of the Nix code (nothing here can build: no binary cache, no nixpkgs):
#   - every .nix file parses (deadnix exits 0 on a syntax error, so this comes first);
#   - the flake's formatter (nixpkgs-fmt) has nothing to change, and deadnix finds no unused
#     bindings, the same tools as the flake's nix-fmt and deadnix checks;
#   - flake.lock pins every input of flake.nix (rev and narHash) and needs no update;
#   - the TOML files pass `taplo fmt --check` (.taplo.toml), as the flake's taplo check wants;
#   - the npm locks carry what importNpmLock fetches with, and every file the Rust code embeds
#     is in one of the flake's source sets.
# Needs nix (Debian's nix-bin), nixpkgs-fmt, deadnix and taplo (scripts/install-deploy-tools.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
nix_flags=(--extra-experimental-features 'nix-command flakes' --option substituters '' --option build-users-group '')
mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard '*.nix')

for file in "${files[@]}"; do
  nix-instantiate --option build-users-group '' --parse "$file" >/dev/null 2>/tmp/check-nix-parse.err \
    || { echo "check-nix: $file does not parse:"; cat /tmp/check-nix-parse.err; exit 1; }
done
echo "check-nix: ${#files[@]} .nix files parse"

nixpkgs-fmt --check "${files[@]}" >/dev/null 2>&1 \
  || { echo "check-nix: not formatted (run nixpkgs-fmt, or nix fmt):"; nixpkgs-fmt --check "${files[@]}" 2>&1 | tail -n +1; exit 1; }
echo "check-nix: formatted (nixpkgs-fmt $(nixpkgs-fmt --version | awk '{print $2}'))"

deadnix --fail "${files[@]}" || { echo "check-nix: deadnix found unused code"; exit 1; }
echo "check-nix: no unused bindings (deadnix)"

python3 - <<'PY'
import json, sys
lock = json.load(open("flake.lock"))
nodes = lock["nodes"]
for name, node in nodes.items():
    if name == lock["root"]:
        continue
    locked = node.get("locked", {})
    missing = [k for k in ("rev", "narHash", "lastModified") if k not in locked]
    if missing or not locked["narHash"].startswith("sha256-"):
        sys.exit(f"check-nix: flake.lock input {name} lacks {missing or 'a sha256 narHash'}")
print(f"check-nix: flake.lock pins {len(nodes) - 1} inputs by rev and narHash")
PY
# Fails when flake.nix names an input the lock does not have (or the lock is malformed).
nix "${nix_flags[@]}" flake metadata --no-update-lock-file --no-write-lock-file --json . >/tmp/check-nix-metadata.json 2>/tmp/check-nix-metadata.err \
  || { echo "check-nix: flake metadata:"; grep -v "is dirty" /tmp/check-nix-metadata.err; exit 1; }
echo "check-nix: flake.lock matches flake.nix ($(python3 -c 'import json; print(json.load(open("/tmp/check-nix-metadata.json"))["description"])'))"

mapfile -d '' tomls < <(git ls-files -z --cached --others --exclude-standard '*.toml')
taplo fmt --check "${tomls[@]}" 2>/tmp/check-nix-taplo.err \
  || { echo "check-nix: TOML not formatted (run taplo fmt):"; grep -v INFO /tmp/check-nix-taplo.err; exit 1; }
echo "check-nix: ${#tomls[@]} TOML files formatted (taplo $(taplo --version | awk '{print $2}'))"

# nixpkgs' importNpmLock fetches each package from its lock entry's `resolved` URL and checks
# its `integrity`: both must be there, and the URL must be the public registry's (a mirror's
# address would not resolve on an operator's machine).
mapfile -d '' npm_locks < <(git ls-files -z --cached --others --exclude-standard '*package-lock.json')
python3 - "${npm_locks[@]}" <<'PY'
import json, sys
problems = []
for path in sys.argv[1:]:
    lock = json.load(open(path))
    for key, entry in lock.get("packages", {}).items():
        if not key or entry.get("link"):
            continue
        resolved = entry.get("resolved", "")
        if not resolved.startswith("https://registry.npmjs.org/"):
            problems.append(f"{path}: {key}: resolved is {resolved or 'missing'}, not a registry.npmjs.org URL")
        if not entry.get("integrity", "").startswith("sha512-"):
            problems.append(f"{path}: {key}: no sha512 integrity")
if problems:
    sys.exit("check-nix: npm locks Nix cannot fetch from (each directory's .npmrc keeps npm writing them):\n  " + "\n  ".join(problems))
print(f"check-nix: {len(sys.argv) - 1} npm locks carry registry URLs and integrity for every package")
PY

# Files the Rust code embeds at compile time (include_str!, include_bytes!, sqlx::migrate!)
# are outside crane's Cargo selection: each must be in one of nix/outputs.nix's source sets,
# or the Nix build fails where cargo here succeeds.
python3 - <<'PY'
import os, re, subprocess, sys
nix = open("nix/outputs.nix").read()
listed = set(re.findall(r"^\s+\.\./([\w./-]+)$", nix, re.M))
sources = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.rs"],
                         capture_output=True, text=True, check=True).stdout.split()
macro = re.compile(r'(include_str|include_bytes|sqlx::migrate)!\(\s*"([^"]+)"')
# Files tests read at run time, named from the workspace root: repo_file("nixos/...") or
# CARGO_MANIFEST_DIR's join("../nixos/...").
runtime = re.compile(r'(?:repo_file\(\s*"|join\(\s*"\.\./)([\w./-]+)"')
missing, embedded = [], 0
for source in sources:
    text = open(source).read()
    for relative in runtime.findall(text):
        embedded += 1
        if not any(relative == entry or relative.startswith(entry + "/") for entry in listed):
            missing.append(f"{source}: {relative}")
    for name, relative in macro.findall(text):
        # include_* resolve against the file's directory, migrate! against the crate's.
        base = source.split("/src/")[0] if name == "sqlx::migrate" else os.path.dirname(source)
        path = os.path.normpath(os.path.join(base, relative))
        embedded += 1
        if path.endswith((".rs", ".toml")):
            continue
        if not any(path == entry or path.startswith(entry + "/") for entry in listed):
            missing.append(f"{source}: {path}")
if missing:
    sys.exit("check-nix: embedded files no source set of nix/outputs.nix includes:\n  " + "\n  ".join(missing))
print(f"check-nix: the {embedded} files the Rust code embeds or its tests read are in the flake's source sets")
PY
