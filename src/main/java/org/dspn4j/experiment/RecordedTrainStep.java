package org.dspn4j.experiment;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.gpu.ArenaExhaustedException;
import org.dspn4j.gpu.ClBackend;
import org.dspn4j.gpu.ClTaskGraph;
import org.dspn4j.model.Net;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.Parameter;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.ExactScalars;
import org.dspn4j.tensor.Tensor;

/**
 * {@link TrainStep} recorded once as an OpenCL task graph ({@link ClBackend#record}) and replayed
 * for every batch of the recorded shapes. The graph is functional: its inputs are the batch, the
 * parameters, Adam's moments, the model's buffers (batch-norm running statistics) and Adam's
 * step-dependent coefficients ({@link Adam#coefficients}, uploaded per replay as {@link ExactScalars});
 * its outputs are the losses and the new state, fed straight back as the next replay's inputs. So a
 * replay is step t of real training, bit for bit the eager {@link TrainStep} (nothing step-dependent is
 * frozen in the recording).
 *
 * <p>While the graph runs, the model's parameters and Adam's moments live in the graph's ranges:
 * call {@link #syncToModel()} before reading them (checkpoints, evaluation); it copies the state out
 * of the graph into ordinary tensors and sets them on the model and on Adam (with the step count).
 */
public final class RecordedTrainStep implements AutoCloseable {
    private final ClBackend be;
    private final Net net;
    private final Adam adam;
    private final List<Parameter> params;
    private final List<Module.Buffer> buffers;
    /** Each buffer's dtype: the graph carries buffers as F32 (an I64 count is an exact float), the model keeps its dtype. */
    private final DType[] bufferDtypes;
    private final boolean images;
    private final int setLossCount;
    private final ClTaskGraph graph;
    /** State inputs of the next replay: parameters, first moments, second moments, buffers. */
    private Tensor[] state;
    private long steps;

