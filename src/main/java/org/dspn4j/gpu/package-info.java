/**
 * The OpenCL path: {@link org.dspn4j.gpu.ClBackend}, the {@code Backend} seam with every op on the
 * device, over a device-resident engine ({@link org.dspn4j.gpu.ClEngine}) with one Aparapi kernel,
 * one resident float arena addressed by int offsets ({@link org.dspn4j.gpu.ClArena} allocates in it)
 * and a strict start-up that refuses Aparapi's silent Java fallback. docs/gpu.md has the design, the
 * measured facts it is built around and the tolerances of the tests.
 *
 * <p>Dimension legend: {@code M, K, N} matmul sizes, {@code out (M, N) = A (M, K) . B (K, N)}; all
 * matrices row-major in the arena. Strided ops take a row-major index space of at most six
 * dimensions with one stride vector per operand ({@code Geometry}); a stride of 0 broadcasts.
 * Index ops see their dimension as {@code (outer, len, inner)}. Offsets and lengths count floats,
 * never bytes; index tensors are floats holding exact integers (below 2^24).
 */
package org.dspn4j.gpu;
