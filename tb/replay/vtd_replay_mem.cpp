// vtd_replay_mem.cpp: the words of the Verilator player's table memory (DPI-C).
//
// Testbench code (tb/replay/, not part of the unit). vtd_replay_axi_mem keeps its page keys
// and probes them in Verilog; built with VTD_REPLAY_MEM_DPI (the Verilator player) it keeps
// the pages' words here: slot s's word w at index s*512 + w. The array comes from calloc,
// whose large blocks the system hands out zeroed a page at a time as they are first
// touched, so an image of a few hundred pages costs a few hundred pages, whatever the
// number of slots. The image file is the sparse $readmemh text memory_image.py writes:
// "@<hex word index>" lines and one 64-bit hex word per line.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "svdpi.h"
#include "vtd_replay_hex.h"

namespace {

uint64_t* words = nullptr;
size_t count = 0;

}  // namespace

// A memory of `n` words, all zero, then the image file read into it. Returns the words read,
// -1 when the file cannot be read (or the memory not had), -2 - line for a line that is
// neither an address nor a word, or one out of range.
extern "C" int vtd_replay_mem_load(const char* path, int n) {
    std::free(words);
    count = static_cast<size_t>(n);
    words = static_cast<uint64_t*>(std::calloc(count, sizeof *words));
    FILE* const fp = std::fopen(path, "r");
    if (!fp || !words) {
        if (fp) std::fclose(fp);
        return -1;
    }
    char line[256];
    int no = 0;
    int read = 0;
    size_t at = 0;
    while (std::fgets(line, sizeof line, fp)) {
        ++no;
        const char* c = line;
        const bool address = *c == '@';
        if (address) ++c;
        uint64_t v = 0;
        int digits = 0;
        for (int d; (d = vtd_replay_hex_digit(*c)) >= 0; ++c, ++digits)
            v = (v << 4) | static_cast<uint64_t>(d);
        const bool whole = std::strchr(c, '\n') != nullptr || std::feof(fp);
        while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') ++c;
        if (*c != '\0' || !whole || digits > 16 || (address && digits == 0)) {
            read = -2 - no;
            break;
        }
        if (address) {
            at = static_cast<size_t>(v);
        } else if (digits > 0) {
            if (at >= count) {
                read = -2 - no;
                break;
            }
            words[at++] = v;
            ++read;
        }
    }
    std::fclose(fp);
    return read;
}

extern "C" long long vtd_replay_mem_word(int index) {
    const size_t i = static_cast<size_t>(index);
    return words && i < count ? static_cast<long long>(words[i]) : 0;
}

extern "C" void vtd_replay_mem_store(int index, long long value) {
    const size_t i = static_cast<size_t>(index);
    if (words && i < count) words[i] = static_cast<uint64_t>(value);
}
