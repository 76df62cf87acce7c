// vtd_replay_hex.h: the hex digit both of the replay player's text readers parse
// (vtd_replay_read.cpp: the program; vtd_replay_mem.cpp: the memory image).
#ifndef VTD_REPLAY_HEX_H
#define VTD_REPLAY_HEX_H

// The value of hex digit c, or -1 when c is not one.
inline int vtd_replay_hex_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

#endif  // VTD_REPLAY_HEX_H
