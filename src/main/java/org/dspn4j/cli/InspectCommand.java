package org.dspn4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.Checkpoint;
import org.dspn4j.experiment.ModelConfigJson;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.io.torch.Py;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.io.torch.TorchFormatException;
import org.dspn4j.io.torch.TorchTensor;
import org.dspn4j.model.AuthorsArgs;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.model.WeightShapes;
import org.dspn4j.tensor.cpu.CpuBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code dspn4j inspect}: what a checkpoint holds, whoever wrote it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        header = "Show what a checkpoint, run folder or torch.save file holds.",
        description = {"Show what a checkpoint holds: a torch.save file (the authors' logs/NAME or a state_dict; read without "
                + "running code from it), a dspn4j training checkpoint (checkpoint.npz, or a run folder holding one) or a weights "
                + ".npz. Recognised by content. Prints the run's name, commit, args and training record where present, the model "
                + "settings, whether the weights fit them (exit code 1 if not), and every tensor."})
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "checkpoint file, or a run folder")
    Path file;

    @Override
    public Integer call() throws Exception {
        Path f = file;
        PrintStream o = System.out;
        if (Files.isDirectory(f)) {
            Path ck = f.resolve("checkpoint.npz");
            if (!Files.isRegularFile(ck)) {
                throw new IllegalArgumentException(CheckpointOptions.RunFolder.noCheckpoint(f.toString(), f));
            }
            TorchReport.line(o, "run", f.toString());
            f = ck;
        } else if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(f + (Files.exists(f) ? ": not a regular file" : ": no such file"));
        }
        TorchCheckpoint.Kind kind = TorchCheckpoint.kind(f);
        if (kind == TorchCheckpoint.Kind.NPZ || kind == TorchCheckpoint.Kind.UNKNOWN && startsAsZip(f)) {
            return npz(o, f); // a zip archive without <folder>/data.pkl: what it lacks as an .npz, or that it is cut short
        }
        if (kind == TorchCheckpoint.Kind.UNKNOWN) {
            try {
                return torch(o, f);
            } catch (TorchFormatException e) {
                String m = e.getMessage();
                // (the message alone: Main would append the cause's, which says the same)
                throw m != null && m.contains(NOT_TORCH) ? new IllegalArgumentException(m.replace(NOT_TORCH,
                        "neither an .npz (a zip archive) nor a torch.save file" + (m.contains(NPY_MAGIC) ? ", but a .npy file" : ""))) : e;
            }
        }
        return torch(o, f);
    }

    private static final String NOT_TORCH = "not a torch.save file";
    /** How TorchCheckpoint quotes the first bytes of a .npy file ({@code \x93NUMPY}). */
    private static final String NPY_MAGIC = "starts with bytes 93 4e 55 4d 50 59";

    /** Whether the file begins with a zip record's signature ({@code PK\3\4}, or {@code PK\5\6} for an empty archive). */
    private static boolean startsAsZip(Path f) throws java.io.IOException {
        try (java.io.InputStream in = Files.newInputStream(f)) {
            byte[] h = in.readNBytes(4);
            return h.length == 4 && h[0] == 'P' && h[1] == 'K' && (h[2] == 3 && h[3] == 4 || h[2] == 5 && h[3] == 6);
        }
    }

    private static int torch(PrintStream o, Path f) throws Exception {
        TorchCheckpoint ck = TorchCheckpoint.read(f); // a precise error for anything that is not a torch.save file
        Map<String, TorchTensor> tensors;
        try {
            tensors = ck.tensors();
        } catch (TorchFormatException e) {
            TorchReport.line(o, "file", f.toString());
            TorchReport.line(o, "format", ck.formatDetail());
            TorchReport.line(o, "content", Py.repr(ck.root(), 2000));
            TorchReport.line(o, "weights", "none (" + e.getMessage().substring(f.toString().length() + 2) + ")");
            return 0;
        }
        ImportTorchCommand.describe(o, ck, tensors);
        String misfit = null;
        if (ck.args().isPresent()) {
            AuthorsArgs.Settings s = null;
            try {
                s = AuthorsArgs.settings(ck.args().get());
            } catch (IllegalArgumentException e) {
                TorchReport.line(o, "model", "not one dspn4j builds: " + e.getMessage());
            }
            if (s != null) {
                misfit = fit(s.config(), ck.weights());
                TorchReport.line(o, "model", TorchReport.model(s.config()) + " (from the file's args; "
                        + (misfit == null ? "shapes fit" : "shapes DO NOT FIT") + ")");
                for (String n : s.notes()) {
                    TorchReport.line(o, "note", n);
                }
            }
        }
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : tensors.entrySet()) {
            TorchTensor t = e.getValue();
            rows.put(e.getKey(), new String[] {t.dtype(), Py.shape(t.shape()), t.location() + (t.parameter() ? "  Parameter" : "")});
        }
        TorchReport.tensorTable(o, rows);
        return report(o, misfit);
    }

    private static int npz(PrintStream o, Path f) throws Exception {
        Map<String, NdArray> a = Npz.read(f);
        TorchReport.line(o, "file", f.toString());
        boolean training = a.containsKey("optim/step");
        if (training) {
            TorchReport.line(o, "format", "dspn4j training checkpoint (.npz): weights, Adam state, data position");
            TorchReport.line(o, "position", "epoch " + whole(a, "rng/epoch") + ", batch " + whole(a, "rng/batch") + " (step "
                    + whole(a, "rng/step") + "); Adam steps " + whole(a, "optim/step"));
        } else {
            TorchReport.line(o, "format", a.containsKey("meta/format_version")
                    ? "dspn4j weights (.npz) under the authors' names, format version " + (long) a.get("meta/format_version").getDouble(0)
                    : ".npz of arrays");
        }
        TorchReport.printImported(o, f, a);
        Map<String, NdArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, NdArray> e : a.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("meta/") && !k.startsWith("optim/") && !k.startsWith("rng/")) {
                w.put(k, e.getValue());
            }
        }
        TorchReport.line(o, "weights", TorchReport.weights(w));
        String misfit = null;
        if (a.containsKey("meta/config_json")) {
            ModelConfig cfg;
            try {
                cfg = ModelConfigJson.parse(Checkpoint.configJson(f, a));
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                throw new IllegalArgumentException(m != null && m.startsWith(f.toString()) ? m : f + ": meta/config_json: " + m, e);
            }
            misfit = fit(cfg, w);
            TorchReport.line(o, "model", TorchReport.model(cfg) + " (meta/config_json; " + (misfit == null ? "shapes fit" : "shapes DO NOT FIT")
                    + ")");
        }
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (Map.Entry<String, NdArray> e : w.entrySet()) {
            rows.put(e.getKey(), new String[] {e.getValue().dtype().descr(), Py.shape(e.getValue().shape())});
        }
        TorchReport.tensorTable(o, rows);
        return report(o, misfit);
    }

    private static String whole(Map<String, NdArray> a, String key) {
        NdArray v = a.get(key);
        return v == null || v.size() == 0 ? "?" : Long.toString((long) v.getDouble(0));
    }

    private static String fit(ModelConfig cfg, Map<String, NdArray> w) {
        try (CpuBackend be = new CpuBackend(1)) {
            WeightShapes.check(be, cfg, w);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static int report(PrintStream o, String misfit) {
        if (misfit != null) {
            TorchReport.line(o, "problem", misfit);
            return 1;
        }
        return 0;
    }
}
