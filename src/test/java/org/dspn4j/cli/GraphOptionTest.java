package org.dspn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --graph replay|eager} reaches the CLEVR training run from both commands that start one. */
class GraphOptionTest {

    @Test
    void trainClevrAndClevrTrainPassGraphOn() {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs("clevr-box", "--graph", "eager");
        assertEquals("eager", ClevrTrainCommand.from(t).config().graph());
        ClevrTrainCommand c = new ClevrTrainCommand();
        new CommandLine(c).parseArgs("clevr-state", "--graph", "replay");
        assertEquals("replay", c.config().graph());
        ClevrTrainCommand d = new ClevrTrainCommand();
        new CommandLine(d).parseArgs("clevr-state");
        assertNull(d.config().graph(), "no --graph: the backend's default (replay on OpenCL, eager on the CPU)");
    }
}
