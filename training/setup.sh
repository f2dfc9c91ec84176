#!/usr/bin/env bash
# Creates .venv-training (or $JIKJI_TRAINING_VENV) with training/requirements.txt, reinstalling when the
# requirements file changes (its sha256 is stamped into the venv), and makes sure the Korean fonts synth.py
# renders with are installed (Debian: fonts-nanum, fonts-unfonts-core, fonts-baekmuk).
# Prints the venv's python path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$(realpath -m "${JIKJI_TRAINING_VENV:-.venv-training}")
REQ=training/requirements.txt

stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "training: installing $REQ into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" >&2
    echo "$want" > "$stamp"
fi

fonts_missing=()
for d in nanum:fonts-nanum unfonts-core:fonts-unfonts-core baekmuk:fonts-baekmuk; do
    [ -d "/usr/share/fonts/truetype/${d%%:*}" ] || fonts_missing+=("${d#*:}")
done
if [ ${#fonts_missing[@]} -gt 0 ]; then
    echo "training: installing ${fonts_missing[*]}" >&2
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${fonts_missing[@]}" >&2
fi
echo "$VENV/bin/python"
