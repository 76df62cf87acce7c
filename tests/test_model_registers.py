"""Register map of the golden model against doc/vtd-rules.md §1 and decisions P1/P2.

Every expected value below is written from the rules' tables, never from python_model.regmap.
"""

from __future__ import annotations

import pytest

from python_model.config import ConfigError, UnitConfig
from python_model.unit import RegisterAccessError, RemappingUnit
from tests.model_helpers import (
    CFI,
    EAFL,
    IRE,
    QIE,
    SFL,
    SIRTP,
    SRTP,
    TE,
    WBF,
    Bench,
    enable_dma,
    gcmd,
    get,
    gsts_bit,
)

# ------------------------------------------------------------------ offsets (§1.1, task brief)
OFFSETS = {
    "VER": (0x000, 4), "CAP": (0x008, 8), "ECAP": (0x010, 8), "GCMD": (0x018, 4),
    "GSTS": (0x01C, 4), "RTADDR": (0x020, 8), "CCMD": (0x028, 8), "FSTS": (0x034, 4),
    "FECTL": (0x038, 4), "FEDATA": (0x03C, 4), "FEADDR": (0x040, 4), "FEUADDR": (0x044, 4),
    "AFLOG": (0x058, 8), "PMEN": (0x064, 4), "PLMBASE": (0x068, 4), "PLMLIMIT": (0x06C, 4),
    "PHMBASE": (0x070, 8), "PHMLIMIT": (0x078, 8), "IQH": (0x080, 8), "IQT": (0x088, 8),
    "IQA": (0x090, 8), "ICS": (0x09C, 4), "IECTL": (0x0A0, 4), "IEDATA": (0x0A4, 4),
    "IEADDR": (0x0A8, 4), "IEUADDR": (0x0AC, 4), "IQERCD": (0x0B0, 8), "IRTA": (0x0B8, 8),
    "IVA": (0x500, 8), "IOTLB": (0x508, 8),
    "FRCD0_LO": (0x600, 8), "FRCD0_HI": (0x608, 8), "FRCD7_LO": (0x670, 8),
    "FRCD7_HI": (0x678, 8),
}

# Reset values (§1.1-§1.13, P1: VER 1.0; FECTL.IM and IECTL.IM reset to 1).
RESETS = {
    "VER": 0x10, "GCMD": 0, "GSTS": 0, "RTADDR": 0, "CCMD": 0, "FSTS": 0,
    "FECTL": 0x8000_0000, "FEDATA": 0, "FEADDR": 0, "FEUADDR": 0, "AFLOG": 0, "PMEN": 0,
    "PLMBASE": 0, "PLMLIMIT": 0, "PHMBASE": 0, "PHMLIMIT": 0, "IQH": 0, "IQT": 0, "IQA": 0,
    "ICS": 0, "IECTL": 0x8000_0000, "IEDATA": 0, "IEADDR": 0, "IEUADDR": 0, "IQERCD": 0,
    "IRTA": 0, "IVA": 0, "IOTLB": 0, "FRCD0_LO": 0, "FRCD0_HI": 0, "FRCD7_LO": 0,
    "FRCD7_HI": 0,
}


def expected_cap(cfg: UnitConfig) -> int:
    """§1.2 positions; P1: AFL, RWBF, PLMR, PHMR, CM, ZLR, PI ... all 0; FRO = 0x60."""
    value = cfg.ND  # 2:0
    value |= cfg.SAGAW << 8  # 12:8
    value |= (cfg.MGAW - 1) << 16  # 21:16
    value |= 0x60 << 24  # 33:24 FRO (FRCD[0] at 0x600)
    value |= cfg.SLLPS << 34  # 37:34
    value |= cfg.PSI << 39  # 39
    value |= cfg.NFR << 40  # 47:40
    value |= (cfg.MAMV if cfg.PSI else 0) << 48  # 53:48
    return value


