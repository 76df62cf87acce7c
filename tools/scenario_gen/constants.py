"""Constants every scenario shares: the default unit, the memory plan and register bits.

The values are those of doc/vtd-rules.md (section numbers next to them); nothing is taken from
``python_model``.
"""

# --------------------------------------------------------------------------- default unit
# python_model/config.py defaults (the scenario ``config`` may override them).
DEFAULT_CONFIG = dict(HAW=48, MGAW=48, SAGAW=0b0110, SLLPS=0b11, ND=2, NFR=7, PSI=1, MAMV=18,
                      QI=1, IR=1, EIM=1, PT=1, C=1, MHMV=15)

# --------------------------------------------------------------------------- memory plan
RT = 0x10_0000  # root table
CT = {bus: 0x10_1000 + 0x1000 * bus for bus in range(8)}  # context table of bus b
IRT = 0x30_0000  # interrupt remapping table
IQ = 0x40_0000  # invalidation queue (QS=0: 256 x 16 B)
STATUS = 0x50_0000  # wait-descriptor status words
FEADDR, FEDATA = 0xFEE0_1000, 0x51  # fault event message (§1.9)
IEADDR, IEDATA = 0xFEE0_2000, 0x61  # invalidation completion event message (§1.11)

# --------------------------------------------------------------------------- register bits
GSTS_TES, GSTS_RTPS, GSTS_QIES, GSTS_IRES, GSTS_IRTPS, GSTS_CFIS = (
    1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24, 1 << 23)
GCMD_TE, GCMD_SRTP, GCMD_QIE, GCMD_IRE, GCMD_SIRTP, GCMD_CFI = (
    1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24, 1 << 23)
GCMD_PRESERVE = 0x96FF_FFFF  # §1.4: GSTS with the one-shot bits masked off
FSTS_PFO, FSTS_PPF, FSTS_IQE = 1 << 0, 1 << 1, 1 << 4
FSTS_STATUS = 0xFF  # FRI (15:8) is undefined while PPF=0 (§1.8): compare bits 7:0 only
CTL_IM, CTL_IP = 1 << 31, 1 << 30
FRCD_F = 1 << 63
CCMD_ICC = 1 << 63
IOTLB_IVT = 1 << 63
G_GLOBAL, G_DOMAIN, G_DEVICE = 1, 2, 3
CCMD_CHECK_MASK = 0xF800_0000_0000_FFFF  # ICC, CIRG, CAIG, DID (SID/FM are write-only)
