package org.dspn4j.autodiff;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;

import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Finite-difference checks in F64 of first derivatives (autodiff gradient vs central differences
 * of the function) and second derivatives (the gradient of ⟨∇f, v⟩, computed with createGraph,
 * vs central differences of the analytic gradient).
 */
final class GradCheck {
    private GradCheck() {
    }

    static final double EPS = 1e-6;

    /** A scalar-valued function of several tensors, built with {@link Ops}. */
    interface Fn extends Function<Tensor[], Tensor> {
    }

    static Tensor[] leaves(Backend be, double[][] data, int[][] shapes) {
        Tensor[] t = new Tensor[data.length];
        for (int i = 0; i < data.length; i++) {
            t[i] = be.fromHost(data[i], DType.F64, shapes[i]).requiresGrad(true);
        }
        return t;
    }

    static Tensor[] gradient(Fn f, Tensor[] x, boolean createGraph) {
        return Autograd.grad(f.apply(x), x, createGraph);
    }

    /** Checks ∇f against central differences; tolerance relative to the gradient's scale. */
    static void first(String name, Fn f, Tensor[] x, double tol) {
        Tensor[] g = gradient(f, x, false);
        for (int i = 0; i < x.length; i++) {
            double[] ga = g[i].toDoubles();
            double[] fd = new double[ga.length];
            for (int j = 0; j < ga.length; j++) {
                fd[j] = (eval(f, x, i, j, EPS) - eval(f, x, i, j, -EPS)) / (2 * EPS);
            }
            compare(name + " d/dx" + i, ga, fd, tol);
        }
    }

    /**
     * Checks d/dx ⟨∇f(x), v⟩ (autodiff through autodiff) against central differences of the
     * analytic gradient dotted with v.
     */
    static void second(String name, Fn f, Tensor[] x, double tol, long seed) {
        java.util.Random r = new java.util.Random(seed);
        Tensor[] v = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] vd = new double[x[i].numel()];
            for (int j = 0; j < vd.length; j++) {
                vd[j] = r.nextGaussian();
            }
            v[i] = x[i].backend().fromHost(vd, DType.F64, x[i].shape());
        }
        Fn h = xs -> {
            Tensor[] g = Autograd.grad(f.apply(xs), xs, true);
            Tensor s = null;
            for (int i = 0; i < g.length; i++) {
                Tensor term = Ops.sum(Ops.mul(g[i], v[i]));
                s = s == null ? term : Ops.add(s, term);
            }
            return s;
        };
        Tensor[] hg = Autograd.grad(h.apply(x), x, false);
        for (int i = 0; i < x.length; i++) {
            double[] ga = hg[i].toDoubles();
            double[] fd = new double[ga.length];
            for (int j = 0; j < ga.length; j++) {
                fd[j] = (evalGradDot(f, x, v, i, j, EPS) - evalGradDot(f, x, v, i, j, -EPS)) / (2 * EPS);
            }
            compare(name + " d2/dx" + i, ga, fd, tol);
        }
    }

    private static Tensor[] perturbed(Tensor[] x, int i, int j, double delta) {
        Tensor[] y = new Tensor[x.length];
        for (int k = 0; k < x.length; k++) {
            double[] d = x[k].toDoubles();
            if (k == i) {
                d[j] += delta;
            }
            y[k] = x[k].backend().fromHost(d, DType.F64, x[k].shape()).requiresGrad(true);
        }
        return y;
    }

    private static double eval(Fn f, Tensor[] x, int i, int j, double delta) {
        try (Autograd.Scope s = Autograd.noGrad()) {
            return f.apply(perturbed(x, i, j, delta)).item();
        }
    }

    private static double evalGradDot(Fn f, Tensor[] x, Tensor[] v, int i, int j, double delta) {
        Tensor[] y = perturbed(x, i, j, delta);
        Tensor[] g = Autograd.grad(f.apply(y), y, false);
        double s = 0;
        for (int k = 0; k < g.length; k++) {
            double[] gd = g[k].toDoubles();
            double[] vd = v[k].toDoubles();
            for (int q = 0; q < gd.length; q++) {
                s += gd[q] * vd[q];
            }
        }
        return s;
    }

    static void compare(String what, double[] actual, double[] expected, double tol) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double floor = Math.max(scale, 1.0);
        for (int k = 0; k < actual.length; k++) {
            if (!(Math.abs(actual[k] - expected[k]) <= tol * floor)) {
                fail(what + ": element " + k + " autodiff " + actual[k] + " vs finite difference " + expected[k]
                        + " (tolerance " + tol + " x " + floor + ")");
            }
        }
    }
}