def expected_ecap(cfg: UnitConfig) -> int:
    """§1.3 positions; P1: DT, SC, MTS, NEST, PRS, SMTS, ADMS, EIMER, IRREQ all 0; IRO = 0x50."""
    value = cfg.C | cfg.QI << 1 | cfg.IR << 3 | cfg.EIM << 4 | cfg.PT << 6
    value |= 0x50 << 8  # 17:8 IRO (IVA at 0x500)
    value |= (cfg.MHMV if cfg.IR else 0) << 20  # 23:20 (model: 0 without IR, see report)
    return value


@pytest.fixture
def u() -> RemappingUnit:
    return RemappingUnit(UnitConfig())


# ------------------------------------------------------------------ placement and reset
@pytest.mark.parametrize("name", sorted(OFFSETS))
def test_offsets(u, name):
    assert u.offset_of(name) == OFFSETS[name]


@pytest.mark.parametrize("name", sorted(RESETS))
def test_reset_value(u, name):
    off, size = OFFSETS[name]
    assert u.read_reg(name) == RESETS[name]
    assert u.reg_read(off, size) == RESETS[name]


def test_cap_fro_and_ecap_iro_point_at_the_placed_registers(u):
    cap, ecap = u.read_reg("CAP"), u.read_reg("ECAP")
    assert get(cap, 33, 24) * 16 == 0x600
    assert get(ecap, 17, 8) * 16 == 0x500


def test_reset_method_restores_everything(u):
    u.write_reg("FEDATA", 0x1234)
    u.write_reg("FECTL", 0)
    u.write_reg("RTADDR", 0x5000)
    gcmd(u, SRTP)
    u.reset()
    for name, value in RESETS.items():
        assert u.read_reg(name) == value, name


# ------------------------------------------------------------------ CAP / ECAP (§1.2, §1.3, P1, P2)
CONFIGS = [
    UnitConfig(),
    UnitConfig(HAW=39, MGAW=39, SAGAW=0b0010, SLLPS=0, ND=0, NFR=0, PSI=0, MAMV=18, QI=0,
               IR=0, EIM=0, PT=0, C=0),
    UnitConfig(HAW=48, MGAW=57, SAGAW=0b1110, SLLPS=0b01, ND=6, NFR=143, MAMV=9, MHMV=3),
    UnitConfig(HAW=52, MGAW=57, SAGAW=0b1000, SLLPS=0b11, ND=1, NFR=3, PSI=1, MAMV=0, EIM=0),
    UnitConfig(HAW=40, MGAW=48, SAGAW=0b0100, ND=3, NFR=15, QI=1, IR=0, EIM=0, PT=0),
    UnitConfig(HAW=45, MGAW=50, SAGAW=0b1010, ND=5, NFR=1, MAMV=63),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"haw{c.HAW}-sagaw{c.SAGAW:x}-nfr{c.NFR}")
def test_cap_fields(cfg):
    cap = RemappingUnit(cfg).read_reg("CAP")
    assert get(cap, 2, 0) == cfg.ND
    assert get(cap, 3, 3) == 0  # AFL: P2
    assert get(cap, 4, 4) == 0  # RWBF
    assert get(cap, 6, 5) == 0  # PLMR/PHMR: P1
    assert get(cap, 7, 7) == 0  # CM: P1
    assert get(cap, 12, 8) == cfg.SAGAW
    assert get(cap, 21, 16) == cfg.MGAW - 1
    assert get(cap, 22, 22) == 0  # ZLR
    assert get(cap, 23, 23) == 0  # ISOCH: P2
    assert get(cap, 33, 24) == 0x60
    assert get(cap, 37, 34) == cfg.SLLPS
    assert get(cap, 38, 38) == 0
    assert get(cap, 39, 39) == cfg.PSI
    assert get(cap, 47, 40) == cfg.NFR
    assert get(cap, 53, 48) == (cfg.MAMV if cfg.PSI else 0)
    assert get(cap, 63, 54) == 0  # DWD/DRD (VER 1), FL1GP, PI (P1), FL5LP, ECMDS, ESIRTPS, ESRTPS
    assert cap == expected_cap(cfg)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"qi{c.QI}-ir{c.IR}-eim{c.EIM}-pt{c.PT}")
