#!/usr/bin/env bash
# System packages the bot needs beyond its Python dependencies (run as root; idempotent).
# dev.py runs it on Debian as root; `setup-system.sh --check` only checks.
#
# fonts-noto-cjk: the CJK font the staff /chart draws its Chinese labels with
# (bot/exports.py looks it up by path). Debian's package rather than a PyPI one:
# the PyPI packages that bundle Noto Sans CJK also bundle non-free fonts (SimHei,
# Microsoft YaHei) or only the Traditional Chinese cut.
set -euo pipefail

FONT=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

if [ "${1:-}" = "--check" ]; then
    test -f "$FONT"
    exit
fi
if [ ! -f "$FONT" ]; then
    echo "installing fonts-noto-cjk …"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
fi
test -f "$FONT"
