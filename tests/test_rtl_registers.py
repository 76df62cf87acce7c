"""Register access semantics against the golden model: every register's reset value, RW
fields with random values through 4-byte and 8-byte accesses (a 64-bit register also as two
dwords, low first), write-only and read-only fields, unimplemented offsets, CAP/ECAP for the
build's parameters; and compatibility-format MSIs (interrupt remapping off: pass-through)."""

import cocotb
from rtl_runner import plan_test

from tb.agents.msi import MsiItem
from tb.env.base_test import BaseTest, run_uvm

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
async def msi(dut):
    await run_uvm(dut, MsiTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_registers")
