"""``python -m tb.stimulus.workloads.convert_capture LOG[.xz] --out F.trace``: a QEMU VT-d
trace log (tools/qemu_capture/capture.sh) as a replay trace, with the capture's figures
(doc/workloads.md "Captured streams"). Exit status 0, or 2 for a log it cannot convert (the
message names the line) or a bad option."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tb.flows.replay.trace import TraceError, write_trace
from tb.stimulus.workloads.captured import CapturedKnobs, build, convert
from tb.stimulus.workloads.common import WorkloadError
from tb.stimulus.workloads.qemu_vtd_log import QemuLogError, open_lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.stimulus.workloads.convert_capture",
                                description="convert a QEMU vtd_* trace log into a replay trace")
    p.add_argument("log", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--n", type=int, default=None, help="requests (default: the whole capture)")
    p.add_argument("--loop", action="store_true")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--rw-as", default="write", choices=("write", "read"))
    p.add_argument("--params", default="default")
    args = p.parse_args(argv)
    try:
        if not 1 <= args.size <= 4096:
            raise WorkloadError(f"--size {args.size}: must be 1..4096")
        cap = convert(open_lines(args.log), args.log.name)
        n = args.n if args.n is not None else len(cap.translations)
        if n < 1:
            raise WorkloadError(f"--n {n}: must be at least 1")
        built = build(cap, n, 0, CapturedKnobs(str(args.log), args.loop, args.size,
                                               args.rw_as), args.params)
        write_trace(built.trace, args.out)
    except (QemuLogError, WorkloadError, TraceError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    stats = " ".join(f"{k}={v}" for k, v in cap.stats().items())
    print(f"captured: {args.log}: {stats}; {len(built.trace.requests)} requests -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