    /**
     * Records the step for batches of these shapes (imageShape null for MNIST). The model's current
     * parameters, buffers and Adam's state (moments, step count) are the starting state.
     */
    public RecordedTrainStep(ClBackend be, Net net, Adam adam, int[] imageShape, int[] setShape, int[] maskShape) {
        this.be = be;
        this.net = net;
        this.adam = adam;
        this.params = new ArrayList<>(net.namedParameters().values());
        this.buffers = new ArrayList<>(net.namedBuffers().values());
        this.bufferDtypes = new DType[buffers.size()];
        for (int i = 0; i < bufferDtypes.length; i++) {
            bufferDtypes[i] = buffers.get(i).value().dtype();
        }
        this.images = imageShape != null;
        this.steps = adam.steps();
        int p = params.size();
        int nb = buffers.size();
        state = new Tensor[3 * p + nb];
        for (int i = 0; i < p; i++) {
            Tensor w = params.get(i).value();
            state[i] = w;
            state[p + i] = adam.firstMoment(i) != null ? adam.firstMoment(i) : be.full(0.0, DType.F32, w.shape());
            state[2 * p + i] = adam.secondMoment(i) != null ? adam.secondMoment(i) : be.full(0.0, DType.F32, w.shape());
        }
        for (int i = 0; i < nb; i++) {
            state[3 * p + i] = asF32(buffers.get(i).value());
        }
        int batch = images ? 1 : 0;
        List<int[]> shapes = new ArrayList<>();
        if (images) {
            shapes.add(imageShape);
        }
        shapes.add(setShape);
        shapes.add(maskShape);
        for (Tensor t : state) {
            shapes.add(t.shape());
        }
        shapes.add(new int[] {12}); // Adam's coefficients: 4 doubles as 3 floats each
        int first = batch + 2;
        int[] counted = new int[1];
        Tensor[] startState = state;
        Tensor[] startParams = new Tensor[p];
        Tensor[] startBuffers = new Tensor[nb];
        for (int i = 0; i < p; i++) {
            startParams[i] = params.get(i).value();
        }
        for (int i = 0; i < nb; i++) {
            startBuffers[i] = buffers.get(i).value();
        }
        long savedSteps = adam.steps();
        try {
            graph = be.record(in -> {
                Tensor[] m = new Tensor[p];
                Tensor[] v = new Tensor[p];
                for (int i = 0; i < p; i++) {
                    params.get(i).set(in[first + i]);
                    m[i] = in[first + p + i];
                    v[i] = in[first + 2 * p + i];
                }
                for (int i = 0; i < nb; i++) {
                    Tensor b = in[first + 3 * p + i];
                    buffers.get(i).set(bufferDtypes[i] == DType.F32 ? b : be.cast(b, bufferDtypes[i]));
                }
                adam.restore(0, m, v);
                net.train(true);
                Tensor im = images ? in[0] : null;
                Net.Output out = net.forward(im, in[batch], in[batch + 1]);
                Net.Loss loss = net.loss(out, in[batch], in[batch + 1]);
                Tensor[] grads = Autograd.grad(loss.total(), net.parameterValues().toArray(new Tensor[0]), false);
                adam.step(grads, in[in.length - 1]);
                List<Tensor> res = new ArrayList<>();
                res.add(loss.total());
                res.add(loss.last());
                res.addAll(loss.setLoss());
                counted[0] = loss.setLoss().size();
                for (int i = 0; i < p; i++) {
                    res.add(params.get(i).value());
                }
                for (int i = 0; i < p; i++) {
                    res.add(adam.firstMoment(i));
                }
                for (int i = 0; i < p; i++) {
                    res.add(adam.secondMoment(i));
                }
                for (int i = 0; i < nb; i++) {
                    res.add(asF32(buffers.get(i).value())); // batch-norm running statistics and counts
                }
                return res.toArray(new Tensor[0]);
            }, shapes.toArray(new int[0][]));
        } finally {
            // the recording ran on zeros: give the model and Adam their real state back
            for (int i = 0; i < p; i++) {
                params.get(i).set(startParams[i]);
            }
            for (int i = 0; i < nb; i++) {
                buffers.get(i).set(startBuffers[i]);
            }
            Tensor[] m0 = new Tensor[p];
            Tensor[] v0 = new Tensor[p];
            System.arraycopy(startState, p, m0, 0, p);
            System.arraycopy(startState, 2 * p, v0, 0, p);
            adam.restore(savedSteps, m0, v0);
        }
        this.setLossCount = counted[0];
    }

    /** "replay" or "eager": the requested mode, or the default (replay on OpenCL, eager on the CPU backend). */
    static String graphMode(String requested, Backend be) {
        boolean cl = be instanceof ClBackend;
        if (requested == null) {
            return cl ? "replay" : "eager";
        }
        switch (requested) {
            case "eager":
                return "eager";
            case "replay":
                if (!cl) {
                    throw new IllegalArgumentException("--graph replay needs the OpenCL backend (the CPU and reference backends run eagerly)");
                }
                return "replay";
            default:
                throw new IllegalArgumentException("--graph must be replay or eager, got '" + requested + "'");
        }
    }

