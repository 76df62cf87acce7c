// vtd_replay_read.cpp: the replay player's request- and program-file readers for Verilator
// (DPI-C).
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
#include <cstdio>
#include <cstring>
#include <vector>

#include "svdpi.h"
#include "vtd_replay_hex.h"

namespace {

const unsigned char* records = nullptr;  // the mapped file
size_t kept = 0;                         // records handed out: the first `kept` of them
size_t record_bytes = 1;
int record_bits = 1;
int words = 1;  // 32-bit words per record

std::vector<svBitVecVal> program;  // the program's records, prog_words words each
int prog_words = 1;

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

// The program file (prog.hex, doc/replay-format.md): one record of `bits` bits per line, in
// hex, as images.py writes it for $readmemh (which Icarus runs). Returns the records read,
// -1 when the file cannot be read, or -2 - n when line n holds something else than a record.
extern "C" int vtd_replay_read_prog(const char* path, int bits) {
    FILE* const fp = std::fopen(path, "r");
    if (!fp) return -1;
    prog_words = (bits + 31) / 32;
    program.clear();
    std::vector<svBitVecVal> rec(static_cast<size_t>(prog_words));
    char line[512];
    int no = 0;
    int result = 0;
    while (result == 0 && std::fgets(line, sizeof line, fp)) {
        ++no;
        for (auto& w : rec) w = 0;
        int digits = 0;
        const char* c = line;
        for (int d; (d = vtd_replay_hex_digit(*c)) >= 0; ++c, ++digits) {
            for (int w = prog_words - 1; w > 0; --w)  // shift the record up by 4 bits
                rec[w] = (rec[w] << 4) | (rec[w - 1] >> 28);
            rec[0] = (rec[0] << 4) | static_cast<svBitVecVal>(d);
        }
        const bool whole = std::strchr(c, '\n') != nullptr || std::feof(fp);
        while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') ++c;
        if (*c != '\0' || !whole || 4 * digits > bits + 3) {
            result = -2 - no;  // not hex digits alone, too long, or too wide
        } else if (digits > 0) {
            program.insert(program.end(), rec.begin(), rec.end());
        }  // else an empty line
    }
    std::fclose(fp);
    return result < 0 ? result : static_cast<int>(program.size() / rec.size());
}

// Program record `index` (rec[0] holds bits 31:0), zero past the end ($readmemh leaves the
// rest of the array zero under Verilator: op 0, run the rest).
extern "C" void vtd_replay_prog(int index, svBitVecVal* rec) {
    const size_t at = static_cast<size_t>(index) * static_cast<size_t>(prog_words);
    const bool in = index >= 0 && at + static_cast<size_t>(prog_words) <= program.size();
    for (int w = 0; w < prog_words; ++w) rec[w] = in ? program[at + static_cast<size_t>(w)] : 0;
}
