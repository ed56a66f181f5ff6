package org.dspn4j.experiment.grid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The two Slurm commands a submission runs: {@code sbatch --parsable} and {@code squeue}. */
final class Slurm {
    private static final long TIMEOUT_S = 120;

    private Slurm() {
    }

    /** What a command printed and its exit code. */
    record Result(int code, String out, String err) {
        /**
         * The last line of standard error that a Slurm command starts with its name ({@code sbatch: error: …},
         * {@code sbatch: unrecognized option …}: the reason, not the hint that may follow it), else its last
         * non-blank line, else the exit code.
         */
        String reason() {
            String[] lines = err.strip().split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (lines[i].strip().matches("s[a-z]+: .*")) {
                    return lines[i].strip();
                }
            }
            String last = lines[lines.length - 1].strip();
            return last.isEmpty() ? "exit code " + code : last;
        }
    }

    /** Submits a script; returns the job id. */
    static String submit(Path script) throws IOException {
        Result r = run(List.of("sbatch", "--parsable", script.toString()));
        if (r.code() != 0) {
            throw new IllegalArgumentException("--slurm: sbatch refused " + script + ": " + r.reason());
        }
        String id = r.out().strip();
        int semi = id.indexOf(';'); // "<job id>;<cluster>" on a federation
        if (semi >= 0) {
            id = id.substring(0, semi);
        }
        if (!id.matches("\\d+")) {
            throw new IllegalArgumentException("--slurm: sbatch printed '" + r.out().strip() + "', not a job id");
        }
        return id;
    }

    /** The tasks of these jobs that are still pending or running (squeue's "job_task" ids); empty when none. */
    static List<String> queued(List<String> jobs) throws IOException {
        List<String> out = new ArrayList<>();
        if (jobs.isEmpty()) {
            return out;
        }
        Result r = run(List.of("squeue", "--noheader", "--array", "--format=%i", "--jobs=" + String.join(",", jobs)));
        if (r.code() != 0) {
            // squeue refuses job ids it no longer knows (finished long ago, purged); then nothing is queued
            if (r.err().contains("Invalid job id")) {
                return out;
            }
            throw new IllegalArgumentException("--slurm: squeue cannot tell whether jobs " + String.join(",", jobs)
                    + " of this grid still run: " + r.reason());
        }
        for (String l : r.out().split("\n")) {
            if (!l.isBlank()) {
                out.add(l.strip());
            }
        }
        return out;
    }

    /**
     * Runs a Slurm command. The launcher's LD_PRELOAD (libjsig, for OpenCL drivers in the JVM) is not passed
     * on: Slurm's commands are no JVM, and with --export=ALL the job would inherit it (the script sets its own).
     */
    static Result run(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("LD_PRELOAD");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalArgumentException("--slurm: cannot run " + cmd.get(0) + " (" + e.getMessage()
                    + "); run repeat --slurm where Slurm's commands are on the PATH, or add --dry-run to see the script");
        }
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        try {
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalArgumentException("--slurm: " + cmd.get(0) + " did not answer within " + TIMEOUT_S + " s");
            }
            return new Result(p.exitValue(), out, err.get(TIMEOUT_S, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(cmd.get(0) + " interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(cmd.get(0) + ": " + e.getMessage());
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
