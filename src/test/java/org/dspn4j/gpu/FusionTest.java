package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.dspn4j.gpu.ClEngine.Launch;
import org.junit.jupiter.api.Test;

/** The grouping rules of {@link Fusion} on hand-made launches (no OpenCL needed). */
class FusionTest {

    private static Launch map(int src, int dst, int n) {
        return Launch.zero().with(n, "op", EngineKernel.OP_MAP, "code", EngineKernel.MAP_EXP, "srcA", src, "dst", dst, "n", n);
    }

    /** BINARY over (rows, cols): A contiguous, B broadcast along rows (stride 0) when {@code broadcastB}. */
    private static Launch binary(int a, int b, int dst, int rows, int cols, boolean broadcastB) {
        return Launch.zero().with(rows * cols, "op", EngineKernel.OP_BINARY, "code", EngineKernel.BIN_ADD, "srcA", a,
                "srcB", b, "dst", dst, "n", rows * cols, "sz0", 1, "sz1", 1, "sz2", 1, "sz3", 1, "sz4", rows, "sz5", cols,
                "sa4", cols, "sa5", 1, "sb4", broadcastB ? 0 : cols, "sb5", 1);
    }

    private static int[] groupSizes(Fusion.Plan plan) {
        int[] s = new int[plan.groups.size()];
        for (int i = 0; i < s.length; i++) {
            List<Fusion.Instr> g = plan.groups.get(i);
            s[i] = g == null ? 1 : g.size();
        }
        return s;
    }

    @Test
    void sameIndexChainsFuseAndInPlaceOutputsToo() {
        Fusion.Plan p = Fusion.plan(List.of(map(2000, 3000, 64), map(3000, 4000, 64), map(4000, 4000, 64),
                binary(4000, 3000, 5000, 8, 8, false)));
        assertEquals(1, p.launches.size());
        assertEquals(4, p.instructions);
        Launch fused = p.program(10_000).get(0);
        assertEquals(EngineKernel.OP_FUSED, fused.op());
        assertEquals(10_000, fused.get("progOff"));
        assertEquals(4, fused.get("progCount"));
        assertEquals(64, fused.get("n"));
    }

    @Test
    void aGroupDoesNotPadSmallInstructionsToALargeTensorsSize() {
        int big = 1 << 20;
        List<Launch> program = new ArrayList<>();
        program.add(map(10_000_000, 12_000_000, big));
        program.add(map(12_000_000, 14_000_000, big));
        for (int k = 0; k < 100; k++) {
            program.add(map(20_000_000 + 200 * k, 20_000_000 + 200 * k + 100, 64));
        }
        // 2 big + j small: padded big·(2 + j) against 2·(2·big + 64·j) + 65,536 allows j = 2 and not 3
        assertEquals(List.of(4, 98), Arrays.stream(groupSizes(Fusion.plan(program))).boxed().toList());
        // small ones first: a large tensor after them starts its own launch
        List<Launch> reversed = new ArrayList<>(program.subList(2, 102));
        reversed.add(map(10_000_000, 12_000_000, big));
        assertEquals(List.of(100, 1), Arrays.stream(groupSizes(Fusion.plan(reversed))).boxed().toList());
    }

    @Test
    void aBinaryReadingBothOperandsAtItsOwnIndexSkipsTheStrideArithmetic() {
        assertEquals(EngineKernel.FK_BINARY_SAME, Fusion.instr(binary(4000, 3000, 5000, 8, 8, false)).kind);
        assertEquals(EngineKernel.FK_BINARY, Fusion.instr(binary(4000, 3000, 5000, 8, 8, true)).kind);
    }

