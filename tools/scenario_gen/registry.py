"""Every scenario builder, family by family, and ``build_all``: file name -> JSON text."""

from __future__ import annotations

from collections.abc import Callable

from . import (
    dma_faults,
    dma_translation,
    fault_recording,
    interrupt_remapping,
    queue_errors,
    queued_invalidation,
    register_invalidation,
    registers,
)
from .scenario import Scn, render

Builder = Callable[[], Scn]

SCENARIOS: tuple[Builder, ...] = (
    registers.registers_reset,
    registers.registers_caps,
    registers.registers_access,
    registers.gcmd_gsts_handshake,
    dma_translation.dma_translate_4level,
    dma_translation.dma_walk_levels,
    dma_translation.dma_address_widths,
    dma_translation.dma_large_pages_sllps,
    dma_translation.dma_passthrough,
    dma_translation.dma_passthrough_unsupported,
    dma_faults.dma_faults_root,
    dma_faults.dma_faults_context,
    dma_faults.dma_faults_walk,
    dma_faults.dma_fault_interrupt_range,
    dma_faults.dma_fpd,
    fault_recording.fault_recording,
    fault_recording.fault_overflow,
    fault_recording.fault_event_masking,
    fault_recording.fault_index_reset,
    register_invalidation.inv_register_context,
    register_invalidation.inv_register_iotlb,
    register_invalidation.inv_register_psi,
    register_invalidation.inv_without_psi,
    queued_invalidation.qi_basic,
    queued_invalidation.qi_wait_status,
    queued_invalidation.qi_invalidate,
    queue_errors.qi_errors,
    queue_errors.qi_errors_queue,
    queue_errors.qi_error_dw,
    interrupt_remapping.ir_compat_cfi,
    interrupt_remapping.ir_remap_xapic,
    interrupt_remapping.ir_remap_x2apic,
    interrupt_remapping.ir_faults,
)


def build_all() -> dict[str, str]:
    """Run every builder; the text each scenario file must hold, by file name."""
    out: dict[str, str] = {}
    for fn in SCENARIOS:
        s = fn()
        if s.file in out:
            raise SystemExit(f"two scenarios write {s.file}")
        out[s.file] = render(s.document())
    return out