def test_ecap_fields(cfg):
    ecap = RemappingUnit(cfg).read_reg("ECAP")
    assert get(ecap, 0, 0) == cfg.C
    assert get(ecap, 1, 1) == cfg.QI
    assert get(ecap, 2, 2) == 0  # DT: P1
    assert get(ecap, 3, 3) == cfg.IR
    assert get(ecap, 4, 4) == cfg.EIM
    assert get(ecap, 5, 5) == 0  # CH: P2
    assert get(ecap, 6, 6) == cfg.PT
    assert get(ecap, 7, 7) == 0  # SC
    assert get(ecap, 17, 8) == 0x50
    assert get(ecap, 63, 24) == 0  # MTS, NEST, PRS, SMTS (P1), ADMS, EIMER, IRREQ (P17)
    assert ecap == expected_ecap(cfg)


def test_psi_zero_reports_mamv_zero():
    cap = RemappingUnit(UnitConfig(PSI=0, MAMV=18)).read_reg("CAP")
    assert get(cap, 39, 39) == 0
    assert get(cap, 53, 48) == 0


@pytest.mark.parametrize("params", [
    {"IR": 1, "QI": 0, "EIM": 0},  # IR requires QI (§1.3)
    {"EIM": 1, "IR": 0},  # EIM requires IR
    {"NFR": 144},  # records would not fit below the performance counters
    {"NFR": 256},
    {"NFR": -1},
    {"SAGAW": 0},
    {"SAGAW": 0b0001},  # bit 0 reserved in 5.10
    {"SAGAW": 0b10000},  # bit 4 reserved
    {"SLLPS": 0b10},  # legal values 0000b, 0001b, 0011b
    {"SLLPS": 0b111},
    {"ND": 7},  # 111b reserved
    {"HAW": 48, "MGAW": 47},  # MGAW >= HAW
    {"MGAW": 58},
    {"MAMV": 64},
    {"MHMV": 16},
    {"PSI": 2},
    {"PT": True},
    {"IOTLB_REPL": "MRU"},
])
def test_config_errors(params):
    with pytest.raises(ConfigError):
        UnitConfig(**params)


def test_config_from_dict_unknown_name():
    with pytest.raises(ConfigError, match="NOPE"):
        UnitConfig.from_dict({"NOPE": 1})


@pytest.mark.parametrize("raw", [{"NFR": "many"}, {"NFR": True}, {"NFR": 1.5}])
def test_config_from_dict_bad_number(raw):
    with pytest.raises(ConfigError):
        UnitConfig.from_dict(raw)


def test_config_from_dict_accepts_hex_and_decimal_strings():
    cfg = UnitConfig.from_dict({"NFR": "0x3", "HAW": "40", "MGAW": 48, "IOTLB_REPL": "lru"})
    assert (cfg.NFR, cfg.HAW, cfg.MGAW, cfg.IOTLB_REPL) == (3, 40, 48, "LRU")
    assert get(RemappingUnit(cfg).read_reg("CAP"), 47, 40) == 3


def test_config_from_dict_checks_cross_constraints():
    with pytest.raises(ConfigError):
        UnitConfig.from_dict({"QI": 0})  # default IR=1 needs QI


# ------------------------------------------------------------------ access types
RO_REGS = ["VER", "CAP", "ECAP", "GSTS", "IQH", "IQERCD", "FRCD0_LO", "AFLOG", "PMEN",
           "PLMBASE", "PLMLIMIT", "PHMBASE", "PHMLIMIT"]


@pytest.mark.parametrize("name", RO_REGS)
def test_read_only_registers_ignore_writes(u, name):
    before = u.read_reg(name)
    off, size = OFFSETS[name]
    u.write_reg(name, (1 << 8 * size) - 1)
    assert u.read_reg(name) == before
    u.reg_write(off, 4, 0xFFFF_FFFF)
    if size == 8:
        u.reg_write(off + 4, 4, 0xFFFF_FFFF)
    assert u.read_reg(name) == before
    assert u.read_reg("GSTS") == 0 and u.fsts() == 0


