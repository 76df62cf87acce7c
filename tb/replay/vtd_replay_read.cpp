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

std::vector<svBitVecVal> words_of;  // the kept records, each as `words` vector words
int words = 1;                       // 32-bit words per record

}  // namespace

// Reads the file and keeps its first `n` records of `bytes` bytes each, `bits` wide, each
// converted once into the words vtd_replay_req hands out; returns the number of bytes the
// file holds, or -1 when it cannot be opened. Bits above the width (the first byte's spare
// top bits) are dropped, as $fread does.
extern "C" int vtd_replay_read_reqs(const char* path, int n, int bytes, int bits) {
    FILE* const fp = std::fopen(path, "rb");
    if (!fp) return -1;
    std::vector<unsigned char> raw;
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, fp)) > 0) raw.insert(raw.end(), buf, buf + got);
    std::fclose(fp);
    const int total = static_cast<int>(raw.size());
    const size_t record_bytes = static_cast<size_t>(bytes);
    size_t count = raw.size() / record_bytes;
    if (n >= 0 && count > static_cast<size_t>(n)) count = static_cast<size_t>(n);
    words = (bits + 31) / 32;
    words_of.assign(count * static_cast<size_t>(words), 0);
    for (size_t r = 0; r < count; ++r) {
        const unsigned char* p = raw.data() + r * record_bytes;
        svBitVecVal* rec = words_of.data() + r * static_cast<size_t>(words);
        for (size_t k = 0; k < record_bytes; ++k) {  // byte k of the record: bits 8*(last-k) up
            const size_t bit = 8 * (record_bytes - 1 - k);
            if (static_cast<int>(bit) < 32 * words)
                rec[bit / 32] |= static_cast<svBitVecVal>(p[k]) << (bit % 32);
        }
        if (bits % 32) rec[words - 1] &= (svBitVecVal{1} << (bits % 32)) - 1;
    }
    return total;
}

// Record `index` as a vector (rec[0] holds bits 31:0), zero past the end of the kept records.
extern "C" void vtd_replay_req(int index, svBitVecVal* rec) {
    const size_t at = static_cast<size_t>(index) * static_cast<size_t>(words);
    if (index < 0 || at + static_cast<size_t>(words) > words_of.size()) {
        for (int w = 0; w < words; ++w) rec[w] = 0;
        return;
    }
    for (int w = 0; w < words; ++w) rec[w] = words_of[at + static_cast<size_t>(w)];
}
