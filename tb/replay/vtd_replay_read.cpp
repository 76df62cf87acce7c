// vtd_replay_read.cpp: the replay player's request-file reader for Verilator (DPI-C).
//
// Testbench code (tb/replay/, not part of the unit). The requests file holds 13-byte
// big-endian records of the 100-bit request {sid[15:0], addr[63:0], 3'b0, write, 3'b0,
// size[12:0]} (doc/replay-format.md). Icarus loads it with $fread; Verilator's $fread reads
// one byte per getc call, a tenth of a hit-dominated replay, so under Verilator the file is
// read here in one fread and vtd_replay_top takes each record by index as the stream
// advances (no array of records in the model).
#include <cstdint>
#include <cstdio>
#include <vector>

#include "svdpi.h"

namespace {

constexpr int kRecordBytes = 13;
std::vector<unsigned char> records;  // the whole file

}  // namespace

// Reads the file and keeps its first `n` records; returns the number of bytes it holds, or
// -1 when it cannot be opened.
extern "C" int vtd_replay_read_reqs(const char* path, int n) {
    FILE* const fp = std::fopen(path, "rb");
    if (!fp) return -1;
    records.clear();
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, fp)) > 0) records.insert(records.end(), buf, buf + got);
    std::fclose(fp);
    const int bytes = static_cast<int>(records.size());
    if (n >= 0 && records.size() > static_cast<size_t>(n) * kRecordBytes)
        records.resize(static_cast<size_t>(n) * kRecordBytes);
    return bytes;
}

// Record `index` as the 100-bit vector (rec[0] holds bits 31:0), zero past the end of the
// file. The record's top four bits (always zero) are dropped, as $fread does.
extern "C" void vtd_replay_req(int index, svBitVecVal* rec) {
    const size_t at = static_cast<size_t>(index) * kRecordBytes;
    if (index < 0 || at + kRecordBytes > records.size()) {
        rec[0] = rec[1] = rec[2] = rec[3] = 0;
        return;
    }
    const unsigned char* p = records.data() + at;
    uint64_t hi = 0;  // bytes 0..4: bits 103:64
    uint64_t lo = 0;  // bytes 5..12: bits 63:0
    for (int i = 0; i < 5; ++i) hi = hi << 8 | p[i];
    for (int i = 5; i < kRecordBytes; ++i) lo = lo << 8 | p[i];
    rec[0] = static_cast<svBitVecVal>(lo);
    rec[1] = static_cast<svBitVecVal>(lo >> 32);
    rec[2] = static_cast<svBitVecVal>(hi);
    rec[3] = static_cast<svBitVecVal>(hi >> 32) & 0xfu;
}
