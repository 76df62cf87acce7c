"""Directed tests, one situation per fault reason (doc/vtd-rules.md §3.3, §10 P3/P6/P13/P14),
plus FPD suppression, fault-record overflow (PFO), masked fault events (FECTL.IM/IP), pass-through,
TE=0 and bad RTADDR (30h).

Every request is checked by the scoreboard against the golden model, and additionally against
the reason (or address) the case aims at, so a case that silently stops reaching its fault
fails. Fault records, FSTS and FECTL are compared with the model after each batch; then the
driver's service loop reads and clears the records.
"""

import cocotb
from rtl_runner import plan_test

from tb.env.base_test import BaseTest, run_uvm
from tb.software.table_formats import context_entry, sl_entry
from tb.software.table_formats import parse_sid as sid

RW, RO, WO = (True, True), (True, False), (False, True)
G4K, G2M, G1G = 1 << 12, 1 << 21, 1 << 30


class FaultReasonsTest(BaseTest):
    """Every legacy fault reason the RTL can produce, each aimed at on purpose."""

    def tables(self):
        tb = self.tb
        b, mem = tb.builder, tb.memory
        dom = self.dom = b.create_domain()  # DID 1, 4 levels
        dom.map(0x100000, 0x800000, 4 * G4K)
        dom.map(0x200000, 0x900000, G4K, read=True, write=False)
        dom.map(0x201000, 0x901000, G4K, read=False, write=True)
        dom.map(0x600000, 0xA000000, G2M, page_size=G2M)
        dom.map(0x40000000, 0x80000000, G1G, page_size=G1G)
        dom.map(0x300000, 0xFEE00000, G4K)  # output in the interrupt range: 0Eh
        dom.set_entry(1, 0x105000, sl_entry(0xA00000, True, True) | 1 << 11)  # SNP: 0Ch
        dom.set_entry(4, 0x500000000000, sl_entry(0xB00000, True, True, page=True))  # PS@L4
        b.assign_device("01:00.0", dom)
        b.assign_device("03:01.0", dom)  # bus 3 has a context table; 03:00.0 stays absent
        b.unassign_device("03:02.0", fpd=True)  # not present but FPD: 02h suppressed
        b.write_context_entry("04:00.0", *context_entry(present=True, fpd=False, tt=0,
                                                        slptptr=dom.slptptr, aw=3, did=1))
        b.write_context_entry("04:01.0", *context_entry(present=True, fpd=False, tt=3,
                                                        slptptr=dom.slptptr, aw=2, did=1))
        b.write_context_entry("04:02.0", *context_entry(present=True, fpd=False, tt=2,
                                                        slptptr=0, aw=1, did=9))
        d3 = b.create_domain(aw=1)  # 3 levels: 39-bit input
        d3.map(0x1000, 0x1000, G4K)
        b.assign_device("05:00.0", d3)
        lo, hi = context_entry(present=True, fpd=False, tt=0, slptptr=dom.slptptr, aw=2, did=1)
        b.write_context_entry("06:00.0", lo | 1 << 4, hi)  # reserved bit 4: 0Bh
        ctp = b.context_table(7)
        b.write_root_entry(7, ctp | 1 | 1 << 3, 0)  # reserved bit 3: 0Ah
        b.assign_device("08:00.0", dom)
        mem.add_error(b.root_entry_address(8), 16)  # 08h
        b.assign_device("09:00.0", dom)
        mem.add_error(b.context_entry_address("09:00.0"), 16)  # 09h
        dtop = b.create_domain()
        dtop.map(0x100000, 0x800000, G4K)
        b.assign_device("0a:00.0", dtop)
        mem.add_error(dtop.slptptr, G4K)  # top-level fetch error: 03h
        dlow = b.create_domain()
        dlow.map(0x100000, 0x800000, G4K)
        b.assign_device("0a:01.0", dlow)
        mem.add_error(dlow.entry_address(3, 0x100000) & ~0xFFF, G4K)  # lower level: 07h
        b.assign_device("0b:00.0", dom, fpd=True)
        b.assign_passthrough("0c:00.0", did=5)

    def cases(self):
        s = sid("01:00.0")
        return [
            # name, sid, addr, write, size, reason, hpa
            ("4K read", s, 0x100010, False, 4, None, 0x800010),
            ("4K write 64B", s, 0x103FC0, True, 64, None, 0x803FC0),
            ("2M read", s, 0x654321, False, 8, None, 0xA054321),
            ("1G write", s, 0x41234560, True, 16, None, 0x81234560),
            ("write to read-only", s, 0x200000, True, 4, 0x05, None),
            ("read of write-only", s, 0x201008, False, 4, 0x06, None),
            ("read of unmapped PTE", s, 0x104000, False, 4, 0x06, None),
            ("write under absent PML4E", s, 0x700000000000, True, 4, 0x05, None),
            ("above 2^48", s, 1 << 48, False, 4, 0x04, None),
            ("output FEEx", s, 0x300000, False, 4, 0x0E, None),
            ("DMA to FEEx", s, 0xFEE01000, False, 4, 0x29, None),
            ("reserved SNP in PTE", s, 0x105000, False, 4, 0x0C, None),
            ("PS in PML4E", s, 0x500000001000, False, 4, 0x0C, None),
            ("root not present", sid("02:00.0"), 0x100000, False, 4, 0x01, None),
            ("context not present", sid("03:00.0"), 0x100000, False, 4, 0x02, None),
            ("context not present, FPD", sid("03:02.0"), 0x100000, False, 4, 0x02, None),
            ("AW unsupported", sid("04:00.0"), 0x100000, False, 4, 0x03, None),
            ("TT=11", sid("04:01.0"), 0x100000, False, 4, 0x03, None),
            ("TT=10 with AW not largest", sid("04:02.0"), 0x100000, False, 4, 0x03, None),
            ("3-level above 2^39", sid("05:00.0"), 1 << 39, False, 4, 0x04, None),
            ("3-level ok", sid("05:00.0"), 0x1234, True, 4, None, 0x1234),
            ("context reserved bit", sid("06:00.0"), 0x100000, False, 4, 0x0B, None),
            ("root reserved bit", sid("07:00.0"), 0x100000, False, 4, 0x0A, None),
            ("root fetch error", sid("08:00.0"), 0x100000, False, 4, 0x08, None),
            ("context fetch error", sid("09:00.0"), 0x100000, False, 4, 0x09, None),
            ("top-level fetch error", sid("0a:00.0"), 0x100000, False, 4, 0x03, None),
            ("lower-level fetch error", sid("0a:01.0"), 0x100000, False, 4, 0x07, None),
            ("FPD write to read-only", sid("0b:00.0"), 0x200000, True, 4, 0x05, None),
            ("FPD read unmapped", sid("0b:00.0"), 0x104000, False, 4, 0x06, None),
            ("FPD above 2^48", sid("0b:00.0"), 1 << 48, True, 4, 0x04, None),
            ("pass-through", sid("0c:00.0"), 0x123456789, True, 4, None, 0x123456789),
            ("pass-through above HAW", sid("0c:00.0"), 1 << 48, False, 4, 0x04, None),
            ("pass-through to FEEx", sid("0c:00.0"), 0xFEE00000, False, 8, 0x29, None),
            ("pass-through again (cached)", sid("0c:00.0"), 0x5000, False, 4, None, 0x5000),
        ]

    async def body(self):
        self.tables()
        await self.sw.setup_fault_event(0xFEE01000, 0x4041, upper=0)
        await self.sw.enable_translation()
        seen = set()
        for i, (name, source, addr, write, size, reason, hpa) in enumerate(self.cases()):
            await self.one(source, addr, write, size, reason=reason, hpa=hpa, what=name)
            if reason is not None:
                seen.add(reason)
            if i % 5 == 4:  # a batch: compare records/FSTS, then service them
                await self.tb.checkpoint(self.regs)
                await self.sw.service_faults()
        await self.tb.checkpoint(self.regs)
        await self.sw.service_faults()
        await self.tb.checkpoint(self.regs)
        # Bad RTADDR programming (TTM=01 without SMTS): every request gets 30h.
        rtaddr = self.regs.put("RTADDR", 0, RTA=self.tb.builder.root_table_addr >> 12, TTM=1)
        await self.regs.write("RTADDR", rtaddr)
        await self.sw.run_steps([{"op": "reg_write", "reg": "GCMD", "value": 0xC000_0000},
                                 {"op": "poll", "reg": "GSTS", "mask": 0x4000_0000,
                                  "value": 0x4000_0000}])
        await self.one(0x100, 0x100000, reason=0x30, what="TTM=01")
        await self.one(0x100, 0xFEE00000, reason=0x29, what="FEEx before TTM check")
        # TE=0: no translation at all (but FEEx still blocked, P14)
        self.tb.builder.gsts = 0xC000_0000
        await self.sw.disable_translation()
        await self.one(0x100, 0x200000, True, reason=None, hpa=0x200000, what="TE=0")
        await self.one(0x300, 0xFEEFFFF0, False, 8, reason=0x29, what="TE=0 FEEx")
        seen |= {0x30, 0x29}
        assert {1, 2, 3, 4, 5, 6, 7, 8, 9, 0xA, 0xB, 0xC, 0xE, 0x29, 0x30} <= seen


