package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.TreeSet;

import net.jqwik.api.Example;
import net.jqwik.api.Group;
import net.jqwik.api.PropertyDefaults;
import org.dspn4j.model.PermutedGolden.Case;
import org.dspn4j.model.PermutedGolden.Tolerance;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.cpu.CpuBackend;

/**
 * The permutation properties of {@link PermutedGoldenContract} and {@link PermutedGoldenOpContract}
 * on {@link CpuBackend} in F64, against the golden outputs (independent PyTorch, float64) at the
 * golden tests' own tolerance: 1e-9 of each tensor's largest magnitude (GoldenModelsTest,
 * GoldenOpsTest), and 1e-12 absolute for the gradients GoldenModelsTest treats as mathematically
 * zero. Permuting changes only the order of F64 sums (≈1e-16 relative), so the tolerance is not
 * loosened anywhere.
 *
 * <p>Tries: 40 per property and golden case (a training step of these small models takes 2–100 ms):
 * 9 × 40 whole steps, 9 × 40 encodings, 5 × 40 × T inner gradients and 40 op cases, about 10 s in
 * all on two cores. jqwik's statistics print the count of generated cases of each property.
 */
@PropertyDefaults(tries = 40)
class GoldenPermutationProperties {
    static final Backend BE = new CpuBackend(1);
    static final double TOL = 1e-9;

    static final Tolerance F64 = new Tolerance() {
        @Override
        public double rel(String key) {
            return isZeroGrad(key) ? 0.0 : TOL;
        }

        @Override
        public double abs(String key) {
            return isZeroGrad(key) ? 1e-12 : 0.0;
        }
    };

    static boolean isZeroGrad(String key) {
        return key.startsWith("grad/") && PermutedGolden.ZERO_GRADS.contains(key.substring(5));
    }

    @Example
    void everyGoldenModelCaseHasAGroup() {
        TreeSet<String> golden = new TreeSet<>();
        for (String k : PermutedGolden.G.keys("")) {
            if (!k.startsWith("meta/")) {
                golden.add(k.substring(0, k.indexOf('/')));
            }
        }
        assertEquals(golden, new TreeSet<>(PermutedGolden.CASES.keySet()));
    }

    /** The backend, dtype and tolerances of this class. */
    abstract class OnCpu implements PermutedGoldenContract {
        private final Case c;

        OnCpu(String name) {
            c = PermutedGolden.named(name);
        }

        @Override
        public Case goldenCase() {
            return c;
        }

        @Override
        public Backend backend() {
            return BE;
        }

        @Override
        public DType dtype() {
            return DType.F64;
        }

        @Override
        public Tolerance tolerance() {
            return F64;
        }

        @Override
        public double encoderTolerance() {
            return TOL;
        }
    }

    @Group
    class MnistDspn extends OnCpu implements PermutedGoldenContract.Dspn {
        MnistDspn() {
            super("mnist_dspn");
        }
    }

    @Group
    class MnistDspnEval extends OnCpu implements PermutedGoldenContract.Dspn {
        MnistDspnEval() {
            super("mnist_dspn_eval");
        }
    }

    @Group
    class MnistDspnF32Ratios extends OnCpu implements PermutedGoldenContract.Dspn {
        MnistDspnF32Ratios() {
            super("mnist_dspn_f32ratios");
        }
    }

    @Group
    class MnistMlp extends OnCpu {
        MnistMlp() {
            super("mnist_mlp");
        }
    }

    @Group
    class MnistRnnPlus1 extends OnCpu {
        MnistRnnPlus1() {
            super("mnist_rnn_plus1");
        }
    }

    @Group
    class ClevrStateDspn extends OnCpu implements PermutedGoldenContract.Dspn {
        ClevrStateDspn() {
            super("clevr_state_dspn");
        }
    }

    @Group
    class ClevrBoxDspnAllSteps extends OnCpu implements PermutedGoldenContract.Dspn {
        ClevrBoxDspnAllSteps() {
            super("clevr_box_dspn_all_steps");
        }
    }

    @Group
    class ClevrBoxMlp extends OnCpu {
        ClevrBoxMlp() {
            super("clevr_box_mlp");
        }
    }

    @Group
    class ClevrStateRnn extends OnCpu {
        ClevrStateRnn() {
            super("clevr_state_rnn");
        }
    }

    @Group
    class FsPoolCore implements PermutedGoldenOpContract {
        @Override
        public Backend backend() {
            return BE;
        }

        @Override
        public DType dtype() {
            return DType.F64;
        }

        @Override
        public double opTolerance() {
            return TOL;
        }
    }
}
