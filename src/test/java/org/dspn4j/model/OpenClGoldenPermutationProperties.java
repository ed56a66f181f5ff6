package org.dspn4j.model;

import java.util.HashMap;
import java.util.Map;

import net.jqwik.api.Group;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.SharedEngine;
import org.dspn4j.model.PermutedGolden.Case;
import org.dspn4j.model.PermutedGolden.Tolerance;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;

/**
 * The permutation properties of {@link PermutedGoldenContract} and {@link PermutedGoldenOpContract}
 * on {@link ClBackend} (OpenCL; PoCL's CPU device in CI) in F32, against the same float64 golden
 * outputs. Skipped, not failed, when no OpenCL platform with a device exists.
 *
 * <p><b>Tolerance</b> {@value #TOL32} of each tensor's largest golden magnitude. No test compares
 * the device with the goldens elsewhere (the OpenCL tests compare it with CpuBackend in F32), so it
 * is derived from F32 rounding here. The unit roundoff of F32 is u = 2⁻²⁴ ≈ 6.0e-8. The golden
 * inputs and weights are rounded once to F32 (u each); every elementwise op and sum rounds once
 * (ClBackend computes them in double); the matrix products are float fma chains of at most
 * 38 terms here (≤ 38u, typically √38·u ≈ 6u). The step composes a few dozen such ops, and DSPN's
 * inner loop carries the error of Ŷ(t) into Ŷ(t+1); the inner gradient at step t is the derivative
 * of a Huber loss whose residual g(Ŷ(t)) − z shrinks as the decoding converges, so its relative
 * error grows by |z| / |g(Ŷ) − z|. Measured on PoCL against the golden, over the identity and 30
 * random permutations per case: the whole step within 6.4e-7 (≈ 11u; the conv.4 weight gradient of
 * mnist_dspn_f32ratios), the encodings within 1.6e-7, the inner losses within 6.4e-7, the inner
 * gradients within 2.0e-6 (≈ 34u; ∂L/∂Ŷ at the last step of mnist_dspn_f32ratios, where the
 * residual is smallest), the op within 1.1e-7; CpuBackend in F32 gives the same figures (the
 * permutation changes them by no more than rounding). 1e-5 (≈ 170u) is 5× the largest measured error
 * and the figure the project already uses between the OpenCL and CPU backends in F32
 * (TraceOpenClTest, ClBackendDspnTest), which leaves room for devices whose matrix products round
 * differently. A permutation bug moves values by O(1) of their scale, five orders of magnitude above it.
 *
 * <p>Gradients that are mathematically zero (the golden holds at most 1e-12 of the case's largest
 * gradient: rounding noise, e.g. the last encoder bias of the MNIST auto-encoder, whose constant
 * shift cancels between g(Ŷ) and z) have no scale of their own; F32 leaves noise there of the size
 * of the cancelling terms (measured 3.7e-9, 8e-8 of the case's largest gradient), so they are checked
 * against {@value #TOL32} × the case's largest golden gradient, absolute.
 *
 * <p>Tries: 8 per property and case (each whole step on PoCL takes 20–500 ms, mostly kernel launches).
 */
@PropertyDefaults(tries = 8)
@AddLifecycleHook(value = OpenClGoldenPermutationProperties.SkipWithoutOpenCl.class,
        propagateTo = PropagationMode.ALL_DESCENDANTS)
class OpenClGoldenPermutationProperties {
    static final double TOL32 = 1e-5;

    /** Skips every property here (reported as skipped) when no OpenCL platform with a device exists. */
    public static final class SkipWithoutOpenCl implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return SharedEngine.available() ? SkipResult.doNotSkip()
                    : SkipResult.skip("no OpenCL platform with a device: OpenCL tests skipped");
        }
    }

    private static Backend backend;
    private static final Map<String, Tolerance> TOLERANCES = new HashMap<>();

    static synchronized Backend cl() {
        if (backend == null) {
            backend = new ClBackend(SharedEngine.get());
        }
        return backend;
    }

    /** {@value #TOL32} relative; an absolute floor of {@value #TOL32} × the case's largest gradient where the golden is 0. */
    static synchronized Tolerance f32(Case c) {
        return TOLERANCES.computeIfAbsent(c.name(), k -> {
            double scale = 0;
            Map<String, Double> largest = new HashMap<>();
            for (String g : PermutedGolden.G.keys(c.name() + "/grad/")) {
                double m = 0;
                for (double v : c.golden("grad/" + g).toDoubles()) {
                    m = Math.max(m, Math.abs(v));
                }
                largest.put("grad/" + g, m);
                scale = Math.max(scale, m);
            }
            double modelScale = scale;
            return new Tolerance() {
                private boolean zero(String key) {
                    Double m = largest.get(key);
                    return m != null && m <= 1e-12 * modelScale;
                }

                @Override
                public double rel(String key) {
                    return TOL32;
                }

                @Override
                public double abs(String key) {
                    return zero(key) ? TOL32 * modelScale : 0.0;
                }
            };
        });
    }

    abstract class OnOpenCl implements PermutedGoldenContract {
        private final Case c;

        OnOpenCl(String name) {
            c = PermutedGolden.named(name);
        }

        @Override
        public Case goldenCase() {
            return c;
        }

        @Override
        public Backend backend() {
            return cl();
        }

        @Override
        public DType dtype() {
            return DType.F32;
        }

        @Override
        public Tolerance tolerance() {
            return f32(c);
        }

        @Override
        public double encoderTolerance() {
            return TOL32;
        }
    }

    @Group
    class MnistDspn extends OnOpenCl implements PermutedGoldenContract.Dspn {
        MnistDspn() {
            super("mnist_dspn");
        }
    }

    @Group
    class MnistDspnEval extends OnOpenCl implements PermutedGoldenContract.Dspn {
        MnistDspnEval() {
            super("mnist_dspn_eval");
        }
    }

    @Group
    class MnistDspnF32Ratios extends OnOpenCl implements PermutedGoldenContract.Dspn {
        MnistDspnF32Ratios() {
            super("mnist_dspn_f32ratios");
        }
    }

    @Group
    class MnistMlp extends OnOpenCl {
        MnistMlp() {
            super("mnist_mlp");
        }
    }

    @Group
    class MnistRnnPlus1 extends OnOpenCl {
        MnistRnnPlus1() {
            super("mnist_rnn_plus1");
        }
    }

    @Group
    class ClevrStateDspn extends OnOpenCl implements PermutedGoldenContract.Dspn {
        ClevrStateDspn() {
            super("clevr_state_dspn");
        }
    }

    @Group
    class ClevrBoxDspnAllSteps extends OnOpenCl implements PermutedGoldenContract.Dspn {
        ClevrBoxDspnAllSteps() {
            super("clevr_box_dspn_all_steps");
        }
    }

    @Group
    class ClevrBoxMlp extends OnOpenCl {
        ClevrBoxMlp() {
            super("clevr_box_mlp");
        }
    }

    @Group
    class ClevrStateRnn extends OnOpenCl {
        ClevrStateRnn() {
            super("clevr_state_rnn");
        }
    }

    @Group
    class FsPoolCore implements PermutedGoldenOpContract {
        @Override
        public Backend backend() {
            return cl();
        }

        @Override
        public DType dtype() {
            return DType.F32;
        }

        @Override
        public double opTolerance() {
            return TOL32;
        }
    }
}