class FaultOverflowTest(BaseTest):
    """More faults than records: PFO, no event for the overflow, no recording while PFO=1,
    the service loop from FRI, recording resuming at the internal index; events masked
    (IP pending) then unmasked."""

    async def body(self):
        tb, regs, sw = self.tb, self.regs, self.sw
        b = tb.builder
        dom = b.create_domain()
        dom.map(0x10000, 0x10000, G4K, read=True, write=False)
        b.assign_device("01:00.0", dom)
        await sw.setup_fault_event(0xFEE00000, 0x55, unmask=False)  # IM=1: IP stays pending
        await sw.enable_translation()
        n = tb.config.num_fault_records
        for i in range(n + 3):
            await self.one(0x100, 0x10000 + 8 * i, True, reason=0x05, what=f"fault {i}")
        await tb.checkpoint(regs)  # FRCDs full, PFO=1, FECTL.IP=1, no message yet
        await regs.write_fields("FECTL", IM=0)  # unmask: the pending event goes out now
        await tb.checkpoint(regs)
        got = await sw.service_faults()
        assert len(got) == n, f"serviced {len(got)} records, expected {n}"
        tb.coverage.hit("faults", "overflow (PFO)")
        await tb.checkpoint(regs)
        for _ in range(3):  # recording resumes at the internal index
            await self.one(0x100, 0x10000, True, reason=0x05)
        await tb.checkpoint(regs)
        await sw.service_faults()
        await tb.checkpoint(regs)


@cocotb.test()
async def fault_reasons(dut):
    await run_uvm(dut, FaultReasonsTest)


@cocotb.test()
async def fault_overflow(dut):
    await run_uvm(dut, FaultOverflowTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_faults")
