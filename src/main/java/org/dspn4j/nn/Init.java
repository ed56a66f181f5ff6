package org.dspn4j.nn;

import org.apache.commons.math3.random.AbstractRandomGenerator;
import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * Initialisers as the authors use them ({@code dspn/model.py:Net.__init__} at be3703b;
 * docs/reference-behaviour.md §2, §4): Xavier-uniform for every Linear and Conv weight with zero
 * bias, N(0, 1) for FSPool, U[0, 1) for DSPN's starting set, PyTorch's default U(−1/√H, 1/√H) for
 * the LSTM. All draws come from one seeded generator in a fixed order.
 */
public final class Init {
    /**
     * The generator of a model whose every parameter is replaced before it is used (a checkpoint's, which must hold
     * them all): the initialisers give zeros of the shape, drawing nothing, so that building the model costs no
     * draws and no values to be thrown away (a CLEVR model's 21 million). Anything else that draws from it is refused.
     */
    public static final RandomGenerator NO_DRAWS = new AbstractRandomGenerator() {
        @Override
        public void setSeed(long seed) {
            throw new IllegalStateException("Init.NO_DRAWS has no seed");
        }

        @Override
        public double nextDouble() {
            throw new IllegalStateException("Init.NO_DRAWS draws nothing: it builds a model whose weights are all set afterwards");
        }
    };

    private Init() {
    }

    /** Xavier/Glorot uniform: U(−a, a), a = √(6 / (fanIn + fanOut)). */
    public static Tensor xavierUniform(Backend be, DType dt, RandomGenerator rng, int fanIn, int fanOut, int... shape) {
        double a = Math.sqrt(6.0 / (fanIn + fanOut));
        return uniform(be, dt, rng, -a, a, shape);
    }

    /** U[lo, hi). */
    public static Tensor uniform(Backend be, DType dt, RandomGenerator rng, double lo, double hi, int... shape) {
        if (rng == NO_DRAWS) {
            return be.full(0.0, dt, shape);
        }
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = lo + (hi - lo) * rng.nextDouble();
        }
        return be.fromHost(d, dt, shape);
    }

    /** N(0, 1). */
    public static Tensor normal(Backend be, DType dt, RandomGenerator rng, int... shape) {
        if (rng == NO_DRAWS) {
            return be.full(0.0, dt, shape);
        }
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextGaussian();
        }
        return be.fromHost(d, dt, shape);
    }
}
