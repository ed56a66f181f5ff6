package org.dspn4j.tensor;

/**
 * Marker for a tensor's vertex in the autodiff graph: the recorded op that produced it, or, for a leaf
 * that requires gradients, its leaf vertex. The {@code tensor} package only stores it;
 * {@code org.dspn4j.autodiff} defines and reads it.
 */
public interface GraphNode {
}
