// vtd_iotlb_repl: replacement state and victim choice for the IOTLB sets.
//
// POLICY
//   0  true LRU: per way an age (0 = most recently used .. WAYS-1 = least);
//      a touch makes the way 0 and ages every younger way by one. The ages of
//      a set always form a permutation (reset value: age = way index).
//   1  tree pseudo-LRU: WAYS-1 bits per set in heap order (node 1 = root,
//      children 2n / 2n+1); bit=0 means "the victim is on the left". A touch
//      points every node on the way's path away from it. Requires WAYS to be
//      a power of two (checked at elaboration).
//   2  FIFO: a round-robin pointer per set; a fill into the way the pointer
//      designates advances it. Without invalidations ways are replaced in the
//      order filled; a fill into an invalidated hole leaves the pointer where
//      it is, so the pointer, not the fill age, decides the next victim.
//   3  pseudo-random: a 16-bit maximal-length LFSR (x^16+x^14+x^13+x^11+1,
//      reset value ACE1h, shifting left with the feedback into bit 0) shared
//      by all sets; victim = LFSR mod WAYS; it steps on every fill (fill_en),
//      so the victim sequence depends only on the order of the fills and a
//      reference model that sees the fills predicts it exactly.
// For every policy an invalid way is chosen first (the lowest-numbered one).
// Touches: a used hit (hit_en) and a fill (fill_en) may both happen in one
// cycle; they are applied hit first, then fill.
module vtd_iotlb_repl #(
    parameter integer SETS   = 16,
    parameter integer WAYS   = 4,
    parameter integer POLICY = 1
) (
    input  wire            clk,
    input  wire            rst_n,
    input  wire            hit_en,
    input  wire [((SETS > 1) ? $clog2(SETS) : 1)-1:0] hit_set,
    input  wire [((WAYS > 1) ? $clog2(WAYS) : 1)-1:0] hit_way,
    input  wire            fill_en,
    input  wire [((SETS > 1) ? $clog2(SETS) : 1)-1:0] fill_set,
    input  wire [((WAYS > 1) ? $clog2(WAYS) : 1)-1:0] fill_way,
    // victim query
    input  wire [((SETS > 1) ? $clog2(SETS) : 1)-1:0] vq_set,
    input  wire [WAYS-1:0] vq_valid,     // valid bits of that set's ways
    output reg  [((WAYS > 1) ? $clog2(WAYS) : 1)-1:0] victim
);
    localparam integer SW = (SETS > 1) ? $clog2(SETS) : 1;
    localparam integer WW = (WAYS > 1) ? $clog2(WAYS) : 1;

    integer i;

    // first invalid way
    reg          any_inv;
    reg [WW-1:0] inv_way;
    always @* begin
        any_inv = 1'b0;
        inv_way = {WW{1'b0}};
        for (i = WAYS - 1; i >= 0; i = i - 1) begin
            if (!vq_valid[i]) begin
                any_inv = 1'b1;
                inv_way = i[WW-1:0];
            end
        end
    end

    wire [WW-1:0] pol_way;
    always @* victim = any_inv ? inv_way : pol_way;

    generate
        if (WAYS == 1) begin : g_one
            assign pol_way = {WW{1'b0}};
            /* verilator lint_off UNUSEDSIGNAL */
            // A single way needs no replacement state.
            wire unused_ok = &{1'b0, clk, rst_n, hit_en, hit_set, hit_way,
                               fill_en, fill_set, fill_way, vq_set};
            /* verilator lint_on UNUSEDSIGNAL */
        end else if (POLICY == 0) begin : g_lru
            wire [31:0]  hit_way32  = {{(32-WW){1'b0}}, hit_way};
            wire [31:0]  fill_way32 = {{(32-WW){1'b0}}, fill_way};
            reg [WW-1:0] age [0:SETS*WAYS-1];
            reg [WW-1:0] age_n [0:SETS*WAYS-1];
            reg [WW-1:0] pw;
            reg [WW-1:0] ref_age;
            integer s, w;   // state update (clocked)
            integer il, wl; // next-state loops
            integer wv;     // victim loop
            always @* begin
                // Every variable is assigned on every path (no latch for the loop index).
                ref_age = {WW{1'b0}};
                wl      = 0;
                for (il = 0; il < SETS * WAYS; il = il + 1) age_n[il] = age[il];
                if (hit_en) begin
                    ref_age = age_n[hit_set * WAYS + hit_way32];
                    for (wl = 0; wl < WAYS; wl = wl + 1)
                        if (age_n[hit_set * WAYS + wl] < ref_age)
                            age_n[hit_set * WAYS + wl] = age_n[hit_set * WAYS + wl] + 1'b1;
                    age_n[hit_set * WAYS + hit_way32] = {WW{1'b0}};
                end
                if (fill_en) begin
                    ref_age = age_n[fill_set * WAYS + fill_way32];
                    for (wl = 0; wl < WAYS; wl = wl + 1)
                        if (age_n[fill_set * WAYS + wl] < ref_age)
                            age_n[fill_set * WAYS + wl] = age_n[fill_set * WAYS + wl] + 1'b1;
                    age_n[fill_set * WAYS + fill_way32] = {WW{1'b0}};
                end
            end
            always @* begin
                pw = {WW{1'b0}};
                for (wv = 0; wv < WAYS; wv = wv + 1)
                    if (age[vq_set * WAYS + wv] == WAYS[WW-1:0] - 1'b1) pw = wv[WW-1:0];
            end
            assign pol_way = pw;
            always @(posedge clk) begin
                for (s = 0; s < SETS; s = s + 1)
                    for (w = 0; w < WAYS; w = w + 1)
                        if (!rst_n) age[s * WAYS + w] <= w[WW-1:0];
                        else        age[s * WAYS + w] <= age_n[s * WAYS + w];
            end
        end else if (POLICY == 1) begin : g_plru
            if ((WAYS & (WAYS - 1)) != 0) begin : g_bad
                // Elaboration error: tree pseudo-LRU needs a power-of-two WAYS.
                vtd_error_iotlb_plru_needs_power_of_two_ways u_err ();
            end
            reg [WAYS-1:1] tb   [0:SETS-1];
            reg [WAYS-1:1] tb_n [0:SETS-1];
            reg [WW-1:0]   pw;
            integer node, d, ip;   // next-state loops
            integer nodev, dv;     // victim loop
            integer s2;            // state update (clocked)
            always @* begin
                // Every variable is assigned on every path (no latch for the loop index).
                node = 1;
                d    = 0;
                for (ip = 0; ip < SETS; ip = ip + 1) tb_n[ip] = tb[ip];
                if (hit_en) begin
                    node = 1;
                    for (d = WW - 1; d >= 0; d = d - 1) begin
                        tb_n[hit_set][node] = !hit_way[d];
                        node = 2 * node + (hit_way[d] ? 1 : 0);
                    end
                end
                if (fill_en) begin
                    node = 1;
                    for (d = WW - 1; d >= 0; d = d - 1) begin
                        tb_n[fill_set][node] = !fill_way[d];
                        node = 2 * node + (fill_way[d] ? 1 : 0);
                    end
                end
            end
            always @* begin
                pw   = {WW{1'b0}};
                nodev = 1;
                for (dv = WW - 1; dv >= 0; dv = dv - 1) begin
                    pw[dv] = tb[vq_set][nodev];
                    nodev  = 2 * nodev + (tb[vq_set][nodev] ? 1 : 0);
                end
            end
            assign pol_way = pw;
            always @(posedge clk) begin
                for (s2 = 0; s2 < SETS; s2 = s2 + 1)
                    if (!rst_n) tb[s2] <= {(WAYS-1){1'b0}};
                    else        tb[s2] <= tb_n[s2];
            end
        end else if (POLICY == 2) begin : g_fifo
            reg [WW-1:0] ptr [0:SETS-1];
            integer s3;
            assign pol_way = ptr[vq_set];
            always @(posedge clk) begin
                for (s3 = 0; s3 < SETS; s3 = s3 + 1)
                    if (!rst_n) ptr[s3] <= {WW{1'b0}};
                    else if (fill_en && fill_set == s3[SW-1:0] && fill_way == ptr[s3])
                        ptr[s3] <= (ptr[s3] == WAYS[WW-1:0] - 1'b1) ? {WW{1'b0}} : ptr[s3] + 1'b1;
            end
            /* verilator lint_off UNUSEDSIGNAL */
            // FIFO order ignores hits.
            wire unused_ok = &{1'b0, hit_en, hit_set, hit_way};
            /* verilator lint_on UNUSEDSIGNAL */
        end else begin : g_lfsr
            reg [15:0] lfsr;
            always @(posedge clk) begin
                if (!rst_n)       lfsr <= 16'hACE1;
                else if (fill_en) lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
            end
            /* verilator lint_off UNUSEDSIGNAL */
            // LFSR mod WAYS is below WAYS, so only its low WW bits can be set.
            wire [15:0] pick = lfsr % WAYS[15:0];
            /* verilator lint_on UNUSEDSIGNAL */
            assign pol_way = pick[WW-1:0];
            /* verilator lint_off UNUSEDSIGNAL */
            // Random replacement keeps no per-set state.
            wire unused_ok = &{1'b0, hit_en, hit_set, hit_way, fill_set, fill_way, vq_set};
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate
endmodule
