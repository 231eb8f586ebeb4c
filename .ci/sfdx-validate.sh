#!/usr/bin/env bash
# Offline validation of the sfzoom Salesforce DX project (see sfdx/README.md and docs sfdx.md §10).
#
#   .ci/sfdx-validate.sh [PROJECT_DIR]        default: the repository's sfdx/
#
# 1. installs the pinned npm tools of sfdx/package-lock.json into a cache outside the repository
#    ($SFZOOM_SFDX_TOOLS, default ${XDG_CACHE_HOME:-$HOME/.cache}/sfzoom/sfdx-tools/<hash of the lock>);
#    they run on Node 20 thanks to the undici override in sfdx/package.json;
# 2. project check: SDR conversion, stray/unclaimed files, malformed XML, root element vs type,
#    Activity field placement, platform-event field types  (sfdx/tools/project-check.js);
# 3. schema check of every *-meta.xml against @salesforce/types (unknown elements, bad enum values);
# 4. Apex syntax of every .cls and .trigger (@apexdevtools/apex-parser);
# 5. LWC Jest tests (@salesforce/sfdx-lwc-jest).
# Every step runs even if an earlier one failed; errors name the file. Exit status 0 only if all pass,
# 2 if the tools cannot be installed. SFZOOM_SFDX_SKIP_JEST=1 skips step 5 (for metadata-only checks).
# The checkers come from this repository (not from PROJECT_DIR), so a broken project cannot disable them.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_src="$repo_root/sfdx"
project_dir="$(cd "${1:-$tools_src}" 2>/dev/null && pwd)" || {
    echo "sfdx-validate: project directory ${1:-$tools_src} not found" >&2
    exit 2
}
if [[ ! -f "$project_dir/sfdx-project.json" ]]; then
    echo "sfdx-validate: $project_dir/sfdx-project.json: missing (not a Salesforce DX project)" >&2
    exit 2
fi
for cmd in node npm sha256sum; do
    command -v "$cmd" >/dev/null || { echo "sfdx-validate: $cmd is required" >&2; exit 2; }
done

# --- tools -------------------------------------------------------------------------------------------
hash="$(cat "$tools_src/package.json" "$tools_src/package-lock.json" | sha256sum | cut -c1-16)"
cache_root="${SFZOOM_SFDX_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/sfzoom/sfdx-tools}"
tools_dir="$cache_root/$hash"
if [[ ! -d "$tools_dir/node_modules" ]]; then
    echo "sfdx-validate: installing tools into $tools_dir (about 30-60 s on a cold npm cache)"
    mkdir -p "$cache_root"
    tmp="$(mktemp -d "$cache_root/.install.XXXXXX")"
    cp "$tools_src/package.json" "$tools_src/package-lock.json" "$tmp/"
    # Install scripts are not needed by any of the tools. `npm install` (not `npm ci`) because npm ci rejects
    # this lock over vite's Windows-only optional dependency, which npm leaves out of the lock on Linux;
    # the versions still come from the lock.
    if ! (cd "$tmp" && npm install --no-audit --no-fund --ignore-scripts --no-save --loglevel=error >"$tmp/npm.log" 2>&1); then
        cat "$tmp/npm.log" >&2
        rm -rf "$tmp"
        echo "sfdx-validate: npm ci failed" >&2
        exit 2
    fi
    rm -f "$tmp/npm.log"
    # A concurrent run may have won the race; either copy is complete.
    mv -T "$tmp" "$tools_dir" 2>/dev/null || rm -rf "$tmp"
fi
export NODE_PATH="$tools_dir/node_modules"
export PATH="$tools_dir/node_modules/.bin:$PATH"

# --- checks ------------------------------------------------------------------------------------------
passed=0
failed=0
failed_steps=()
step() {
    local name="$1"
    shift
    local start=$SECONDS
    echo "--- $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "--- $name: ok ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failed_steps+=("$name")
        echo "--- $name: FAILED ($((SECONDS - start)) s)"
    fi
}

step "project check (SDR)" node "$tools_src/tools/project-check.js" "$project_dir"
step "schema check (@salesforce/types)" node "$tools_src/tools/schema-check.js" "$project_dir"
step "apex syntax" node "$tools_src/tools/apex-check.js" "$project_dir"
if [[ "${SFZOOM_SFDX_SKIP_JEST:-}" == 1 ]]; then
    echo "--- lwc jest: skipped (SFZOOM_SFDX_SKIP_JEST=1)"
elif compgen -G "$project_dir/force-app/main/default/lwc/*/__tests__/*.test.js" >/dev/null; then
    # jest.config.js and sfdx-project.json are read from the working directory.
    step "lwc jest" bash -c 'cd "$1" && sfdx-lwc-jest -- --ci --silent --rootDir "$1" 2>&1' _ "$project_dir"
fi

if ((failed > 0)); then
    echo "sfdx-validate: $project_dir: failed: ${failed_steps[*]}" >&2
fi
echo "sfdx-validate: $passed passed, $failed failed"
((failed == 0))
