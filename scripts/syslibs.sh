#!/usr/bin/env bash
# The system libraries WeasyPrint loads, installed when this machine lets us, else named.
#
# Pango (and its FreeType backend) are required: without them no PDF is drawn. HarfBuzz's
# subsetter is optional: WeasyPrint then subsets the fonts with fontTools, slower but the same
# PDF text, so its absence is a warning. Packages are installed with apt-get when we run as root,
# or through passwordless sudo; otherwise the exact command is printed and a missing required
# library stops set-up (exit 1).
set -euo pipefail

required=(libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0)
optional=(libharfbuzz-subset.so.0:libharfbuzz-subset0)

has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

missing_packages() {  # the packages of the given lib:package pairs whose library is absent
  local pair
  for pair in "$@"; do
    has_lib "${pair%%:*}" || printf '%s ' "${pair##*:}"
  done
}

installer() {  # how this process may run apt-get, or nothing
  command -v apt-get >/dev/null 2>&1 || return 0
  if [ "$(id -u)" = 0 ]; then
    echo "apt-get"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "sudo apt-get"
  fi
}

wanted="$(missing_packages "${required[@]}" "${optional[@]}")"
# Debian's own Python has venv without pip until python3-venv is installed.
python="${PYTHON:-python3}"
if command -v "$python" >/dev/null 2>&1 && ! "$python" -c "import ensurepip" 2>/dev/null; then
  wanted="${wanted}python3-venv "
fi
if [ -n "$wanted" ]; then
  apt="$(installer)"
  if [ -n "$apt" ]; then
    echo "installing system packages: $wanted" >&2
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    if ! { $apt update -qq && DEBIAN_FRONTEND=noninteractive $apt install -y -qq $wanted; } >/dev/null; then
      echo "apt-get could not install: $wanted" >&2
    fi
  fi
fi

required_missing="$(missing_packages "${required[@]}")"
if command -v "$python" >/dev/null 2>&1 && ! "$python" -c "import ensurepip" 2>/dev/null; then
  required_missing="${required_missing}python3-venv "
fi
optional_missing="$(missing_packages "${optional[@]}")"
if [ -n "$optional_missing" ]; then
  echo "warning: HarfBuzz's font subsetter is missing; PDFs are made without it (slower)." >&2
  echo "         to add it: apt-get install -y $optional_missing" >&2
fi
if [ -n "$required_missing" ]; then
  echo "missing system packages: ${required_missing% }" >&2
  echo "install them with: apt-get install -y ${required_missing% }" >&2
  exit 1
fi
