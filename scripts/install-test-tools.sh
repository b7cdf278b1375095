#!/usr/bin/env bash
# Debian packages the tests need (the npm packages come from `npm ci`).
# Installs only what is missing; runs `apt-get update` at most once.
set -euo pipefail

# command-on-PATH (or /absolute/file the package installs)  debian-package
TOOLS=(
  "socat socat"
  # peak memory of a cuff process (tests/host/input-files.test.ts)
  "/usr/bin/time time"
  # firmware/mcu: the cuff_guard image built from source and run on simavr
  "make make"
  "cc gcc"
  "avr-gcc gcc-avr"
  "avr-objcopy binutils-avr"
  "/usr/lib/avr/include/avr/io.h avr-libc"
  "simavr simavr"
  "/usr/include/simavr/sim_avr.h libsimavr-dev"
  # the browser app (tests/app/): Debian's Chromium, driven by playwright-core
  "/usr/bin/chromium chromium"
  # fonts for its screenshots (Chromium's own fallbacks lack most glyphs)
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core"
)

missing=()
for entry in "${TOOLS[@]}"; do
  read -r command package <<<"$entry"
  if [[ "$command" == /* ]]; then
    [ -e "$command" ] || missing+=("$package")
  else
    command -v "$command" >/dev/null 2>&1 || missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-test-tools: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-test-tools: installing ${missing[*]}" >&2
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
