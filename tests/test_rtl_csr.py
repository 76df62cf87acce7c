"""The CSR suite after OpenTitan's CSR testplan, generated from the register description
(``python_model.regmap`` through :mod:`tb.env.csr_description`; no hand-kept register list):

* hw_reset: every register (at its width and as dwords) and every gap offset reads its reset
  value, again after a second reset that follows writes to every register;
* rw: random values into the RW fields (whole or as two dwords), read back; RO, WO, CMD and
  reserved bits read as the description says;
* bit_bash: a walking 1 and a walking 0 through every writable bit;
* aliasing: after a write to one register (or to a gap offset), every register still reads
  what the description says;
* field semantics: RO/RW1C/WO fields of the registers without RW bits under writes of all ones
  and zeros; RW1C with something pending (FRCD.F, FSTS.PFO: write 0 keeps, write 1 clears);
  one-shot commands (CCMD.ICC, IOTLB.IVT clear themselves, GCMD bits read back through GSTS).

Every read is compared with the description and with the golden model (the scoreboard's mirror
applies every write). ``bash_traffic``: random writes to harmless registers and reads of every
register while random DMA traffic runs; the scoreboard checks every response. Prints its seed;
replay with ``SEED=``."""

import cocotb
from cocotb.triggers import Event
from rtl_runner import plan_test

from python_model.regmap import Access, Register
from tb.agents.dma import DmaItem
from tb.env.base_test import BaseTest, run_uvm
from tb.env.csr_description import SIDE_EFFECTS, CsrPlan, DescribedValues
from tb.software.table_formats import inv_wait_dsc
from tb.stimulus.sequences import RandomDmaSeq
from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology


