/**
 * Arrays on disk in numpy's formats: {@code .npy} (one array) and {@code .npz} (a zip of
 * {@code .npy} files). Checkpoints and golden files use these (architecture, seam 4): anyone can
 * read them with {@code numpy.load}, and loading runs no code.
 *
 * <p>Supported subset: little-endian {@code <f4 <f8 <i4 <i8}, plus {@code |u1 |b1}; C order only;
 * format versions 1.0, 2.0 and 3.0 are read, 1.0 is written (2.0 when the header does not fit
 * 65,535 bytes). Everything else is rejected with an {@link org.dspn4j.io.NpyFormatException}
 * that names the file (and, in an archive, the entry).
 *
 * <p>Layout: an {@link org.dspn4j.io.NdArray} of shape {@code (d0, d1, ..., dk)} holds its
 * elements flat in C (row-major) order, the last index varying fastest — the same order as the
 * bytes in the file and as a {@code Tensor}'s host array, so golden files compare index for index.
 */
package org.dspn4j.io;
