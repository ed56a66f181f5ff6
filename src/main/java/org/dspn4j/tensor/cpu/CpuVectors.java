package org.dspn4j.tensor.cpu;

/**
 * What the CPU backend's matrix-product kernels run on in this JVM: the JDK Vector API's preferred
 * float vector (256 bits under {@code -XX:UseAVX=2}, 512 with AVX-512) and the micro-tile it chose,
 * or the scalar kernels when the JVM runs without {@code --add-modules jdk.incubator.vector}. The
 * bits of every result are the same either way ({@link Gemm}); only the speed differs. The Chamfer
 * argmin takes the vector loop in the same JVMs ({@link ChamferVector}), with the same indices.
 */
public final class CpuVectors {
    private CpuVectors() {
    }

    /** Bits of the preferred float vector, or 0 without the Vector API. */
    public static int bits() {
        return Gemm.VECTOR ? GemmVector.LF * Float.SIZE : 0;
    }

    /** One line, e.g. {@code 512-bit vectors, F32 tile 8 x 32} or {@code no Vector API (scalar kernels)}. */
    public static String describe() {
        if (!Gemm.VECTOR) {
            return "no Vector API (scalar kernels)";
        }
        return bits() + "-bit vectors, F32 tile " + Gemm.PREFERRED.mr() + " x " + Gemm.PREFERRED.nr(true);
    }
}