class CsrTest(BaseTest):
    async def body(self):
        tb = self.tb
        self.rng = tb.rt.rng("csr")
        self.plan = CsrPlan(self.regs.map, tb.config)
        self.described = DescribedValues(self.plan, {
            r.name: tb.unit.reg_read(r.offset, r.size)
            for r in self.regs.map.registers if r.computed_reset})
        self.counts = dict.fromkeys(("hw_reset", "rw", "bit_bash", "aliasing", "semantics"), 0)
        await self.hw_reset("after reset")
        await self.rw()
        await self.bit_bash()
        await self.aliasing()
        await self.read_only_semantics()
        await self.write_everything()
        await self.reset()
        await self.hw_reset("after a second reset")
        await self.rw1c_semantics()
        await self.command_semantics()
        tb.log.info("CSR suite: %s register reads checked against the description (%d "
                    "registers, %d gap offsets)", self.counts, len(self.regs.map.registers),
                    len(self.plan.gaps()))

    # ----------------------------------------------------------------- accesses
    async def check(self, reg: Register, offset: int, size: int, what: str) -> int:
        """Read ``size`` bytes at ``offset`` of ``reg``: the description and the model."""
        value = await self.regs.bus.read(offset, size)
        want = self.described.read(reg, offset, size)
        if value != want:
            self.tb.checker.error(f"{what}: {reg.name} read {offset:#05x}/{size}: RTL "
                                  f"{value:#x}, the register description says {want:#x}")
        self.tb.checker.compare_offset(offset, size, value, f"{what}: {reg.name}")
        return value

    async def check_register(self, reg: Register, what: str, dwords: bool = False) -> None:
        await self.check(reg, reg.offset, reg.size, what)
        if reg.size == 8:
            halves = (0, 4) if dwords else (4,)
            for half in halves:
                await self.check(reg, reg.offset + half, 4, what)

    async def write(self, reg: Register, value: int, how: str = "whole") -> None:
        bus = self.regs.bus
        if how == "whole" or reg.size == 4:
            await bus.write(reg.offset, reg.size, value)
            self.described.write(reg, reg.offset, reg.size, value)
        else:  # two dwords, low first
            for half in (0, 4):
                part = value >> 8 * half & 0xFFFF_FFFF
                await bus.write(reg.offset + half, 4, part)
                self.described.write(reg, reg.offset + half, 4, part)

    async def check_all(self, what: str) -> None:
        for reg in self.regs.map.registers:
            await self.check_register(reg, what)
            self.counts["aliasing"] += 1

    # ----------------------------------------------------------------- the suite
    async def hw_reset(self, what: str) -> None:
        for reg in self.regs.map.registers:
            await self.check_register(reg, f"hw_reset {what}", dwords=True)
            self.counts["hw_reset"] += 1
        for off in self.plan.gaps():
            value = await self.regs.bus.read(off, 4)
            if value:
                self.tb.checker.error(f"hw_reset {what}: gap offset {off:#05x} reads "
                                      f"{value:#x}, the description has no register there")
        self.tb.log.info("hw_reset %s: %d registers and %d gap offsets read their reset "
                         "values", what, len(self.regs.map.registers), len(self.plan.gaps()))

    async def rw(self) -> None:
        for _ in range(self.tb.rt.iknob("rounds", 4)):
            for reg in self.plan.rw_registers:
                value = self.plan.safe_value(reg, self.rng.getrandbits(8 * reg.size))
                await self.write(reg, value, self.rng.choice(["whole", "dwords"]))
                await self.check_register(reg, "rw")
                self.counts["rw"] += 1

    async def bit_bash(self) -> None:
        for reg in self.plan.rw_registers:
            mask = self.plan.writable_mask(reg)
            for bit in range(8 * reg.size):
                if not mask >> bit & 1:
                    continue
                for value, kind in ((1 << bit, "walking 1"), (mask & ~(1 << bit), "walking 0")):
                    await self.write(reg, value)
                    await self.check(reg, reg.offset, reg.size, f"bit_bash {kind} bit {bit}")
                    self.counts["bit_bash"] += 1

    async def aliasing(self) -> None:
        for reg in self.plan.rw_registers:
            value = self.plan.safe_value(reg, self.rng.getrandbits(8 * reg.size))
            await self.write(reg, value)
            await self.check_all(f"aliasing after a write to {reg.name}")
        gaps = self.plan.gaps()
        sample = sorted(self.rng.sample(gaps, min(len(gaps), self.tb.rt.iknob("gaps", 48))))
        for off in sample:
            await self.regs.bus.write(off, 4, self.rng.getrandbits(32))
            value = await self.regs.bus.read(off, 4)
            if value:
                self.tb.checker.error(f"aliasing: gap offset {off:#05x} reads {value:#x} "
                                      "after a write")
        await self.check_all(f"aliasing after writes to {len(sample)} gap offsets")

    async def read_only_semantics(self) -> None:
        """Registers without stored bits (RO, WO, RW1C with nothing pending, reserved): all
        ones, random, then zeros change nothing; WO fields read 0."""
        for reg in self.plan.other_registers:
            ones = (1 << 8 * reg.size) - 1
            for value in (ones, self.rng.getrandbits(8 * reg.size), 0):
                await self.write(reg, self.plan.safe_value(reg, value))
                await self.check_register(reg, f"{reg.name} written {value:#x}")
                self.counts["semantics"] += 1

    async def write_everything(self) -> None:
        """Random values into every register without side effects, before a second reset."""
        for reg in self.plan.rw_registers + self.plan.other_registers:
            await self.write(reg, self.plan.safe_value(reg, self.rng.getrandbits(8 * reg.size)))

    async def reset(self) -> None:
        await self.tb.reset_unit(self.rng.randint(1, 8))
        self.described.reset()

    async def rw1c_semantics(self) -> None:
        """Fill every fault record and one more (PFO): FRCD.F and FSTS.PFO keep under a
        write of 0 and clear under a write of 1; PPF follows the records (RO)."""
        tb, regs = self.tb, self.regs
        chk = tb.checker
        await self.sw.enable_translation()  # no device assigned: every request faults
        n = tb.config.num_fault_records
        items = [DmaItem(sid=0x100 + i, addr=0x1000 * i) for i in range(n + 1)]
        await self.env.dma_wait(items)
        await tb.checkpoint(regs)
        pfo = regs.field("FSTS", "PFO")
        fsts = await regs.read("FSTS")
        if not pfo.get(fsts):
            chk.error(f"rw1c: FSTS {fsts:#x} has no PFO after {n + 1} faults into {n} records")
        await regs.write("FSTS", 0)
        after = await regs.read("FSTS")
        chk.compare_register("FSTS", after)
        if after != fsts:
            chk.error(f"rw1c: FSTS written 0 changed {fsts:#x} to {after:#x}")
        await regs.write("FSTS", pfo.mask)
        after = await regs.read("FSTS")
        chk.compare_register("FSTS", after)
        if after != fsts & ~pfo.mask:
            chk.error(f"rw1c: FSTS with PFO written 1: {fsts:#x} became {after:#x}, the "
                      f"description says {fsts & ~pfo.mask:#x}")
        f = regs.field("FRCD0_HI", "F")
        for i in range(n):
            _, hi_name = regs.frcd_names(i)
            hi = await regs.read(hi_name)
            if not f.get(hi):
                chk.error(f"rw1c: {hi_name} {hi:#x} has no F after the faults")
            await regs.write(hi_name, hi & ~f.mask)  # F=0 and the RO fields as read
            kept = await regs.read(hi_name)
            chk.compare_register(hi_name, kept)
            if kept != hi:
                chk.error(f"rw1c: {hi_name} with F written 0 changed {hi:#x} to {kept:#x}")
            await regs.clear_frcd(i)
            cleared = await regs.read(hi_name)
            chk.compare_register(hi_name, cleared)
            if f.get(cleared):
                chk.error(f"rw1c: {hi_name} F written 1 reads {cleared:#x}")
            self.counts["semantics"] += 1
        fsts = await regs.read("FSTS")
        chk.compare_register("FSTS", fsts)
        if regs.get("FSTS", "PPF", fsts):
            chk.error(f"rw1c: FSTS {fsts:#x} still has PPF with every record cleared")
        if tb.config.QI:
            await self.ics_semantics()

    async def ics_semantics(self) -> None:
        """ICS.IWC set by a wait descriptor with IF=1: write 0 keeps it, write 1 clears it."""
        tb, regs = self.tb, self.regs
        chk = tb.checker
        await self.sw.enable_queued_invalidation()
        await self.sw.submit([inv_wait_dsc(if_=True)])
        await tb.checkpoint(regs)
        iwc = regs.field("ICS", "IWC")
        before = await regs.read("ICS")
        chk.compare_register("ICS", before)
        if not iwc.get(before):
            chk.error(f"rw1c: ICS {before:#x} has no IWC after a wait with IF=1")
        await regs.write("ICS", 0)
        kept = await regs.read("ICS")
        chk.compare_register("ICS", kept)
        if kept != before:
            chk.error(f"rw1c: ICS written 0 changed {before:#x} to {kept:#x}")
        await regs.write("ICS", iwc.mask)
        cleared = await regs.read("ICS")
        chk.compare_register("ICS", cleared)
        if iwc.get(cleared):
            chk.error(f"rw1c: ICS with IWC written 1 reads {cleared:#x}")
        self.counts["semantics"] += 1
        # back to register-based invalidation for the command tests
        await regs.write("GCMD", regs.put("GCMD", 0, TE=1))
        await regs.poll("GSTS", regs.mask("GSTS", "QIES"), 0, timeout_cycles=2000)

    async def command_semantics(self) -> None:
        """One-shot command fields clear themselves once done; GCMD reads 0 and its bits
        read back through GSTS."""
        tb, regs = self.tb, self.regs
        chk = tb.checker
        for reg_name, cmd, gran, value in (("CCMD", "ICC", "CIRG", 1), ("IOTLB", "IVT", "IIRG",
                                                                          1)):
            word = regs.put(reg_name, 0, **{cmd: 1, gran: value})
            await regs.write(reg_name, word)
            mask = regs.mask(reg_name, cmd)
            done = await regs.poll(reg_name, mask, 0, timeout_cycles=5000)
            chk.compare_register(reg_name, done)
            self.counts["semantics"] += 1
        for bits in ({"TE": 1}, {}, {"WBF": 1}):
            await regs.write("GCMD", regs.put("GCMD", 0, **bits))
            gsts = await regs.poll("GSTS", 0xFFFF_FFFF, tb.unit.read_reg("GSTS"), 2000)
            chk.compare_register("GSTS", gsts)
            chk.compare_register("GCMD", await regs.read("GCMD"))
            self.counts["semantics"] += 1


