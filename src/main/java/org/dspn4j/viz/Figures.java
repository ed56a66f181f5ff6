package org.dspn4j.viz;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import org.dspn4j.text.FileErrors;

/** What both figures share: headless set-up, fonts that may be missing, PNG output. */
final class Figures {

    static {
        // Figures never need a display; without this, an AWT call on a machine with $DISPLAY set
        // but unreachable would fail. Respect an explicit setting.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private Figures() {
    }

    /** Called by each figure's static initialiser, so that the block above has run. */
    static void init() {
    }

    /** A white ARGB image with anti-aliased graphics. Caller disposes the graphics. */
    static Graphics2D whiteCanvas(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        return g;
    }

    /** Draws {@code text} centred on {@code cx} with its baseline at {@code y}; see {@link #tryText}. */
    static boolean drawCentred(Graphics2D g, String text, double cx, double y) {
        return tryText(() -> g.drawString(text, (float) (cx - g.getFontMetrics().stringWidth(text) / 2.0), (float) y));
    }

    /** Draws {@code text} from {@code x} with its baseline at {@code y}; see {@link #tryText}. */
    static boolean drawLeft(Graphics2D g, String text, double x, double y) {
        return tryText(() -> g.drawString(text, (float) x, (float) y));
    }

    /** Draws {@code text} ending at {@code x} with its baseline at {@code y}; see {@link #tryText}. */
    static boolean drawRight(Graphics2D g, String text, double x, double y) {
        return tryText(() -> g.drawString(text, (float) (x - g.getFontMetrics().stringWidth(text)), (float) y));
    }

    /** {@code text} if the font can show every character of it, else {@code fallback}. */
    static String displayable(Font font, String text, String fallback) {
        String[] out = {fallback};
        tryText(() -> {
            if (font.canDisplayUpTo(text) == -1) {
                out[0] = text;
            }
        });
        return out[0];
    }

    /**
     * Runs a text operation. A machine without fonts (or without the JDK's font library) makes
     * AWT's text calls throw — a NullPointerException, an Error or a LinkageError depending on the
     * JDK. A figure without its labels is still worth having, so the text is then left out.
     *
     * @return false if the text could not be drawn
     */
    static boolean tryText(Runnable op) {
        try {
            op.run();
            return true;
        } catch (RuntimeException e) {
            return false;
        } catch (Error e) {
            if (e instanceof VirtualMachineError) {
                throw e; // out of memory and the like are not font problems
            }
            return false;
        }
    }

    /**
     * Writes {@code img} as PNG, creating the parent folder if needed: beside the file first, then renamed over
     * it, so that a failed write (a full disk) leaves no half-written figure and keeps the one there was. The file
     * is opened here, not by ImageIO, whose file output prints the stack trace of a file it cannot create (a
     * folder without write permission) and then fails with a message that names neither the file nor the reason.
     */
    static void writePng(BufferedImage img, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 ImageOutputStream ios = new MemoryCacheImageOutputStream(os)) {
                if (!ImageIO.write(img, "png", ios)) {
                    throw new IOException("no PNG writer available to write " + file);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            throw FileErrors.namedAs(e, tmp, file);
        } catch (IOException e) {
            // ImageIO's "I/O error writing PNG file!" wraps the reason, e.g. "No space left on device"
            IOException why = e.getCause() instanceof IOException c && c.getMessage() != null ? c : e;
            throw new IOException(file + ": " + why.getMessage(), why);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