# name, value written, value read back (RW bits only; RO, RsvdZ and WO read as 0)
RW_CASES = [
    ("RTADDR", 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FC80),  # 63:12 RTA, 11:10 TTM, 7 SSIRWE
    ("RTADDR", 0x1234_5678_9ABC_D37F, 0x1234_5678_9ABC_D000),
    ("CCMD", 0x7FFF_FFFF_FFFF_FFFF, 0x6000_0000_0000_FFFF),  # DID, CIRG; SID/FM WO; CAIG RO
    ("IOTLB", 0x7FFF_FFFF_FFFF_FFFF, 0x3003_FFFF_0000_0000),  # IIRG, DR, DW, DID; IAIG RO
    ("FECTL", 0xFFFF_FFFF, 0x8000_0000),  # IM RW, IP RO, 29:0 RsvdP
    ("FECTL", 0x7FFF_FFFF, 0),
    ("FEDATA", 0xFFFF_FFFF, 0x0000_FFFF),  # 15:0 IMD; 31:16 RsvdZ (5.10)
    ("FEADDR", 0xFFFF_FFFF, 0xFFFF_FFFC),  # 31:2 MA
    ("FEUADDR", 0xFFFF_FFFF, 0xFFFF_FFFF),
    ("IECTL", 0xFFFF_FFFF, 0x8000_0000),
    ("IECTL", 0x7FFF_FFFF, 0),
    ("IEDATA", 0xFFFF_FFFF, 0x0000_FFFF),
    ("IEADDR", 0xFFFF_FFFF, 0xFFFF_FFFC),
    ("IEUADDR", 0xFFFF_FFFF, 0xFFFF_FFFF),
    ("IQT", 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF0),  # 18:4 QT
    ("IQA", 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_F807),  # 63:12, 11 DW, 2:0 QS
    ("IRTA", 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_F80F),  # 63:12, 11 EIME, 3:0 S
    ("ICS", 0xFFFF_FFFF, 0),  # IWC is RW1CS: software cannot set it
    ("FSTS", 0xFFFF_FFFF, 0),  # RW1CS / ROS only
    ("IVA", 0xFFFF_FFFF_FFFF_FFFF, 0),  # WO
    ("GCMD", 0x007F_FFFF, 0),  # WO; reserved bits only: nothing happens
]


@pytest.mark.parametrize(("name", "value", "readback"), RW_CASES,
                         ids=[f"{c[0]}-{c[1]:x}" for c in RW_CASES])
def test_rw_round_trip(u, name, value, readback):
    u.write_reg(name, value)
    assert u.read_reg(name) == readback
    assert u.read_reg("GSTS") == 0
    assert u.fsts() == 0


def test_rw_registers_clear_back_to_zero(u):
    for name in ("RTADDR", "IQA", "IRTA", "FEDATA", "FEADDR", "FEUADDR", "IQT"):
        u.write_reg(name, (1 << 8 * OFFSETS[name][1]) - 1)
        u.write_reg(name, 0)
        assert u.read_reg(name) == 0, name


def test_irta_eime_not_writable_without_eim():
    """Model choice (the rules are silent): IRTA.EIME is reserved when ECAP.EIM=0."""
    u = RemappingUnit(UnitConfig(EIM=0))
    u.write_reg("IRTA", 0xFFFF_FFFF_FFFF_FFFF)
    assert u.read_reg("IRTA") == 0xFFFF_FFFF_FFFF_F00F


def test_write_only_fields_read_zero(u):
    u.write_reg("IVA", 0x1234_5000 | 1 << 6 | 3)
    assert u.read_reg("IVA") == 0
    u.write_reg("CCMD", 0x0000_0003_ABCD_0012)  # FM=3, SID=ABCD, DID=12, ICC=0
    assert u.read_reg("CCMD") == 0x12
    gcmd(u, SRTP)
    assert u.read_reg("GCMD") == 0


