/**
 * Average precision of predicted sets, as the authors' evaluators compute it (docs/reference-behaviour.md §8).
 *
 * <p>Plain Java on {@code double} arrays; no tensors. Elements are rows: {@code (S, F)} predicted
 * slots and {@code (G, F)} ground-truth objects per image, F = 4 (box: x1, y1, x2, y2) or
 * F = 18 (state: 3 coordinates and the material, colour, shape, size one-hots).
 * {@link org.dspn4j.eval.AveragePrecision} computes box and state AP,
 * {@link org.dspn4j.eval.IouVariant} holds the paper-era and the corrected IoU, and
 * {@link org.dspn4j.eval.ExportReader} reads the authors' text export.
 */
package org.dspn4j.eval;
