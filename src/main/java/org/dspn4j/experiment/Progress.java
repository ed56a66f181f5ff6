package org.dspn4j.experiment;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.function.LongSupplier;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What {@code train} shows of its progress, decided in one place:
 *
 * <ul>
 *   <li><b>On a terminal</b>: a progress bar ({@code me.tongfei.progressbar}, redrawn about once a second
 *       on standard error), with the last step's {@code train_loss} and seconds.</li>
 *   <li><b>Off a terminal</b> (a log file, a pipe, {@code nohup}, a Slurm task's {@code slurm-<job>_<s>.out}):
 *       no bar and no carriage returns, which would make the log one ever-growing line, but whole lines on
 *       the run's output beside its other lines: one after the first step, then one every
 *       {@link #INTERVAL_NANOS} (60 s) and one after the last step, e.g.
 *       {@code step 1/200  epoch 0  train_loss 0.087389  0.06 s/step  elapsed 0:00:00  left 0:00:11}.
 *       A time interval keeps a log's size in proportion to the run's duration whatever the epoch length: a
 *       72-hour run writes about 4,300 such lines (0.4 MB).</li>
 *   <li><b>{@code -q}</b>: nothing.</li>
 * </ul>
 *
 * <p>Off a terminal each evaluation during training (each epoch's end, {@code --eval-every}) is a line too,
 * e.g. {@code eval step 281/2810  epoch 0  test_loss 0.021351  test_last 0.015871}: the metrics that
 * metrics.jsonl records, readable in the log while the run goes on. On a terminal the bar stays one line.
 *
 * <p>{@code s/step} is the mean of the steps' own times since the previous line (metrics.jsonl's {@code
 * seconds}); {@code elapsed} is the wall time since this invocation's first step began, evaluations and
 * checkpoints included, and {@code left} extrapolates it over the steps still to run.
 */
public final class Progress implements AutoCloseable {
    /** Off a terminal: the time between two progress lines. */
    public static final long INTERVAL_NANOS = 60_000_000_000L;

    private final PrintStream lines; // off a terminal: where the lines go; null: none
    private final ProgressBar bar; // on a terminal: the bar; null: none
    private final LongSupplier clock;
    private final long total;
    private final long from;
    private final long start;
    private long lastLine;
    private double secondsSinceLine;
    private int stepsSinceLine;

    private Progress(PrintStream lines, ProgressBar bar, LongSupplier clock, long total, long from) {
        this.lines = lines;
        this.bar = bar;
        this.clock = clock;
        this.total = total;
        this.from = from;
        this.start = clock.getAsLong();
        this.lastLine = start;
    }

    /**
     * The progress of a run of {@code total} steps that starts after step {@code from} (a resume's
     * checkpoint step, else 0).
     *
     * @param quiet    {@code -q}: show nothing
     * @param terminal draw a bar ({@link #onTerminal()}) instead of writing lines to {@code lines}
     * @param lines    where the lines go off a terminal (the run's output)
     * @param clock    nanoseconds, for the interval, elapsed and left
     * @param name     the bar's name, e.g. {@code train mnist dspn}
     */
    public static Progress of(boolean quiet, boolean terminal, PrintStream lines, LongSupplier clock, String name,
                              long total, long from) {
        if (quiet) {
            return new Progress(null, null, clock, total, from);
        }
        if (terminal) {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).continuousUpdate()
                    .startsFrom(from, java.time.Duration.ZERO).build();
            return new Progress(null, bar, clock, total, from);
        }
        return new Progress(lines, null, clock, total, from);
    }

    /**
     * Whether the output is a terminal: {@link System#console()}, which the JDK gives only when standard
     * input and output are both terminals (JDK 17-21, and 25); JDK 22-24 give one always, and tell by {@code
     * Console.isTerminal()}. A Slurm task, {@code nohup}, a pipe or a redirect to a file is no terminal.
     */
    public static boolean onTerminal() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(c);
        } catch (NoSuchMethodException e) {
            return true; // before JDK 22 a console is a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** Whether a bar is drawn (a message after it starts on a line of its own). */
    public boolean drawsBar() {
        return bar != null;
    }

    /** Step {@code step} (of epoch {@code epoch}) is done: its {@code train_loss} and its time in seconds. */
    public void step(long step, long epoch, double loss, double seconds) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.5f  %.1f s/step", loss, seconds));
        }
        if (lines == null) {
            return;
        }
        secondsSinceLine += seconds;
        stepsSinceLine++;
        long now = clock.getAsLong();
        if (step == from + 1 || step == total || now - lastLine >= INTERVAL_NANOS) {
            long elapsed = now - start;
            long left = Math.round((double) elapsed / (step - from) * (total - step));
            lines.println(String.format(Locale.ROOT, "step %d/%d  epoch %d  train_loss %.6f  %.2f s/step  elapsed %s  left %s",
                    step, total, epoch, loss, secondsSinceLine / stepsSinceLine, hms(elapsed), hms(left)));
            lines.flush();
            lastLine = now;
            secondsSinceLine = 0;
            stepsSinceLine = 0;
        }
    }

    /** An evaluation after step {@code step}: off a terminal a line with its metrics (see the class comment). */
    public void evaluated(long step, long epoch, double testLoss, double testLast) {
        if (lines == null) {
            return;
        }
        lines.println(String.format(Locale.ROOT, "eval step %d/%d  epoch %d  test_loss %.6f  test_last %.6f",
                step, total, epoch, testLoss, testLast));
        lines.flush();
    }

    /** {@code H:MM:SS}. */
    static String hms(long nanos) {
        long s = Math.max(0, nanos) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** Ends the bar (its final state stays on screen). */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
