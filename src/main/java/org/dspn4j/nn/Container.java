package org.dspn4j.nn;

/**
 * A named group of sub-modules with no behaviour of its own; it exists so parameter names match
 * PyTorch's {@code nn.Sequential} numbering (e.g. {@code conv.0}, {@code conv.2}: the ReLUs take
 * the odd indices and have no parameters).
 */
public final class Container extends Module {
    /** Adds {@code m} under {@code name} and returns it. */
    public <M extends Module> M add(String name, M m) {
        return child(name, m);
    }
}
