package org.dspn4j.gpu;

import java.util.List;

import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.TaskGraph;
import org.dspn4j.tensor.Tensor;

/**
 * A recorded task graph on the OpenCL engine ({@link ClBackend#record}): the device launches that
 * one run of a body issued, with every launch argument (op code, int and float parameters, arena
 * offsets) captured, consecutive elementwise launches fused into single launches ({@link Fusion}),
 * and the arena ranges the body allocated (inputs, intermediates, outputs) owned by the graph until
 * {@link #close()}.
 *
 * <p>{@link #replay} copies the new inputs into the graph's input ranges (one COPY launch each; an
 * upload for a host-backend tensor; inputs that are outputs of this graph's previous replay, such as
 * parameters and optimiser state, by one fused launch for all of them), re-issues the launches, and
 * returns the outputs. Nothing is
 * traced, differentiated or allocated per op: autodiff, shape checks and arena allocation happened
 * once, while recording.
 *
 * <p><b>Outputs are views</b> of the graph's own ranges: every replay overwrites them, and they are
 * unusable (ops on them throw) once the graph is closed. Copy an output (any op, e.g.
 * {@code affine(t, 1, 0)}) to keep its values past the next replay. Passing an output of the previous
 * replay as an input of the next (state such as parameters and optimiser moments) is supported:
 * inputs are copied in before any launch writes.
 *
 * <p>What a recording freezes: host values the body used (Java scalars such as a learning rate or
 * Adam's step-dependent coefficients when passed as doubles, and data it uploaded with {@code fromHost}) are constants
 * of the graph; tensors made before the recording and read by the body are read again, from their
 * ranges, at each replay (the graph keeps them reachable). Tensors the body stored elsewhere (for
 * instance a parameter it set) are views of graph ranges, as the outputs. Scalars that change per
 * replay must be inputs: {@link org.dspn4j.tensor.ExactScalars} tensors read by
 * {@code Backend.affine(a, coefficients, pair)}, as {@code Adam.step(grads, coefficients)} does.
 *
 * <p><b>Device checks</b> ({@link #deviceChecks}): an op whose argument errors only the device can see
 * ({@link ClBackend#assign}'s bad costs) writes a status into a range the graph owns; a replay never
 * reads it in its middle, and the first host read of a range the graph owns after the replay (or
 * {@link #check}) reads it and throws as the eager op would.
 *
 * <p><b>Host steps</b> ({@link ClBackend#hostStep}) are the one
 * exception to "only device launches": each is an explicit entry of the program (source range, host
 * function, destination range owned by the graph); a replay performs it at its place in the sequence
 * — downloads the source range as the launches before it left it, calls the function again, uploads
 * its result into the same destination range — so its output follows the new inputs. Fusion never
 * crosses a host step. An index out of range in a replayed gather or scatter is reported as in eager
 * mode, at the next host read or before the next replay ({@link ClBackend#checkIndices}). What a recording refuses: any other host read of device data during the body
 * ({@code toHost}, {@code item()}, ...), whose value a replay could not repeat. (The op set has no op
 * whose output shape depends on data.) Inputs are F32.
 */
public final class ClTaskGraph implements TaskGraph, AutoCloseable {
    private final ClBackend backend;
    private final ClEngine engine;
    private final ClBackend.Recording rec;
    private final int[][] shapes;
    private final int[] inputOffsets;
    private final ClBackend.Buffer[] outputs;
    private final int[][] outputShapes;
    private final DType[] outputDtypes;
    private final List<ClEngine.Launch> program;
    private final int recordedLaunches;
    private final int fusedGroups;
    private final int fusedInstructions;
    private final int hostSteps;
    /** Feedback copies (outputs of this graph given back as inputs): the pairs of the cached program, and its launches. */
    private int[] feedbackKey;
    private List<ClEngine.Launch> feedbackProgram;
    /** Arena range for the feedback program (one instruction per input at most), allocated with the graph. */
    private final int feedbackWords;

