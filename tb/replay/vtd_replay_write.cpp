// vtd_replay_write.cpp: the replay player's response-line writer for Verilator (DPI-C).
//
// Testbench code (tb/replay/, not part of the unit). vtd_replay_top writes every response
// as an "R" line; through Verilator's general $fwrite formatter that cost a quarter of a
// hit-dominated replay, so under Verilator the line is formatted here instead, into the
// same stdio stream the player's other $fwrite lines go to (so the file keeps its order).
// The text is exactly what the Icarus branch's
//   $fwrite(fd, "R %0d %h %0d %h %h %0d %0d\n", ...)
// writes: decimal index, the tag in ceil(REQ_TAG_W/4) hex digits, the fault bit, the
// reason in 2 hex digits, the address in 16 hex digits, decimal issue and answer cycles.
#include <cstdint>
#include <cstdio>

#include "svdpi.h"
#include "verilated.h"

namespace {

// Two characters per step: the hex digits of a byte, the decimal digits of 0..99.
struct DigitPairs {
    char hex[256][2];
    char dec[100][2];
    DigitPairs() {
        static const char kHex[] = "0123456789abcdef";
        for (int i = 0; i < 256; ++i) {
            hex[i][0] = kHex[i >> 4];
            hex[i][1] = kHex[i & 0xf];
        }
        for (int i = 0; i < 100; ++i) {
            dec[i][0] = static_cast<char>('0' + i / 10);
            dec[i][1] = static_cast<char>('0' + i % 10);
        }
    }
};
const DigitPairs kPairs;

// `digits` hex digits of v (the low ones), most significant first.
char* put_hex(char* p, uint64_t v, int digits) {
    if (digits & 1) *p++ = kPairs.hex[(v >> (4 * (digits - 1))) & 0xf][1];
    for (int i = (digits & ~1) - 2; i >= 0; i -= 2) {
        const char* pair = kPairs.hex[(v >> (4 * i)) & 0xff];
        *p++ = pair[0];
        *p++ = pair[1];
    }
    return p;
}

char* put_dec(char* p, int64_t v) {
    uint64_t u = static_cast<uint64_t>(v);
    if (v < 0) {
        *p++ = '-';
        u = 0 - u;
    }
    char tmp[24];
    int n = sizeof tmp;
    while (u >= 100) {
        const char* pair = kPairs.dec[u % 100];
        u /= 100;
        tmp[--n] = pair[1];
        tmp[--n] = pair[0];
    }
    if (u >= 10) {
        tmp[--n] = kPairs.dec[u][1];
        tmp[--n] = kPairs.dec[u][0];
    } else {
        tmp[--n] = static_cast<char>('0' + u);
    }
    while (n < static_cast<int>(sizeof tmp)) *p++ = tmp[n++];
    return p;
}

}  // namespace

extern "C" void vtd_replay_write_rsp(int fd, int index, int tag, int tag_digits,
                                     svBit fault, int reason, long long addr,
                                     long long issued, long long answered) {
    // the stream of the player's one output file, looked up once (the look-up and stdio's
    // per-call locking were a twentieth of a hit-dominated replay; the player is one thread)
    static int cached_fd = 0;
    static FILE* cached_fp = nullptr;
    if (fd != cached_fd) {
        cached_fd = fd;
        cached_fp = VL_CVT_I_FP(static_cast<IData>(fd));
    }
    FILE* const fp = cached_fp;
    if (!fp) return;
    char line[128];
    char* p = line;
    *p++ = 'R';
    *p++ = ' ';
    p = put_dec(p, index);
    *p++ = ' ';
    p = put_hex(p, static_cast<uint32_t>(tag), tag_digits);
    *p++ = ' ';
    *p++ = fault ? '1' : '0';
    *p++ = ' ';
    p = put_hex(p, static_cast<uint32_t>(reason), 2);
    *p++ = ' ';
    p = put_hex(p, static_cast<uint64_t>(addr), 16);
    *p++ = ' ';
    p = put_dec(p, issued);
    *p++ = ' ';
    p = put_dec(p, answered);
    *p++ = '\n';
    fwrite_unlocked(line, 1, static_cast<size_t>(p - line), fp);
}
