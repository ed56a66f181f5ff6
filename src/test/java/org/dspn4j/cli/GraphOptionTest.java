package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --graph replay|eager} reaches the training run of every task. */
class GraphOptionTest {

    private static TrainCommand parse(String... args) {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs(args);
        return t;
    }

    @Test
    void trainPassesGraphOnForEveryTask() {
        assertEquals("eager", parse("clevr-box", "--graph", "eager").config().graph());
        assertEquals("replay", parse("clevr-state", "--graph", "replay").config().graph());
        assertEquals("replay", parse("mnist", "--graph", "replay").config().graph());
        assertNull(parse("clevr-state").config().graph(), "no --graph: the backend's default (replay on OpenCL, eager on the CPU)");
    }
}
