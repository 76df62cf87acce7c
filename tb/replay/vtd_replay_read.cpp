// vtd_replay_read.cpp: the replay player's request-file reader for Verilator (DPI-C).
//
// Testbench code (tb/replay/, not part of the unit). The requests file holds fixed-size
// big-endian records (doc/replay-format.md); vtd_replay_top passes their size in bytes and
// their width in bits, so the format is described once, there. Icarus loads the file with
// $fread; Verilator's $fread reads one byte per getc call, a tenth of a hit-dominated replay,
// so under Verilator the file is read here in one fread and vtd_replay_top takes each record
// by index as the stream advances (no array of records in the model).
#include <cstdint>
#include <cstdio>
#include <vector>

#include "svdpi.h"

namespace {

std::vector<unsigned char> records;  // the first n records of the file
size_t record_bytes = 1;
int record_bits = 8;

}  // namespace

// Reads the file and keeps its first `n` records of `bytes` bytes each, `bits` wide; returns
// the number of bytes the file holds, or -1 when it cannot be opened.
extern "C" int vtd_replay_read_reqs(const char* path, int n, int bytes, int bits) {
    FILE* const fp = std::fopen(path, "rb");
    if (!fp) return -1;
    record_bytes = static_cast<size_t>(bytes);
    record_bits = bits;
    records.clear();
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, fp)) > 0) records.insert(records.end(), buf, buf + got);
    std::fclose(fp);
    const int total = static_cast<int>(records.size());
    if (n >= 0 && records.size() > static_cast<size_t>(n) * record_bytes)
        records.resize(static_cast<size_t>(n) * record_bytes);
    return total;
}

// Record `index` as a `bits`-wide vector (rec[0] holds bits 31:0), zero past the end of the
// kept records. Bits above the width (the first byte's spare top bits) are dropped, as $fread
// does.
extern "C" void vtd_replay_req(int index, svBitVecVal* rec) {
    const int words = (record_bits + 31) / 32;
    for (int w = 0; w < words; ++w) rec[w] = 0;
    const size_t at = static_cast<size_t>(index) * record_bytes;
    if (index < 0 || at + record_bytes > records.size()) return;
    const unsigned char* p = records.data() + at;
    for (size_t k = 0; k < record_bytes; ++k) {  // byte k of the record: bits 8*(last-k) up
        const size_t bit = 8 * (record_bytes - 1 - k);
        if (static_cast<int>(bit) < 32 * words)
            rec[bit / 32] |= static_cast<svBitVecVal>(p[k]) << (bit % 32);
    }
    if (record_bits % 32) rec[words - 1] &= (svBitVecVal{1} << (record_bits % 32)) - 1;
}