    @Test
    void aHostStepIsABarrierThatNoGroupCrosses() {
        Launch host = Launch.host(new ClEngine.HostStep(9000, 16, x -> x, 9100, 16));
        // without the host step between them, the two maps form a same-index chain and fuse
        assertEquals(1, Fusion.plan(List.of(map(2000, 3000, 64), map(3000, 4000, 64))).launches.size());
        Fusion.Plan p = Fusion.plan(List.of(map(2000, 3000, 64), host, map(3000, 4000, 64)));
        assertEquals(3, p.launches.size());
        assertEquals(0, p.instructions);
        assertEquals(host, p.program(10_000).get(1), "the host step keeps its place in the program");
        // groups on either side still fuse among themselves, and never include it
        Fusion.Plan q = Fusion.plan(List.of(map(2000, 3000, 64), map(3000, 4000, 64), host, map(4000, 5000, 64),
                map(5000, 6000, 64)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 1, 2}, groupSizes(q));
        assertEquals(host, q.program(10_000).get(1));
        assertNull(Fusion.instr(host));
    }

    @Test
    void aBroadcastReadOfAValueWrittenInTheGroupStartsANewGroup() {
        // map writes [3000, 3008); the binary reads it with stride 0 along rows: other items' elements
        Fusion.Plan p = Fusion.plan(List.of(map(2000, 3000, 8), binary(4000, 3000, 5000, 8, 8, true)));
        assertEquals(2, p.launches.size());
        assertEquals(0, p.instructions);
    }

    @Test
    void overwritingWhatAnEarlierInstructionReadElsewhereStartsANewGroup() {
        // the binary reads [3000, 3008) broadcast; the map then writes [3000, 3064)
        Fusion.Plan p = Fusion.plan(List.of(binary(4000, 3000, 5000, 8, 8, true), map(2000, 3000, 64)));
        assertEquals(2, p.launches.size());
        // partly overlapping outputs never share a group
        p = Fusion.plan(List.of(map(2000, 3000, 64), map(6000, 3032, 64)));
        assertEquals(2, p.launches.size());
    }

    @Test
    void instructionsOfDifferentLengthsShareALaunchOverTheLongest() {
        Fusion.Plan p = Fusion.plan(List.of(map(2000, 3000, 10), map(4000, 5000, 100), map(3000, 3000, 10)));
        assertEquals(1, p.launches.size());
        assertEquals(100, p.program(9000).get(0).get("n"));
        assertEquals(100, p.program(9000).get(0).items);
    }

    @Test
    void unfusableLaunchesBreakChainsAndStayAsTheyAre() {
        Launch sum = Launch.zero().with(4, "op", EngineKernel.OP_SUM_DIMS, "n", 4);
        Launch hugeParameter = map(2000, 3000, 64).withDouble("p0", 1e300); // beyond float: not encodable
        Launch scatteredCopy = Launch.zero().with(8, "op", EngineKernel.OP_STRIDED_COPY, "srcA", 2000, "dst", 3000,
                "n", 8, "sz0", 1, "sz1", 1, "sz2", 1, "sz3", 1, "sz4", 1, "sz5", 8, "sa5", 1, "so5", 2);
        assertNull(Fusion.instr(sum));
        assertNull(Fusion.instr(hugeParameter));
        assertNull(Fusion.instr(scatteredCopy));
        Fusion.Plan p = Fusion.plan(List.of(map(100_000, 3000, 64), map(3000, 4000, 64), sum, map(4000, 5000, 64),
                hugeParameter, map(5000, 6000, 64)));
        assertEquals(List.of(2, 1, 1, 1, 1), Arrays.stream(groupSizes(p)).boxed().toList());
        assertEquals(sum, p.launches.get(1));
    }

    @Test
    void parametersEncodeExactly() {
        Fusion.Instr in = new Fusion.Instr(null, EngineKernel.FK_MAP, 1, 1 << 30);
        for (double d : new double[] {0.1, -1.0 / 3, 1e-8, 1.0 - Math.pow(0.999, 7), Double.POSITIVE_INFINITY, 0.0}) {
            assertEquals(true, in.putDouble(46, d), "encodes " + d);
            double back = ((double) in.words[46] + (double) in.words[47]) + (double) in.words[48];
            assertEquals(d, back, 0.0);
        }
        assertEquals((1 << 30) >> 12, (int) in.words[8]);
        assertEquals(0, (int) in.words[9]);
    }
}
