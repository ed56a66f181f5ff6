package org.dspn4j.tensor;

/**
 * Marker for the autodiff record that produced a tensor. The {@code tensor} package only stores it;
 * {@code org.dspn4j.autodiff} defines and reads it.
 */
public interface GraphNode {
}
