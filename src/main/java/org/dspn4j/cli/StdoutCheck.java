package org.dspn4j.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Standard output that remembers its first failed write. Java's {@link PrintStream} swallows write errors, so a
 * command whose output went to a full disk ({@code eval … > results.txt}) ended with exit code 0 and a cut or empty
 * file; {@link #finish} turns such a failure into one line and exit code 2. A closed pipe ({@code … | head}) is not
 * a failure: the reader took what it wanted, as with any Unix tool.
 */
final class StdoutCheck extends FilterOutputStream {
    private volatile IOException failure;

    private StdoutCheck(OutputStream out) {
        super(out);
    }

    /** Replaces {@code System.out} (same encoding, flushed at each line) with one whose failures are remembered. */
    static StdoutCheck install() {
        StdoutCheck check = new StdoutCheck(new FileOutputStream(FileDescriptor.out));
        String enc = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        Charset cs;
        try {
            cs = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
        } catch (RuntimeException e) {
            cs = Charset.defaultCharset();
        }
        System.setOut(new PrintStream(new java.io.BufferedOutputStream(check, 8192), true, cs));
        return check;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw remember(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw remember(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw remember(e);
        }
    }

    private IOException remember(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /** The exit code: {@code rc}, or 2 (with one line on {@code err}) when a write to standard output failed. */
    int finish(int rc, PrintStream err) {
        System.out.flush();
        IOException f = failure;
        if (f == null || String.valueOf(f.getMessage()).contains("Broken pipe")) {
            return rc;
        }
        err.println("dspn4j: standard output: " + (f.getMessage() == null ? f.getClass().getSimpleName() : f.getMessage())
                + "; what the command printed there is incomplete");
        err.flush();
        return rc == 0 ? Main.BAD_INPUT : rc;
    }

    /** For tests: the remembered failure of {@code out} written through this filter. */
    static StdoutCheck over(OutputStream out) {
        return new StdoutCheck(out);
    }
}
