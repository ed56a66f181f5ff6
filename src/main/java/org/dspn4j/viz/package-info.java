/**
 * PNG figures drawn with plain {@code java.awt} into an off-screen image, so they work headless
 * ({@code java.awt.headless=true}, set by these classes if nothing else has set it): the set
 * progression of the paper's appendix Figure 3 ({@link org.dspn4j.viz.SetProgressionFigure}) and
 * loss curves ({@link org.dspn4j.viz.LossCurveFigure}).
 *
 * <p>Input is plain arrays in the project's set layout: a set of {@code N} elements with 2
 * channels is a flat {@code double[2*N]}, channels-first ({@code [c*N + j]}), channel 0 = row (y,
 * down) and channel 1 = column (x), both in [0, 1]; its mask is a {@code double[N]}.
 */
package org.dspn4j.viz;