def test_fsts_ppf_is_not_write_one_to_clear(u):
    enable_dma(u)  # root table empty: 01h
    u.dma(0x0100, 0x1000, write=False)
    assert u.fsts() & 0x2
    u.write_reg("FSTS", 0x2)
    assert u.read_reg("FSTS") & 0x2  # PPF: OR of F bits, not W1C (§1.8)
    u.write_reg("FRCD0_HI", 0)
    assert u.read_reg("FSTS") & 0x2  # writing 0 to F changes nothing
    u.write_reg("FRCD0_HI", 1 << 63)
    assert u.read_reg("FSTS") == 0


# ------------------------------------------------------------------ 32/64-bit accesses (§1.1)
def test_64bit_register_as_two_dwords(u):
    value = 0x1234_5678_9ABC_DC80
    u.reg_write(0x20, 4, value & 0xFFFF_FFFF)
    assert u.read_reg("RTADDR") == value & 0xFFFF_FFFF
    u.reg_write(0x24, 4, value >> 32)
    assert u.read_reg("RTADDR") == value
    assert u.reg_read(0x20, 4) == value & 0xFFFF_FFFF
    assert u.reg_read(0x24, 4) == value >> 32
    assert u.reg_read(0x20, 8) == value


def test_dword_reads_of_cap(u):
    cap = expected_cap(u.config)
    assert u.reg_read(0x08, 4) == cap & 0xFFFF_FFFF
    assert u.reg_read(0x0C, 4) == cap >> 32


def test_64bit_access_spanning_two_32bit_registers(u):
    u.reg_write(0x38, 8, 0x0000_1234_0000_0000)  # FECTL=0 (IM cleared), FEDATA=0x1234
    assert u.read_reg("FECTL") == 0
    assert u.read_reg("FEDATA") == 0x1234
    u.write_reg("FEADDR", 0xFEE0_1000)
    u.write_reg("FEUADDR", 0x55)
    assert u.reg_read(0x40, 8) == 0x0000_0055_FEE0_1000
    assert u.reg_read(0x18, 8) == 0  # GCMD (WO) | GSTS << 32


def test_upper_dword_write_keeps_lower(u):
    u.write_reg("IQA", 0x0060_0000 | 3)
    u.reg_write(0x94, 4, 0x1)
    assert u.read_reg("IQA") == 0x1_0060_0003


@pytest.mark.parametrize(("off", "size"), [
    (0x00, 1), (0x00, 2), (0x00, 16), (0x08, 3), (0x02, 4), (0x1C, 8), (0x21, 8), (0x24, 8),
    (0x1000, 4), (0xFFC, 8), (-4, 4),
])
def test_bad_access_size_or_alignment(u, off, size):
    with pytest.raises(RegisterAccessError):
        u.reg_read(off, size)
    with pytest.raises(RegisterAccessError):
        u.reg_write(off, size, 0)


@pytest.mark.parametrize("off", [0x004, 0x030, 0x048, 0x04C, 0x050, 0x060, 0x098, 0x0C0, 0x0DC,
                                 0x100, 0x200, 0x300, 0x400, 0x4F8, 0x510, 0x5F8, 0x680, 0x6F8,
                                 0xE00, 0xEF8])
def test_unimplemented_offsets_read_zero_and_ignore_writes(u, off):
    u.reg_write(off, 4, 0xFFFF_FFFF)
    assert u.reg_read(off, 4) == 0
    assert u.read_reg("GSTS") == 0 and u.fsts() == 0 and u.events == []


@pytest.mark.parametrize("off", [0x048, 0x050, 0x0C0, 0x0D0, 0x100, 0x200, 0x300, 0x400, 0x4F8,
                                 0x510, 0x5F8, 0x680, 0xE00])
def test_unimplemented_qwords_read_zero(u, off):
    u.reg_write(off, 8, 0xFFFF_FFFF_FFFF_FFFF)
    assert u.reg_read(off, 8) == 0
    assert u.read_reg("GSTS") == 0 and u.fsts() == 0


def test_frcd_beyond_nfr_reads_zero():
    u = RemappingUnit(UnitConfig(NFR=0))
    assert u.reg_read(0x610, 8) == 0
    assert u.reg_read(0x618, 8) == 0
    with pytest.raises(KeyError):
        u.offset_of("FRCD1_LO")