    /**
     * The training step a run uses, chosen by {@code --graph} ({@code requested}, null for the default)
     * and said on {@code out}: a recorded step (mode "replay"), or null (mode "eager"). When the default
     * replay does not fit the device arena (a recording keeps every intermediate resident; eager steps
     * free theirs as they go) the run falls back to eager steps and says so; an explicit
     * {@code --graph replay} that does not fit is refused naming {@code --arena-mb}.
     */
    public static Started start(String requested, Backend be, Net net, Adam adam, int[] imageShape, int[] setShape,
                                int[] maskShape, PrintStream out) {
        String mode = graphMode(requested, be);
        if (!mode.equals("replay")) {
            if (be instanceof ClBackend) {
                out.println("graph: eager");
            }
            return new Started(null, "eager");
        }
        long r0 = System.nanoTime();
        try {
            RecordedTrainStep r = new RecordedTrainStep((ClBackend) be, net, adam, imageShape, setShape, maskShape);
            ClTaskGraph g = r.graph();
            out.println(String.format(Locale.ROOT, "graph: replay (training step recorded in %.1f s: %d launches, %d per replay, "
                    + "%d host step%s, %.1f MB of arena)", (System.nanoTime() - r0) / 1e9, g.recordedLaunches(),
                    g.launchesPerReplay(), g.hostSteps(), g.hostSteps() == 1 ? "" : "s", g.ownedFloats() * 4.0 / 1e6));
            return new Started(r, "replay");
        } catch (IllegalStateException e) {
            if (!arenaExhausted(e)) {
                throw e;
            }
            if (requested != null) {
                throw new IllegalArgumentException("--graph replay: the recorded training step does not fit the device "
                        + "arena; raise --arena-mb or use --graph eager (" + e.getMessage() + ")", e);
            }
            out.println("graph: eager (the recorded step does not fit the device arena; --arena-mb raises it: " + e.getMessage() + ")");
            return new Started(null, "eager");
        }
    }

    /** What {@link #start} chose: the recorded step (null when eager) and the mode run.json records. */
    public record Started(RecordedTrainStep step, String mode) {
    }

    private static boolean arenaExhausted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ArenaExhaustedException) {
                return true;
            }
        }
        return false;
    }

    /** One training step on this batch (the recorded shapes): step {@link #steps()} + 1 of Adam. */
    public TrainStep.Result run(Tensor imageBatch, Tensor targetSet, Tensor targetMask) {
        int batch = images ? 1 : 0;
        Tensor[] in = new Tensor[batch + 2 + state.length + 1];
        if (images) {
            in[0] = imageBatch;
        }
        in[batch] = targetSet;
        in[batch + 1] = targetMask;
        System.arraycopy(state, 0, in, batch + 2, state.length);
        in[in.length - 1] = ExactScalars.tensor(be, adam.coefficients(steps + 1));
        Tensor[] out = graph.replay(in);
        steps++;
        System.arraycopy(out, 2 + setLossCount, state, 0, state.length);
        double[] setLoss = new double[setLossCount];
        for (int i = 0; i < setLossCount; i++) {
            setLoss[i] = out[2 + i].item();
        }
        return new TrainStep.Result(out[0].item(), out[1].item(), setLoss);
    }

    /** Adam steps taken (before the recording plus replays). */
    public long steps() {
        return steps;
    }

    /**
     * Copies the parameters, buffers and Adam's moments out of the graph (its outputs are overwritten
     * by the next replay) and sets them on the model and on Adam, with the step count, so that the
     * model can be evaluated or checkpointed. The next {@link #run} continues from this state.
     */
    public void syncToModel() {
        int p = params.size();
        Tensor[] copies = new Tensor[state.length];
        for (int i = 0; i < state.length; i++) {
            copies[i] = be.affine(state[i], 1.0, -0.0); // an exact copy: x·1 + (−0) is x for every x, ±0 included
        }
        Tensor[] m = new Tensor[p];
        Tensor[] v = new Tensor[p];
        for (int i = 0; i < p; i++) {
            params.get(i).set(copies[i]);
            m[i] = copies[p + i];
            v[i] = copies[2 * p + i];
        }
        for (int i = 0; i < buffers.size(); i++) {
            Tensor b = copies[3 * p + i];
            buffers.get(i).set(bufferDtypes[i] == DType.F32 ? b : be.cast(b, bufferDtypes[i]));
        }
        adam.restore(steps, m, v);
        state = copies;
    }

    /** An integer buffer as F32 (the same exact values; on the OpenCL backend the same arena range). */
    private Tensor asF32(Tensor t) {
        return t.dtype() == DType.F32 ? t : be.cast(t, DType.F32);
    }

    /** The recorded graph (launch counts, owned memory). */
    public ClTaskGraph graph() {
        return graph;
    }

    @Override
    public void close() {
        graph.close();
    }
}