class BashTrafficTest(BaseTest):
    """Random DMA traffic; meanwhile random writes to registers without side effects on
    translation and reads of every register. The harmless set is derived: the RW registers of
    the description less those that point at tables or queues or start operations (root, IR
    table, queue, invalidation registers: :data:`TRANSLATION_STATE`), plus gap offsets and
    registers without stored bits (RO/WO, RW1C with the fault registers left alone so the
    checkpoints can compare them)."""

    async def body(self):
        tb = self.tb
        rt = tb.rt
        topo = build_topology(tb.builder, rt.rng("topology"), domains=rt.iknob("domains", 4),
                              devices_per_domain=2, regions_per_domain=6)
        # fault events stay masked (FECTL.IM=1 from reset): FEDATA/FEADDR writes are harmless
        await self.sw.enable_translation()
        gen = TrafficGen(topo, tb.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.5))
        done = Event()
        bash = cocotb.start_soon(self.bash(done))
        n, chunk = rt.iknob("n", 1000), rt.iknob("chunk", 250)
        sent = 0
        while sent < n:
            k = min(chunk, n - sent)
            seq = RandomDmaSeq.create("traffic")
            seq.gen, seq.n = gen, k
            await seq.start(self.env.dma_agent.seqr)
            sent += k
        await tb.dma_port.drain()
        done.set()
        await bash
        await tb.checkpoint(self.regs)
        await self.sw.service_faults()
        tb.log.info("register bashing: %d writes and %d reads during %d requests",
                    self.writes, self.reads, n)

    async def bash(self, done: Event) -> None:
        tb, regs = self.tb, self.regs
        rng = tb.rt.rng("bash")
        plan = CsrPlan(regs.map, tb.config)
        harmless = [r for r in plan.rw_registers if r.name not in TRANSLATION_STATE]
        harmless += [r for r in plan.other_registers
                     if not r.mask_of(Access.RW1C) and r.name not in TRANSLATION_STATE]
        gaps = plan.gaps()
        everything = list(regs.map.registers)
        self.writes = self.reads = 0
        while not done.is_set():
            kind = rng.random()
            if kind < 0.4:
                reg = rng.choice(harmless)
                await regs.bus.write(reg.offset, reg.size,
                                     plan.safe_value(reg, rng.getrandbits(8 * reg.size)))
                self.writes += 1
            elif kind < 0.5:
                await regs.bus.write(rng.choice(gaps), 4, rng.getrandbits(32))
                self.writes += 1
            else:
                reg = rng.choice(everything)
                value = await regs.bus.read(reg.offset, reg.size)
                self.reads += 1
                if reg.name in STABLE_UNDER_TRAFFIC or (reg in harmless
                                                        and not reg.implementation_defined):
                    tb.checker.compare_offset(reg.offset, reg.size, value,
                                              f"{reg.name} read under traffic")
            await tb.wait(rng.randint(0, 8))


# Registers whose writes change how requests translate or start operations (excluded from the
# bashing writes): table and queue pointers, invalidation commands, the fault-event control
# (unmasking sends pending events: the checkpoints compare those).
TRANSLATION_STATE = frozenset({"RTADDR", "CCMD", "IOTLB", "IVA", "IQT", "IQA", "IRTA", "FECTL",
                               "IECTL", *SIDE_EFFECTS})
# Registers whose reads may be compared with the model at any time under traffic (status
# registers and counters change with the traffic; they are compared at checkpoints).
STABLE_UNDER_TRAFFIC = frozenset({"VER", "CAP", "ECAP", "GSTS", "RTADDR", "IQA", "IRTA"})


@cocotb.test()
async def csr(dut):
    await run_uvm(dut, CsrTest)


@cocotb.test()
async def bash_traffic(dut):
    await run_uvm(dut, BashTrafficTest)


# pytest: every run of this module in the testplan (doc/testplan.toml)
test_plan = plan_test("test_rtl_csr")
