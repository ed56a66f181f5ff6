package org.dspn4j.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.ArenaLive;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.Net;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLEVR run (generated scenes, the small stand-in image encoder, DSPN with the Hungarian loss) on
 * {@link ClBackend} against the same run on the CPU backend, F32; its checkpoint evaluated on both.
 * The Hungarian assignment is {@code Backend.assign} on each backend (the same assignment on both).
 */
class ClevrOpenClTest {
    /**
     * F32 on both backends (matmul and convolution round differently: fma chains vs float loops),
     * through 3 Adam steps and the Hungarian matching: 1e-5 relative. Measured on PoCL: 9.5e-8 for the third
     * step's train_loss, every other number identical.
     */
    private static final double REL = 1e-5;

    static ClevrSource data;

    @org.junit.jupiter.api.AfterAll
    static void releaseArena() throws InterruptedException {
        if (SharedEngine.available()) {
            ArenaLive.settled(SharedEngine.get()); // this class's garbage freed before the next class allocates in the shared arena
        }
    }

    @BeforeAll
    static void generate() {
        SharedEngine.get(); // skips the class when there is no OpenCL platform
        data = ClevrTestData.source(ClevrStandIn.SIDE);
    }

    private static void close(double want, double got, String what) {
        assertEquals(want, got, REL * Math.abs(want), what);
    }

    @Test
    void aBoxRunOnOpenClMatchesTheCpuRunAndItsCheckpointEvaluatesOnBoth(@TempDir Path dir) throws IOException {
        ModelConfig m = ClevrExperimentTest.tinyModel(ModelConfig.Task.CLEVR_BOX, ModelConfig.DecoderKind.DSPN);
        TrainingLoop.Outcome cpu = ClevrExperimentTest.experiment()
                .train(ClevrExperimentTest.tiny(m, dir.resolve("cpu"), 3, 3e-3, 0), data, false);
        TrainingLoop.Outcome cl;
        try (Compute c = Compute.opencl(SharedEngine.get(), false)) {
            cl = ClevrExperimentTest.experiment().train(ClevrExperimentTest.tiny(m, dir.resolve("cl"), 3, 3e-3, 0), data, c, false);
        }
        assertFalse(cl.stoppedOnNaN());
        assertEquals(3, cl.trainLoss().size());
        for (int i = 0; i < 3; i++) {
            close(cpu.trainLoss().get(i), cl.trainLoss().get(i), "train_loss of step " + (i + 1));
        }
        close(cpu.initial().loss(), cl.initial().loss(), "initial test_loss");
        close(cpu.last().loss(), cl.last().loss(), "final test_loss");
        close(cpu.last().last(), cl.last().last(), "final test_last");
        String record = Files.readString(dir.resolve("cl").resolve("run.json"));
        assertTrue(record.contains("\"backend\" : \"opencl\"")
                && record.contains("\"device\" : \"" + SharedEngine.get().device().name() + "\"")
                && record.contains("\"platform\" : \"" + SharedEngine.get().device().platform() + "\""), record);
        assertTrue(Files.size(dir.resolve("cl").resolve("progression.png")) > 0);

        // the OpenCL run's checkpoint loads on the CPU and the CPU run's on OpenCL; AP tables agree
        ClevrBatches test = ClevrExperiment.testBatches(data, ClevrEvaluation.target(m.task()), false, 2);
        Path clCkpt = dir.resolve("cl").resolve(ClevrExperiment.CHECKPOINT);
        Path cpuCkpt = dir.resolve("cpu").resolve(ClevrExperiment.CHECKPOINT);
        ClevrEvaluation.Result clOnCpu;
        ClevrEvaluation.Result cpuOnCpu;
        ClevrEvaluation.Result cpuOnCl;
        try (Compute c = Compute.cpu(2)) {
            clOnCpu = ClevrEvaluation.run(c.backend(), ClevrExperiment.load(c.backend(), clCkpt, ClevrStandIn::create), test,
                    new int[] {3});
            cpuOnCpu = ClevrEvaluation.run(c.backend(), ClevrExperiment.load(c.backend(), cpuCkpt, ClevrStandIn::create), test,
                    new int[] {3});
        }
        try (Compute c = Compute.opencl(SharedEngine.get(), false)) {
            Net net = ClevrExperiment.load(c.backend(), cpuCkpt, ClevrStandIn::create);
            assertTrue(net.parameterValues().get(0).backend() instanceof ClBackend);
            cpuOnCl = ClevrEvaluation.run(c.backend(), net, test, new int[] {3});
        }
        close(cl.last().loss(), clOnCpu.loss(), "OpenCL checkpoint on the CPU: test_loss");
        close(cpuOnCpu.loss(), cpuOnCl.loss(), "CPU checkpoint on OpenCL: test_loss");
        close(cpuOnCpu.last(), cpuOnCl.last(), "CPU checkpoint on OpenCL: test_last");
        assertEquals(ClevrEvaluation.markdown(ClevrEvaluation.tables(cpuOnCpu)),
                ClevrEvaluation.markdown(ClevrEvaluation.tables(cpuOnCl)));
    }
}
