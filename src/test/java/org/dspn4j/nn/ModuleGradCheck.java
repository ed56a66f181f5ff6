package org.dspn4j.nn;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.autodiff.Ops;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * Finite-difference checks in F64 of a scalar f(x) computed by a module, with respect to the input x
 * and every parameter of the module: first derivatives (autodiff vs central differences of f) and
 * second derivatives d/dθ ⟨∇f, v⟩ (autodiff through autodiff with createGraph vs central differences
 * of the analytic gradient dotted with a fixed random v). The approach of
 * {@code org.dspn4j.autodiff.GradCheck}, adapted to modules: a perturbed parameter is installed with
 * {@link Parameter#set}, and the leaves differentiated are the parameters' current values.
 */
final class ModuleGradCheck {
    static final double EPS = 1e-6;

    /** The scalar, built from the module's forward and Ops. */
    interface Fn {
        Tensor apply(Tensor x);
    }

    private final Backend be;
    private final Fn f;
    private final List<Parameter> params;
    private final List<int[]> shapes = new ArrayList<>();
    private final double[][] base;

    /** @param x the input point (F64); the parameters' current values are the parameter point */
    ModuleGradCheck(Module m, Tensor x, Fn f) {
        this.be = x.backend();
        this.f = f;
        this.params = new ArrayList<>(m.namedParameters().values());
        base = new double[params.size() + 1][];
        shapes.add(x.shape());
        base[0] = x.toDoubles();
        for (int k = 0; k < params.size(); k++) {
            shapes.add(params.get(k).shape());
            base[k + 1] = params.get(k).value().toDoubles();
        }
    }

    /** Installs the point {@code data} and returns the leaves: the input, then each parameter's value. */
    private Tensor[] leaves(double[][] data) {
        Tensor[] t = new Tensor[data.length];
        t[0] = be.fromHost(data[0], DType.F64, shapes.get(0)).requiresGrad(true);
        for (int k = 0; k < params.size(); k++) {
            params.get(k).set(be.fromHost(data[k + 1], DType.F64, shapes.get(k + 1)));
            t[k + 1] = params.get(k).value();
        }
        return t;
    }

    private double[][] perturbed(int i, int j, double delta) {
        double[][] d = new double[base.length][];
        for (int k = 0; k < base.length; k++) {
            d[k] = base[k].clone();
        }
        d[i][j] += delta;
        return d;
    }

    private double value(double[][] at) {
        Tensor[] t = leaves(at);
        try (Autograd.Scope s = Autograd.noGrad()) {
            return f.apply(t[0]).item();
        }
    }

    private double gradDot(double[][] at, double[][] v) {
        Tensor[] t = leaves(at);
        Tensor[] g = Autograd.grad(f.apply(t[0]), t, false);
        double s = 0;
        for (int k = 0; k < g.length; k++) {
            double[] gd = g[k].toDoubles();
            for (int q = 0; q < gd.length; q++) {
                s += gd[q] * v[k][q];
            }
        }
        return s;
    }

    /** ∇f against central differences, for the input and every parameter. */
    void first(String name, double tol) {
        Tensor[] t = leaves(base);
        Tensor[] g = Autograd.grad(f.apply(t[0]), t, false);
        for (int i = 0; i < base.length; i++) {
            double[] fd = new double[base[i].length];
            for (int j = 0; j < fd.length; j++) {
                fd[j] = (value(perturbed(i, j, EPS)) - value(perturbed(i, j, -EPS))) / (2 * EPS);
            }
            compare(name + " d/d" + leafName(i), g[i].toDoubles(), fd, tol);
        }
        leaves(base);
    }

    /** d/dθ ⟨∇f, v⟩ (autodiff of autodiff) against central differences of ⟨∇f, v⟩. */
    void second(String name, double tol, long seed) {
        Random r = new Random(seed);
        double[][] v = new double[base.length][];
        Tensor[] vt = new Tensor[base.length];
        for (int k = 0; k < base.length; k++) {
            v[k] = new double[base[k].length];
            for (int q = 0; q < v[k].length; q++) {
                v[k][q] = r.nextGaussian();
            }
            vt[k] = be.fromHost(v[k], DType.F64, shapes.get(k));
        }
        Tensor[] t = leaves(base);
        Tensor[] g = Autograd.grad(f.apply(t[0]), t, true);
        Tensor h = null;
        for (int k = 0; k < g.length; k++) {
            Tensor term = Ops.sum(Ops.mul(g[k], vt[k]));
            h = h == null ? term : Ops.add(h, term);
        }
        Tensor[] hg = Autograd.grad(h, t, false);
        for (int i = 0; i < base.length; i++) {
            double[] fd = new double[base[i].length];
            for (int j = 0; j < fd.length; j++) {
                fd[j] = (gradDot(perturbed(i, j, EPS), v) - gradDot(perturbed(i, j, -EPS), v)) / (2 * EPS);
            }
            compare(name + " d2/d" + leafName(i), hg[i].toDoubles(), fd, tol);
        }
        leaves(base);
    }

    private String leafName(int i) {
        return i == 0 ? "x" : "param" + (i - 1);
    }

    private static void compare(String what, double[] actual, double[] expected, double tol) {
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

    /** A seeded N(0, 1) tensor in F64. */
    static Tensor normal(Backend be, long seed, int... shape) {
        Random r = new Random(seed);
        double[] d = new double[org.dspn4j.tensor.Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        return be.fromHost(d, DType.F64, shape);
    }

    /** f = Σ (0.3·y³ + u ⊙ y) with a fixed seeded u: a scalar whose Hessian in y is not zero. */
    static Tensor cubic(Tensor y, long seed) {
        Tensor u = normal(y.backend(), seed, y.shape());
        return Ops.sum(Ops.add(Ops.scale(Ops.mul(y, Ops.mul(y, y)), 0.3), Ops.mul(u, y)));
    }
}
