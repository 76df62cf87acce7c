"""Register access semantics against the golden model: every register's reset value, RW
fields with random values through 4-byte and 8-byte accesses (a 64-bit register also as two
dwords, low first), write-only and read-only fields, unimplemented offsets, CAP/ECAP for the
build's parameters; the queued-invalidation and interrupt-remapping registers after reset and
after their handshakes (QIE, a queue run with status writes, a queue error and its clear, the
completion event, SIRTP/IRE/CFI, EIME); and compatibility-format MSIs (IRES=0: pass-through)."""

import cocotb
from rtl_runner import plan_test

from tb.agents.msi import MsiItem
from tb.env.base_test import BaseTest, run_uvm
from tb.software.table_formats import cc_inv_dsc, inv_wait_dsc, iotlb_inv_dsc

# Writes that start operations (GCMD, CCMD.ICC, IOTLB.IVT) or clear status (FSTS, FRCD)
# are covered by the fault and invalidation tests.
PLAIN_RW = ("RTADDR", "FEDATA", "FEADDR", "FEUADDR", "FECTL", "IQT", "IQA", "IEDATA",
            "IEADDR", "IEUADDR", "IECTL", "IRTA", "CCMD", "IOTLB", "IVA", "AFLOG", "PLMBASE",
            "PLMLIMIT", "PHMBASE", "PHMLIMIT", "IQH", "ICS", "IQERCD", "VER", "CAP", "ECAP")


class RegisterTest(BaseTest):
    async def body(self):
        tb, regs = self.tb, self.regs
        rng = tb.rt.rng("regs")
        bus = regs.bus
        chk = tb.checker
        # reset values of every register of the map, at its width
        for r in regs.map.registers:
            chk.compare_offset(r.offset, r.size, await bus.read(r.offset, r.size), r.name)
            if r.size == 8:
                for half in (0, 4):
                    chk.compare_offset(r.offset + half, 4, await bus.read(r.offset + half, 4),
                                       f"{r.name} dword {half // 4}")
        # unimplemented offsets read 0 and ignore writes
        for off in (0x048, 0x050, 0x060, 0x0C0, 0x0F0, 0x200, 0x400, 0xE00, 0xFF8):
            if regs.map.containing(off) is None:
                await bus.write(off, 4, rng.getrandbits(32))
                chk.compare_offset(off, 4, await bus.read(off, 4), "unimplemented")
        for _ in range(tb.rt.iknob("rounds", 6)):
            for name in PLAIN_RW:
                r = regs.reg(name)
                value = rng.getrandbits(8 * r.size)
                if name == "CCMD":
                    value &= ~r.field("ICC").mask  # no command
                if name == "IOTLB":
                    value &= ~r.field("IVT").mask
                how = rng.choice(["whole", "halves"]) if r.size == 8 else "whole"
                if how == "whole":
                    await bus.write(r.offset, r.size, value)
                else:
                    await bus.write(r.offset, 4, value & 0xFFFF_FFFF)
                    await bus.write(r.offset + 4, 4, value >> 32)
                chk.compare_offset(r.offset, r.size, await bus.read(r.offset, r.size), name)
                if r.size == 8:
                    chk.compare_offset(r.offset + 4, 4, await bus.read(r.offset + 4, 4),
                                       f"{name} high dword")
        # read-only fields keep their value under writes of all ones
        for name in ("VER", "CAP", "ECAP", "GSTS"):
            r = regs.reg(name)
            await bus.write(r.offset, r.size, (1 << 8 * r.size) - 1 if name != "GSTS" else 0)
            chk.compare_offset(r.offset, r.size, await bus.read(r.offset, r.size), name)


QI_IR_REGS = ("GSTS", "ECAP", "FSTS", "IQH", "IQT", "IQA", "ICS", "IECTL", "IEDATA", "IEADDR",
              "IEUADDR", "IQERCD", "IRTA", "FECTL")


