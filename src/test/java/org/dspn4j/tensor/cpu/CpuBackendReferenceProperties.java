package org.dspn4j.tensor.cpu;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ReferenceBackend;
import org.dspn4j.tensor.Tensor;
import org.dspn4j.testing.OpCases;
import org.dspn4j.testing.OpCases.Case;
import org.dspn4j.testing.OpCases.Kind;

/**
 * {@link CpuBackend} computes exactly what {@link ReferenceBackend} defines: for random applications of
 * every op ({@link OpCases}: random shapes, broadcasts, inputs made through permute/expand/slice,
 * special values, sizes past the thresholds for threads and for the packed matrix-product kernels), in
 * F32 and F64, on one thread and on three, the same shape, dtype and bits (NaN payloads aside).
 */
class CpuBackendReferenceProperties {
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final CpuBackend ONE = new CpuBackend(1);
    private static final CpuBackend THREE = new CpuBackend(3);

    @AfterContainer
    static void close() {
        ONE.close();
        THREE.close();
    }

    @Property(tries = 2000, shrinking = ShrinkingMode.OFF)
    void everyOpEqualsTheDefinitionBitForBit(@ForAll Kind kind, @ForAll long seed, @ForAll("floating") DType dtype) {
        Case c = OpCases.of(kind, seed, dtype, false);
        Tensor expected = c.op().apply(REF);
        OpCases.assertSameBits(c + " (1 thread)", expected, c.op().apply(ONE));
        OpCases.assertSameBits(c + " (3 threads)", expected, c.op().apply(THREE));
    }

    /** Sums, products and orderings again: the ops whose definition fixes an order of roundings or of ties. */
    @Property(tries = 1000, shrinking = ShrinkingMode.OFF)
    void ordersOfRoundingsAndTiesEqualTheDefinition(@ForAll("ordered") Kind kind, @ForAll long seed,
                                                    @ForAll("floating") DType dtype) {
        everyOpEqualsTheDefinitionBitForBit(kind, seed, dtype);
    }

    /**
     * A case a property once drew: a shared weight's gradient over one channel and one element, (5, 1, 1) w (1, 1),
     * whose sum over the batch the definition adds as one run in four chains, not in batch order.
     */
    @Example
    void aSharedWeightsGradientOfOneChannelAndOneElement() {
        everyOpEqualsTheDefinitionBitForBit(Kind.SORTED_POOL, -14591329060477L, DType.F64);
    }

    @Provide
    Arbitrary<Kind> ordered() {
        return Arbitraries.of(Kind.SUM, Kind.MATMUL, Kind.CONV2D, Kind.CONV2D_BACKWARD_INPUT, Kind.CONV2D_BACKWARD_WEIGHT,
                Kind.SCATTER_ADD, Kind.ARGSORT, Kind.ARGMAX, Kind.CHAMFER_ARGMIN, Kind.MAX_POOL2D_INDICES, Kind.LINEAR, Kind.MATMUL_STEP, Kind.MATMUL_BATCH_SUM,
                Kind.SORTED_POOL);
    }

    @Provide
    Arbitrary<DType> floating() {
        return Arbitraries.of(DType.F32, DType.F64);
    }
}
