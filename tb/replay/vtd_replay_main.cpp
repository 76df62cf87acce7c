// The Verilator player's main: toggles the clock input of vtd_replay_top (built with
// VTD_REPLAY_CLOCK_PORT) and evaluates the model until $finish, without --timing's scheduler
// (a delay-driven clock costs a scheduler pass per edge). Prints Verilator's run summary
// ("Verilator: cpu N s"), which tb.flows.replay.run reads.
#include <memory>

#include "Vvtd_replay_top.h"
#include "verilated.h"

int main(int argc, char** argv) {
    const std::unique_ptr<VerilatedContext> context{new VerilatedContext};
    context->commandArgs(argc, argv);
    const std::unique_ptr<Vvtd_replay_top> top{new Vvtd_replay_top{context.get()}};
    top->clk = 0;
    top->eval();
    while (!context->gotFinish()) {
        context->timeInc(5);
        top->clk = !top->clk;
        top->eval();
    }
    top->final();
    context->statsPrintSummary();
    return 0;
}