class QiIrRegisterTest(BaseTest):
    """The QI/IR registers as the model says: after reset, after GCMD.QIE with IQT/IQA, after
    queue runs (a status write, one into a write-error range that is dropped, IF=1 with the
    completion event masked and unmasked, ICS.IWC clear), after a queue error (reserved type:
    IQE, IQEI, the fault event) and its clear, after SIRTP with EIME, IRE and CFI, and after
    turning everything off. With QI=0 / IR=0 the same writes only store (GSTS stays 0)."""

    async def body(self):
        tb, regs = self.tb, self.regs
        chk = tb.checker
        mem = tb.memory
        cfg = tb.config

        async def compare(what: str) -> None:
            await tb.mem.settle()
            await tb.wait(60)  # the RTL's queue finishes what the model did at once
            for name in QI_IR_REGS:
                chk.compare_register(name, await regs.read(name))
            chk.match_events()
            tb.log.info("QI/IR registers compared: %s", what)

        async def gcmd(**bits: int) -> None:
            await regs.write("GCMD", regs.put("GCMD", 0, **bits))
            want = tb.unit.read_reg("GSTS")
            await regs.poll("GSTS", 0xFFFF_FFFF, want, timeout_cycles=2000)

        await compare("reset")
        await regs.write("IEDATA", 0x55)
        await regs.write("IEADDR", 0xFEE0_1000)
        await regs.write("IEUADDR", 0)
        await self.sw.setup_fault_event(0xFEE0_2000, 0x66)
        q, status, bad = 0x40_0000, 0x50_0000, 0x50_1000
        mem.add_error(bad, 0x1000, on_read=False, on_write=True)
        await regs.write("IQT", 0)
        await regs.write("IQA", q)
        await gcmd(QIE=1)
        await compare("QIE=1")
        descs = [cc_inv_dsc(1), iotlb_inv_dsc(1), inv_wait_dsc(status, 0x1234, sw=True),
                 inv_wait_dsc(bad + 8, 0x99, sw=True), inv_wait_dsc(status + 4, 0x77, sw=True,
                                                                   if_=True)]
        for i, (lo, hi) in enumerate(descs):
            mem.poke_u64(q + 16 * i, lo)
            mem.poke_u64(q + 16 * i + 8, hi)
        await regs.write("IQT", 16 * len(descs))
        await compare("a queue run, IF=1 masked")
        await regs.write("IECTL", 0)  # unmask: the pending completion event is sent
        await compare("IECTL.IM=0")
        await regs.write("ICS", 1)
        mem.poke_u64(q + 16 * len(descs), 0x7)  # type 7: invalid
        mem.poke_u64(q + 16 * len(descs) + 8, 0)
        await regs.write("IQT", 16 * (len(descs) + 1))
        await compare("queue error")
        mem.poke_u64(q + 16 * len(descs), inv_wait_dsc(status, 0x4321, sw=True)[0])
        mem.poke_u64(q + 16 * len(descs) + 8, inv_wait_dsc(status, 0x4321, sw=True)[1])
        await regs.write("FSTS", regs.put("FSTS", 0, IQE=1))
        await compare("IQE cleared")
        await regs.write("IRTA", 0x60_0000 | 1 << 11 | 7)
        await gcmd(QIE=cfg.QI, SIRTP=1)
        await compare("SIRTP")
        await gcmd(QIE=cfg.QI, IRE=1)
        await gcmd(QIE=cfg.QI, IRE=1, CFI=1)
        await compare("IRE, CFI")
        await gcmd()
        await compare("all off")


class MsiTest(BaseTest):
    """Compatibility-format (and remappable-format, IRES=0: P17) MSIs, random fields,
    interleaved with DMA traffic; interrupt outputs in order with back-pressure."""

    async def body(self):
        tb = self.tb
        rng = tb.rt.rng("msi")
        items = []
        for _ in range(tb.rt.iknob("n", 200)):
            addr = 0xFEE00000 | rng.getrandbits(20) & ~3
            items.append(MsiItem(sid=rng.getrandbits(16), addr=addr, data=rng.getrandbits(32)))
        await self.env.msi(items)


@cocotb.test()
async def registers(dut):
    await run_uvm(dut, RegisterTest)


@cocotb.test()
async def qi_ir_registers(dut):
    await run_uvm(dut, QiIrRegisterTest)


@cocotb.test()
async def msi(dut):
    await run_uvm(dut, MsiTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_registers")