# ------------------------------------------------------------------ GCMD / GSTS (§1.4)
def test_srtp_is_one_shot_te_is_level(u):
    gcmd(u, SRTP)
    assert u.read_reg("GSTS") == 1 << 30  # RTPS
    gcmd(u, TE)
    assert u.read_reg("GSTS") == 1 << 31 | 1 << 30
    gcmd(u, SRTP)  # convention keeps TE at 1
    assert u.read_reg("GSTS") == 1 << 31 | 1 << 30
    gcmd(u, TE, on=False)
    assert u.read_reg("GSTS") == 1 << 30


def test_gcmd_level_bits_follow_the_written_value(u):
    """§1.4: level changes are found by comparing the written value with the status."""
    gcmd(u, SRTP)
    gcmd(u, TE)
    u.write_reg("GCMD", 1 << SRTP)  # a raw one-shot write with TE=0 turns translation off
    assert gsts_bit(u, 31) == 0
    assert gsts_bit(u, 30) == 1


def test_qie_ire_cfi_levels_and_sirtp(u):
    gcmd(u, QIE)
    assert u.read_reg("GSTS") == 1 << 26
    gcmd(u, SIRTP)
    assert u.read_reg("GSTS") == 1 << 26 | 1 << 24
    gcmd(u, IRE)
    assert u.read_reg("GSTS") == 1 << 26 | 1 << 25 | 1 << 24
    gcmd(u, CFI)
    assert u.read_reg("GSTS") == 1 << 26 | 1 << 25 | 1 << 24 | 1 << 23
    gcmd(u, SIRTP)  # one-shot again: levels kept
    assert u.read_reg("GSTS") == 1 << 26 | 1 << 25 | 1 << 24 | 1 << 23
    gcmd(u, CFI, on=False)
    gcmd(u, IRE, on=False)
    gcmd(u, QIE, on=False)
    assert u.read_reg("GSTS") == 1 << 24


@pytest.mark.parametrize("bit", [WBF, SFL, EAFL, 22, 0])
def test_unsupported_gcmd_bits_are_ignored(u, bit):
    """RWBF=0 (WBFS stays 0 once the flush is done); SFL/EAFL reserved (P2); 22:0 RsvdZ."""
    u.write_reg("GCMD", 1 << bit)
    assert u.read_reg("GSTS") == 0


def test_gcmd_without_qi_or_ir_ignores_their_bits():
    u = RemappingUnit(UnitConfig(QI=0, IR=0, EIM=0))
    for bit in (QIE, IRE, SIRTP, CFI):
        gcmd(u, bit)
    assert u.read_reg("GSTS") == 0


def test_srtp_latches_rtaddr():
    """§1.5: RTADDR values take effect only at SRTP."""
    u = RemappingUnit(UnitConfig())
    b = Bench(u)
    b.device(0x0100).map(0x1000, 0x4000_0000)
    enable_dma(u)
    assert u.dma(0x0100, 0x1010, write=False).hpa == 0x4000_0010
    u.write_reg("RTADDR", 0x0090_0000)  # an empty root table, not yet latched
    assert u.dma(0x0100, 0x1010, write=False).hpa == 0x4000_0010
    u.write_reg("RTADDR", 0x0010_0000 | 1 << 10)  # TTM=01: no effect until SRTP
    assert u.dma(0x0100, 0x1010, write=False).ok
    u.write_reg("RTADDR", 0x0090_0000)
    gcmd(u, SRTP)
    assert u.dma(0x0100, 0x1010, write=False).reason == 0x01


