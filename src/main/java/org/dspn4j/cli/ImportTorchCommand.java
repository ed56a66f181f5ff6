package org.dspn4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.dspn4j.experiment.AuthorsFile;
import org.dspn4j.experiment.Trace;
import org.dspn4j.io.NdArray;
import org.dspn4j.io.Npz;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.io.torch.TorchTensor;
import org.dspn4j.model.AuthorsArgs;
import org.dspn4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dspn4j import-torch}: a torch.save checkpoint (the authors' logs/NAME, or a state_dict) to a weights .npz. */
@Command(name = "import-torch", mixinStandardHelpOptions = true,
        header = "Convert a torch.save file, such as the authors' log, to a weights .npz.",
        description = {"Read a file written by torch.save -- the authors' logs/NAME ({name, tracker, weights, args, hash}) or a "
                + "bare state_dict, legacy or zip layout, saved on a GPU or not -- without running any code from it, check the "
                + "weights against the model its args describe, and write them under the authors' names to an .npz (the format "
                + "trace --weights and --checkpoint read), with the model settings (meta/config_json) and the log (meta/torch/)."})
public final class ImportTorchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the torch.save file (recognised by content, not by name)")
    Path file;

    @Option(names = "--out", required = true, description = "the .npz to write, named *.npz")
    Path out;

    @Option(names = "--force", description = "write over --out if it exists (even if it is FILE)")
    boolean force;

    @Option(names = "--model", description = "for a file without the authors' args: mnist, clevr-box or clevr-state "
            + "(sizes are read from the weights; T, eta and lambda are the paper's)")
    String model;

    @Option(names = "--decoder", description = "with --model: dspn (default), mlp or rnn")
    String decoder;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + (Files.isDirectory(file) ? ": a folder, not a torch.save file"
                    : Files.exists(file) ? ": not a regular file" : ": no such file"));
        }
        TorchCheckpoint.Kind kind = TorchCheckpoint.kind(file);
        if (kind == TorchCheckpoint.Kind.NPZ) {
            throw new IllegalArgumentException(file + ": an .npz already (dspn4j's format), nothing to import; see dspn4j inspect");
        }
        if (Files.isDirectory(out)) { // even with --force: the .npz is a file
            throw new IllegalArgumentException("--out " + out + " is a folder; give a file name");
        }
        Checks.notSpecial("--out", out); // even with --force
        Checks.npzName("--out", out); // even with --force: FILE itself only where it is named *.npz
        if (!force && Files.exists(out) && Files.isSameFile(file, out)) {
            throw new IllegalArgumentException("--out " + out + " is the input file; give --force to write over it");
        }
        Checks.requireNewOrForced("--out", out, force);
        Path folder = out.toAbsolutePath().getParent();
        if (folder != null && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--out " + out + ": folder " + folder + " does not exist");
        }
        Checks.requireOutsideRuns("--out", out); // even with --force: a run's records are train's alone
        if (decoder != null && model == null) {
            throw new IllegalArgumentException("--decoder needs --model");
        }
        if (model != null) { // their values checked before the file is read
            Checks.task("--model", model);
        }
        if (decoder != null) {
            Checks.decoder("--decoder", decoder);
        }
        TorchCheckpoint ck = TorchCheckpoint.read(file); // a precise error if it is not a torch.save file
        Map<String, TorchTensor> tensors = ck.tensors();
        Map<String, NdArray> weights = ck.weights();
        Imported imp = settings(ck, weights);

        PrintStream o = System.out;
        describe(o, ck, tensors);
        if (imp.config() != null) {
            TorchReport.line(o, "model", TorchReport.model(imp.config()) + " (" + imp.source() + "; shapes checked)");
        }
        for (String n : imp.notes()) {
            TorchReport.line(o, "note", n);
        }

        Npz.writeAtomic(out, AuthorsFile.arrays(ck, imp.config())); // what --checkpoint and --weights read from FILE too
        o.println("wrote " + out);
        return 0;
    }

    /** The model settings of a file and what dspn4j does differently; config null when unknown. */
    record Imported(ModelConfig config, List<String> notes, String source) {
    }

    private Imported settings(TorchCheckpoint ck, Map<String, NdArray> weights) throws Exception {
        Optional<Map<String, Object>> args = ck.args();
        ModelConfig cfg;
        List<String> notes;
        String source;
        if (args.isPresent()) {
            if (model != null) {
                throw new IllegalArgumentException("--model: " + file + " has the authors' args (dataset=" + args.get().get("dataset")
                        + "), which decide the model");
            }
            AuthorsArgs.Settings s = AuthorsFile.settings(ck).orElseThrow();
            cfg = s.config();
            notes = s.notes();
            source = "from the file's args";
        } else if (model != null) {
            cfg = Trace.sizesFromWeights(ModelConfig.paper(Checks.task("--model", model),
                    Checks.decoder("--decoder", decoder == null ? "dspn" : decoder)), weights);
            notes = List.of();
            source = "from --model and the weights' shapes";
        } else {
            return new Imported(null, List.of("no args in the file: no model settings recorded and shapes not checked "
                    + "(give --model to check them)"), null);
        }
        AuthorsFile.checkShapes(file, cfg, weights);
        return new Imported(cfg, notes, source);
    }

    /** File, format, name, commit, args, tracker and weights lines. */
    static void describe(PrintStream o, TorchCheckpoint ck, Map<String, TorchTensor> tensors) throws Exception {
        TorchReport.line(o, "file", ck.file().toString());
        TorchReport.line(o, "format", ck.formatDetail());
        if (ck.name().isPresent()) {
            TorchReport.line(o, "name", ck.name().get());
        }
        if (ck.hash().isPresent()) {
            TorchReport.line(o, "commit", ck.hash().get());
        }
        if (ck.args().isPresent()) {
            TorchReport.line(o, "args", TorchReport.args(ck.args().get()));
        }
        if (ck.tracker().isPresent()) {
            TorchReport.line(o, "tracker", TorchReport.tracker(ck.tracker().get()));
        }
        TorchReport.line(o, "weights", TorchReport.torchWeights(tensors));
    }
}
