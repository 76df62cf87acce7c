// vtd_replay_read.cpp: the replay player's request-file reader for Verilator (DPI-C).
//
// Testbench code (tb/replay/, not part of the unit). The requests file holds fixed-size
// big-endian records (doc/replay-format.md); vtd_replay_top passes their size in bytes and
// their width in bits, so the format is described once, there. Icarus loads the file with
// $fread; Verilator's $fread reads one byte per getc call, a tenth of a hit-dominated replay,
// so under Verilator the file is mapped into memory here and vtd_replay_top takes each record
// by index as the stream advances, converted when it is taken (no array of records in the
// model, and no copy of the file to zero and fill at start-up).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "svdpi.h"

namespace {

const unsigned char* records = nullptr;  // the mapped file
size_t kept = 0;                         // records handed out: the first `kept` of them
size_t record_bytes = 1;
int record_bits = 1;
int words = 1;  // 32-bit words per record

}  // namespace

// Maps the file and keeps its first `n` records of `bytes` bytes each, `bits` wide; returns
// the number of bytes the file holds, or -1 when it cannot be read. Bits above the width (the
// first byte's spare top bits) are dropped, as $fread does.
extern "C" int vtd_replay_read_reqs(const char* path, int n, int bytes, int bits) {
    const int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    const size_t size = static_cast<size_t>(st.st_size);
    if (size > 0) {
        void* const map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (map == MAP_FAILED) {
            close(fd);
            return -1;
        }
        records = static_cast<const unsigned char*>(map);
    }
    close(fd);  // the mapping stays until the process ends
    record_bytes = static_cast<size_t>(bytes);
    record_bits = bits;
    words = (bits + 31) / 32;
    kept = size / record_bytes;
    if (n >= 0 && kept > static_cast<size_t>(n)) kept = static_cast<size_t>(n);
    return static_cast<int>(size);
}

// Record `index` as a vector (rec[0] holds bits 31:0), zero past the end of the kept records.
extern "C" void vtd_replay_req(int index, svBitVecVal* rec) {
    if (index < 0 || static_cast<size_t>(index) >= kept) {
        for (int w = 0; w < words; ++w) rec[w] = 0;
        return;
    }
    const unsigned char* const p = records + static_cast<size_t>(index) * record_bytes;
    if (record_bytes <= 16) {  // the usual case: the record as one 128-bit number
        unsigned __int128 v = 0;
        for (size_t k = 0; k < record_bytes; ++k) v = (v << 8) | p[k];
        for (int w = 0; w < words; ++w) rec[w] = static_cast<svBitVecVal>(v >> (32 * w));
    } else {
        for (int w = 0; w < words; ++w) rec[w] = 0;
        for (size_t k = 0; k < record_bytes; ++k) {  // byte k: bits 8*(last-k) up
            const size_t bit = 8 * (record_bytes - 1 - k);
            if (static_cast<int>(bit) < 32 * words)
                rec[bit / 32] |= static_cast<svBitVecVal>(p[k]) << (bit % 32);
        }
    }
    if (record_bits % 32) rec[words - 1] &= (svBitVecVal{1} << (record_bits % 32)) - 1;
}
