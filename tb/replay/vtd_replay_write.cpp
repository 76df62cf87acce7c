// vtd_replay_write.cpp: the replay player's response-line writer for Verilator (DPI-C).
//
// Testbench code (tb/replay/, not part of the unit). vtd_replay_top writes every response
// as an "R" line; through Verilator's general $fwrite formatter that cost a quarter of a
// hit-dominated replay, so under Verilator the line is formatted here instead. The text is
// exactly what the Icarus branch's
//   $fwrite(fd, "R %0d %h %0d %h %h %0d %0d\n", ...)
// writes: decimal index, the tag in ceil(REQ_TAG_W/4) hex digits, the fault bit, the
// reason in 2 hex digits, the address in 16 hex digits, decimal issue and answer cycles.
//
// Formatting the lines and the file system's write of them (about 23 MB for half a million
// responses) were a seventh of a hit-dominated replay, so both run on a second thread: the
// simulation thread only stores each response's fields in a block, and hands a full block
// over (one lock per block). The lines go into the same stdio stream as the player's other
// $fwrite lines; vtd_replay_top calls vtd_replay_sync_rsp before each of those, which waits
// until every response handed in so far is in the stream, so the file keeps its order.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

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

// One response, as the simulation thread hands it over.
struct Rsp {
    int64_t issued;
    int64_t answered;
    uint64_t addr;
    int32_t index;
    uint32_t tag;
    uint8_t reason;
    uint8_t fault;
    uint8_t tag_digits;
};

char* format_rsp(char* p, const Rsp& r) {
    *p++ = 'R';
    *p++ = ' ';
    p = put_dec(p, r.index);
    *p++ = ' ';
    p = put_hex(p, r.tag, r.tag_digits);
    *p++ = ' ';
    *p++ = r.fault ? '1' : '0';
    *p++ = ' ';
    p = put_hex(p, r.reason, 2);
    *p++ = ' ';
    p = put_hex(p, r.addr, 16);
    *p++ = ' ';
    p = put_dec(p, r.issued);
    *p++ = ' ';
    p = put_dec(p, r.answered);
    *p++ = '\n';
    return p;
}

constexpr size_t kBlock = 4096;  // responses per hand-over

// The writer thread and the blocks between it and the simulation thread. Allocated once and
// never freed: the thread waits on these until the process exits.
struct Writer {
    std::mutex lock;
    std::condition_variable work;   // a block was handed over
    std::condition_variable done;   // the writer finished its blocks
    std::deque<std::vector<Rsp>> full;   // handed over, not yet written
    std::vector<std::vector<Rsp>> spare; // written, for reuse
    size_t busy = 0;                     // blocks handed over and not yet written
    FILE* fp = nullptr;
    std::vector<Rsp> filling;            // the simulation thread's current block

    explicit Writer(FILE* out) : fp(out) {
        filling.reserve(kBlock);
        std::thread([this] { run(); }).detach();
    }

    void run() {
        std::vector<char> text;
        for (;;) {
            std::vector<Rsp> block;
            {
                std::unique_lock<std::mutex> guard(lock);
                work.wait(guard, [this] { return !full.empty(); });
                block = std::move(full.front());
                full.pop_front();
            }
            text.resize(block.size() * 96);
            char* p = text.data();
            for (const Rsp& r : block) p = format_rsp(p, r);
            fwrite_unlocked(text.data(), 1, static_cast<size_t>(p - text.data()), fp);
            block.clear();
            {
                const std::lock_guard<std::mutex> guard(lock);
                spare.push_back(std::move(block));
                --busy;
            }
            done.notify_all();
        }
    }

    // hand the current block to the writer (simulation thread)
    void hand_over() {
        std::vector<Rsp> next;
        {
            const std::lock_guard<std::mutex> guard(lock);
            if (!spare.empty()) {
                next = std::move(spare.back());
                spare.pop_back();
            }
            full.push_back(std::move(filling));
            ++busy;
        }
        work.notify_one();
        filling = std::move(next);
        filling.reserve(kBlock);
    }

    // every response handed in so far is in the stream (simulation thread)
    void sync() {
        if (!filling.empty()) hand_over();
        std::unique_lock<std::mutex> guard(lock);
        done.wait(guard, [this] { return busy == 0; });
    }
};

Writer* writer = nullptr;

}  // namespace

extern "C" void vtd_replay_write_rsp(int fd, int index, int tag, int tag_digits,
                                     svBit fault, int reason, long long addr,
                                     long long issued, long long answered) {
    if (!writer) {
        // the player's one output file, looked up once
        FILE* const fp = VL_CVT_I_FP(static_cast<IData>(fd));
        if (!fp) return;
        writer = new Writer(fp);
    }
    writer->filling.push_back(Rsp{issued, answered, static_cast<uint64_t>(addr), index,
                                  static_cast<uint32_t>(tag), static_cast<uint8_t>(reason),
                                  static_cast<uint8_t>(fault ? 1 : 0),
                                  static_cast<uint8_t>(tag_digits)});
    if (writer->filling.size() == kBlock) writer->hand_over();
}

extern "C" void vtd_replay_sync_rsp() {
    if (writer) writer->sync();
}