# ------------------------------------------------------------------ CCMD / IOTLB_REG trigger
def test_ccmd_acts_only_on_the_write_with_the_top_dword(u):
    u.reg_write(0x28, 4, 0x0000_0005)  # DID=5
    assert get(u.read_reg("CCMD"), 60, 59) == 0
    u.reg_write(0x2C, 4, 0b10 << 29)  # CIRG=domain, ICC=0: nothing starts
    assert get(u.read_reg("CCMD"), 60, 59) == 0
    u.reg_write(0x2C, 4, 1 << 31 | 0b10 << 29)  # ICC=1, CIRG=domain
    ccmd = u.read_reg("CCMD")
    assert get(ccmd, 63, 63) == 0  # hardware cleared ICC
    assert get(ccmd, 60, 59) == 0b10  # CAIG = domain
    assert get(ccmd, 62, 61) == 0b10
    assert get(ccmd, 15, 0) == 5
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)  # 64-bit write: global
    assert get(u.read_reg("CCMD"), 60, 59) == 0b01
    u.write_reg("CCMD", 1 << 63 | 0b11 << 61 | 0x0100 << 16 | 7)  # device
    assert get(u.read_reg("CCMD"), 60, 59) == 0b11
    u.reg_write(0x28, 4, 0x0000_0009)  # low dword alone never starts anything
    assert get(u.read_reg("CCMD"), 60, 59) == 0b11
    u.write_reg("CCMD", 1 << 63)  # CIRG=00 reserved: CAIG=00
    assert get(u.read_reg("CCMD"), 60, 59) == 0


def test_iotlb_reg_acts_only_on_the_write_with_the_top_dword(u):
    u.reg_write(0x508, 4, 0)
    u.reg_write(0x50C, 4, 0b10 << 28 | 3)  # IIRG=domain, DID=3, IVT=0
    assert get(u.read_reg("IOTLB"), 58, 57) == 0
    u.reg_write(0x50C, 4, 1 << 31 | 0b10 << 28 | 3)
    reg = u.read_reg("IOTLB")
    assert get(reg, 63, 63) == 0 and get(reg, 58, 57) == 0b10 and get(reg, 47, 32) == 3
    u.write_reg("IOTLB", 1 << 63 | 0b01 << 60)
    assert get(u.read_reg("IOTLB"), 58, 57) == 0b01
    u.reg_write(0x500, 4, 0x4000_0000 | 18)  # IVA low dword: AM=18
    u.reg_write(0x504, 4, 0)
    u.write_reg("IOTLB", 1 << 63 | 0b11 << 60 | 1 << 32)
    assert get(u.read_reg("IOTLB"), 58, 57) == 0b11
    u.write_reg("IVA", 0x4000_0000 | 19)  # AM=19 > MAMV=18: P12
    u.write_reg("IOTLB", 1 << 63 | 0b11 << 60 | 1 << 32)
    assert get(u.read_reg("IOTLB"), 58, 57) == 0
    u.write_reg("IOTLB", 1 << 63)  # IIRG=00 reserved
    assert get(u.read_reg("IOTLB"), 58, 57) == 0


def test_psi_register_invalidation_without_cap_psi():
    u = RemappingUnit(UnitConfig(PSI=0))
    u.write_reg("IVA", 0x4000_0000)
    u.write_reg("IOTLB", 1 << 63 | 0b11 << 60 | 1 << 32)
    assert get(u.read_reg("IOTLB"), 58, 57) == 0
    u.write_reg("IOTLB", 1 << 63 | 0b10 << 60 | 1 << 32)
    assert get(u.read_reg("IOTLB"), 58, 57) == 0b10


def test_register_invalidation_ignored_while_qi_enabled(u):
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)
    u.write_reg("IOTLB", 1 << 63 | 0b01 << 60)
    assert get(u.read_reg("CCMD"), 60, 59) == 1 and get(u.read_reg("IOTLB"), 58, 57) == 1
    u.write_reg("IQA", 0x0060_0000)
    gcmd(u, QIE)
    u.write_reg("CCMD", 1 << 63 | 0b01 << 61)
    u.write_reg("IOTLB", 1 << 63 | 0b01 << 60)
    assert get(u.read_reg("CCMD"), 60, 59) == 0
    assert get(u.read_reg("IOTLB"), 58, 57) == 0


def test_register_map_names_match_scenario_format(u):
    for name in OFFSETS:
        u.read_reg(name)
    for name in ("VER", "CAP", "ECAP", "FRCD0_LO", "FRCD0_HI"):
        assert u.offset_of(name)[0] == OFFSETS[name][0]