    ClTaskGraph(ClBackend backend, ClBackend.Recording rec, int[][] shapes, Tensor[] inputs, Tensor[] outs,
                List<ClEngine.Launch> launches, boolean fuse) {
        this.backend = backend;
        this.engine = backend.engine();
        this.rec = rec;
        this.shapes = shapes;
        this.inputOffsets = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            inputOffsets[i] = backend.bufferOf(inputs[i]).offset;
        }
        this.outputs = new ClBackend.Buffer[outs.length];
        this.outputShapes = new int[outs.length][];
        this.outputDtypes = new DType[outs.length];
        for (int i = 0; i < outs.length; i++) {
            outputs[i] = (ClBackend.Buffer) outs[i].storage();
            outputShapes[i] = outs[i].shape();
            outputDtypes[i] = outs[i].dtype();
        }
        int hosts = 0;
        for (ClEngine.Launch l : launches) {
            hosts += l.isHostStep() ? 1 : 0;
        }
        this.hostSteps = hosts;
        this.recordedLaunches = launches.size() - hosts;
        this.feedbackWords = backend.allocateOwned(rec, Math.max(1, inputs.length) * EngineKernel.PROG_STRIDE);
        if (!fuse) {
            program = List.copyOf(launches);
            fusedGroups = 0;
            fusedInstructions = 0;
            return;
        }
        Fusion.Plan plan = Fusion.plan(launches);
        fusedGroups = plan.fusedGroups;
        fusedInstructions = plan.instructions;
        if (plan.instructions == 0) {
            program = List.copyOf(launches);
            return;
        }
        float[] words = plan.words();
        try {
            int at = backend.allocateOwned(rec, words.length);
            engine.upload(at, words);
            program = List.copyOf(plan.program(at));
        } catch (RuntimeException | Error e) {
            backend.freeOwned(rec);
            throw e;
        }
    }

    /**
     * Runs the recorded launches on new inputs of the recorded shapes (F32 tensors of this engine, or
     * of any backend, which are uploaded) and returns views of the outputs, valid until the next
     * replay or {@link #close()}.
     *
     * @throws IllegalArgumentException when the number, shape or dtype of the inputs differs from the recording
     * @throws IllegalStateException when the graph is closed
     */
    @Override
    public synchronized Tensor[] replay(Tensor... inputs) {
        if (rec.closed) {
            throw new IllegalStateException("task graph is closed");
        }
        if (inputs.length != shapes.length) {
            throw new IllegalArgumentException("task graph: " + inputs.length + " inputs, recorded with " + shapes.length);
        }
        for (int i = 0; i < inputs.length; i++) {
            if (!Shape.same(inputs[i].shape(), shapes[i])) {
                throw new IllegalArgumentException("task graph: input " + i + " has shape " + Shape.str(inputs[i].shape())
                        + ", the graph was recorded with " + Shape.str(shapes[i]));
            }
            if (inputs[i].dtype() != DType.F32) {
                throw new IllegalArgumentException("task graph: input " + i + " is " + inputs[i].dtype()
                        + ", the graph was recorded with F32");
            }
        }
        if (!rec.indexUses.isEmpty()) {
            // the previous replay's gathers and scatters, if still unchecked: before their indices are
            // overwritten; unless that replay's assignment was reported bad, which made its indices NaN
            if (rec.assignFailed) {
                backend.discardIndexError();
            } else {
                backend.checkIndices();
            }
        }
        rec.assignFailed = false;
        // Inputs that are outputs of this graph (state fed back) are copied by one cached fused
        // program; any other input by one COPY launch (or an upload from another backend).
        int[] pairs = new int[inputs.length];
        boolean anyFeedback = false;
        for (int i = 0; i < inputs.length; i++) {
            pairs[i] = -1;
            for (int j = 0; j < outputs.length; j++) {
                if (inputs[i].storage() == outputs[j]) {
                    pairs[i] = j;
                    anyFeedback = true;
                }
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            int n = Shape.numel(shapes[i]);
            if (n == 0 || pairs[i] >= 0) {
                continue;
            }
            Tensor in = inputs[i];
            if (in.storage() instanceof ClBackend.Buffer && ((ClBackend.Buffer) in.storage()).engine == engine) {
                int src = backend.bufferOf(in).offset;
                if (src != inputOffsets[i]) {
                    engine.copy(src, inputOffsets[i], n);
                }
            } else {
                engine.upload(inputOffsets[i], in.toFloats());
            }
        }
        if (anyFeedback) {
            engine.replay(feedback(pairs));
        }
        engine.replay(program);
        if (!rec.checks.isEmpty()) {
            rec.unchecked = true; // read by the first host read of a range the graph owns, or by check()
        }
        for (ClBackend.IndexUse use : rec.indexUses) {
            engine.noteIndexUse(use); // checked at the next host read (ClBackend.checkIndices)
        }
        Tensor[] out = new Tensor[outputs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = new Tensor(backend, outputDtypes[i], outputShapes[i], outputs[i]);
        }
        return out;
    }

    /** The cached fused copy program for these (input ← output) pairs, built and uploaded when they change. */
    private List<ClEngine.Launch> feedback(int[] pairs) {
        if (java.util.Arrays.equals(pairs, feedbackKey)) {
            return feedbackProgram;
        }
        int m = 0;
        for (int p : pairs) {
            m += p >= 0 ? 1 : 0;
        }
        int[] src = new int[m];
        int[] dst = new int[m];
        int[] n = new int[m];
        for (int i = 0, k = 0; i < pairs.length; i++) {
            if (pairs[i] >= 0) {
                src[k] = outputs[pairs[i]].offset;
                dst[k] = inputOffsets[i];
                n[k++] = Shape.numel(shapes[i]);
            }
        }
        Fusion.Plan plan = Fusion.copies(src, dst, n);
        List<ClEngine.Launch> launches = List.of();
        if (plan.instructions > 0) {
            float[] words = plan.words();
            engine.upload(feedbackWords, words);
            launches = List.copyOf(plan.program(feedbackWords));
        }
        feedbackKey = pairs;
        feedbackProgram = launches;
        return launches;
    }

    @Override
    public int[][] inputShapes() {
        int[][] s = new int[shapes.length][];
        for (int i = 0; i < s.length; i++) {
            s[i] = shapes[i].clone();
        }
        return s;
    }

    /** Kernel launches the body issued while recording (uploads and host steps excluded). */
    public int recordedLaunches() {
        return recordedLaunches;
    }

    /**
     * Kernel launches one replay issues after fusion, not counting the input copies (one per input not
     * already in place, plus one fused launch for all inputs that are this graph's outputs) nor the
     * host steps' transfers (a download and an upload each: one launch apiece up to 1,024 floats).
     */
    public int launchesPerReplay() {
        return program.size() - hostSteps;
    }

    /**
     * Host steps in the program ({@link ClBackend#hostStep}): host code the replay runs at its place,
     * between the launches around it, on the values its source range holds then.
     */
    public int hostSteps() {
        return hostSteps;
    }

    /**
     * Device checks in the program: ops whose argument errors the device detects and records in a
     * status range the graph owns (today {@link ClBackend#assign}'s bad costs), since a replay never
     * reads the device in its middle. After a replay, the first host read of a range the graph owns
     * (an output's {@code item()} or {@code toHost}) reads them and throws as the eager op would.
     */
    public int deviceChecks() {
        return rec.checks.size();
    }

    /**
     * Reads the device checks of the last replay (or of the recording) now — the assignments' statuses
     * and the index-error flag of its gathers and scatters, one small download each, once — and throws
     * as the eager op would, e.g. {@link IllegalArgumentException} naming a NaN cost of an assignment or
     * {@link IndexOutOfBoundsException} naming an index; a no-op when they were read already or the
     * graph has none.
     */
    public synchronized void check() {
        if (rec.closed) {
            throw new IllegalStateException("task graph is closed");
        }
        backend.verify(rec);
        backend.checkIndices();
    }

    /** Fused launches in the program, and the recorded launches they replace. */
    public int fusedGroups() {
        return fusedGroups;
    }

    public int fusedInstructions() {
        return fusedInstructions;
    }

    /** Arena floats the graph owns (inputs, intermediates, outputs, fused programs), block-rounded. */
    public long ownedFloats() {
        long total = 0;
        synchronized (engine) {
            for (int off : rec.owned) {
                total += engine.arena().blockSize(off);
            }
        }
        return total;
    }

    /** Frees the graph's arena ranges; its outputs (and any tensor the body made) become unusable. Idempotent. */
    @Override
    public synchronized void close() {
        if (!rec.closed) {
            backend.freeOwned(rec);
        }
    }

    @Override
    public String toString() {
        return "ClTaskGraph[" + recordedLaunches + " launches recorded, " + launchesPerReplay() + " per replay, "
                + fusedGroups + " fused groups of " + fusedInstructions + " ops, " + hostSteps + " host steps]";
    }
}
