package org.dspn4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.dspn4j.cli.DevicesCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code dspn4j devices} prints every listed device, or says clearly that there is none. */
class DevicesCommandTest {

    @Test
    void listsEveryDeviceOrSaysThereIsNone() {
        StringWriter text = new StringWriter();
        int code = new CommandLine(new DevicesCommand()).setOut(new PrintWriter(text)).execute();
        String out = text.toString();
        if (SharedEngine.available()) {
            assertEquals(0, code, out);
            for (ClDeviceInfo d : ClEngine.devices()) {
                assertTrue(out.contains(d.name()), "lists " + d.name() + ":\n" + out);
                assertTrue(out.contains(d.platform()), out);
            }
            assertTrue(out.contains("--backend auto (the default): "), out);
            assertTrue(out.contains("--backend opencl without --device: [" ), out);
        } else {
            assertEquals(1, code, out);
            assertTrue(out.startsWith("No OpenCL device"), out);
        }
    }
}
