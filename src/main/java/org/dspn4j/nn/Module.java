package org.dspn4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.dspn4j.tensor.Tensor;

/**
 * A tree of named parameters, buffers and sub-modules. Names join with dots exactly as PyTorch's
 * {@code state_dict()} does, so the authors' checkpoints map one to one (see
 * {@code docs/audit.md}); a sub-module registered under two names is listed once, under the first,
 * where {@code state_dict()} lists it under both ({@code model.Weights} handles DSPN's shared encoder).
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a parameter under {@code name}. */
    protected final Parameter param(String name, Tensor init) {
        Parameter p = new Parameter(init);
        params.put(name, p);
        return p;
    }

    /** Registers a non-learnable state tensor (e.g. batch-norm running statistics). */
    protected final Buffer buffer(String name, Tensor init) {
        Buffer b = new Buffer(init);
        buffers.put(name, b);
        return b;
    }

    /** Registers a sub-module under {@code name}. */
    protected final <M extends Module> M child(String name, M m) {
        children.put(name, m);
        return m;
    }

    /**
     * Every parameter under its dotted name, in registration order. A parameter reachable under
     * two names (a shared sub-module) appears once, under the first name.
     */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collect("", out, seen);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (seen.add(e.getValue())) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out, seen);
        }
    }

    /** Every buffer under its dotted name. */
    public final Map<String, Buffer> namedBuffers() {
        Map<String, Buffer> out = new LinkedHashMap<>();
        collectBuffers("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Buffer> out, Set<Buffer> seen) {
        for (Map.Entry<String, Buffer> e : buffers.entrySet()) {
            if (seen.add(e.getValue())) {
                out.put(prefix + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectBuffers(prefix + e.getKey() + ".", out, seen);
        }
    }

    /** The parameter values, for autodiff. */
    public final List<Tensor> parameterValues() {
        List<Tensor> out = new ArrayList<>();
        for (Parameter p : namedParameters().values()) {
            out.add(p.value());
        }
        return out;
    }

    /** Training mode (batch statistics) or evaluation mode, recursively. */
    public final void train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
    }

    public final boolean isTraining() {
        return training;
    }

    /** A mutable, non-learnable tensor slot. */
    public static final class Buffer {
        private Tensor value;

        Buffer(Tensor value) {
            this.value = value;
        }

        public Tensor value() {
            return value;
        }

        public void set(Tensor v) {
            value = v.detach();
        }
    }
}
