/**
 * The OpenCL path: a device-resident engine ({@link org.dspn4j.gpu.ClEngine}) with one Aparapi kernel,
 * one resident float arena addressed by int offsets ({@link org.dspn4j.gpu.ClArena} allocates in it)
 * and a strict start-up that refuses Aparapi's silent Java fallback. docs/gpu.md has the design and the
 * measured facts it is built around.
 *
 * <p>Dimension legend: {@code M, K, N} matmul sizes, {@code out (M, N) = A (M, K) . B (K, N)}; all
 * matrices row-major and contiguous in the arena. Offsets and lengths count floats, never bytes.
 */
package org.dspn4j.gpu;
