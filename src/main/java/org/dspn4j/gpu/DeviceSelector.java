package org.dspn4j.gpu;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which OpenCL device {@link ClEngine#open} uses: the automatic choice, a listing index, or a
 * case-insensitive substring of the device name. Indexes are those printed by {@code dspn4j devices}.
 */
public final class DeviceSelector {

    private final int index;          // >= 0: by index
    private final String nameFragment; // non-null: by name

    private DeviceSelector(int index, String nameFragment) {
        this.index = index;
        this.nameFragment = nameFragment;
    }

    /** The first GPU, else the first accelerator, else the first device of any kind. */
    public static DeviceSelector auto() {
        return new DeviceSelector(-1, null);
    }

    /** The device at this position of {@link ClEngine#devices()}. */
    public static DeviceSelector index(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
        return new DeviceSelector(index, null);
    }

    /**
     * The device whose name contains this text, ignoring case; {@link #choose} refuses a text that
     * two devices' names contain (e.g. {@code intel} for PoCL on a Xeon and an Intel GPU), so that
     * the listing order never decides.
     */
    public static DeviceSelector nameContains(String fragment) {
        Objects.requireNonNull(fragment, "fragment");
        if (fragment.isBlank()) {
            throw new IllegalArgumentException("device name fragment is blank");
        }
        return new DeviceSelector(-1, fragment);
    }

    /**
     * Parses a command-line choice: empty, {@code null} or {@code auto} for {@link #auto()}, an
     * integer for {@link #index(int)} (a negative or too large one refused), anything else for
     * {@link #nameContains(String)}.
     */
    public static DeviceSelector parse(String text) {
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("auto")) {
            return auto();
        }
        String t = text.trim();
        String digits = t.startsWith("-") ? t.substring(1) : t;
        if (!digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long value;
            try {
                value = Long.parseLong(t);
            } catch (NumberFormatException e) {
                value = t.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            if (value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("device index " + t + " is past any listing (dspn4j devices lists "
                        + "the indexes)");
            }
            return index((int) Math.max(value, Integer.MIN_VALUE));
        }
        return nameContains(t);
    }

    /**
     * Picks a device from a listing.
     *
     * @return the chosen entry
     * @throws IllegalStateException when nothing matches, or a name fragment matches several
     *     devices; the message lists them
     */
    public ClDeviceInfo choose(List<ClDeviceInfo> devices) {
        if (devices.isEmpty()) {
            throw new IllegalStateException("no OpenCL device found (no platform, or platforms without devices); "
                    + "install an OpenCL driver (e.g. Debian's pocl-opencl-icd) or see gpu-config/README.md");
        }
        if (index >= 0) {
            if (index < devices.size()) {
                return devices.get(index);
            }
            throw new IllegalStateException("no OpenCL device with index " + index + "; devices: " + listing(devices));
        }
        if (nameFragment != null) {
            String f = nameFragment.toLowerCase(Locale.ROOT);
            List<ClDeviceInfo> matches = devices.stream()
                    .filter(d -> d.name().toLowerCase(Locale.ROOT).contains(f)).toList();
            if (matches.size() == 1) {
                return matches.get(0);
            }
            if (matches.isEmpty()) {
                throw new IllegalStateException("no OpenCL device whose name contains '" + nameFragment + "'; devices: "
                        + listing(devices));
            }
            throw new IllegalStateException(matches.size() + " OpenCL devices have a name containing '" + nameFragment
                    + "': " + listing(matches) + "; name one by its index");
        }
        for (String type : List.of("GPU", "ACC")) {
            for (ClDeviceInfo d : devices) {
                if (d.type().equals(type)) {
                    return d;
                }
            }
        }
        return devices.get(0);
    }

    /** The device this selector picks from a listing, as one line ({@link ClDeviceInfo#describe()}). */
    public String describe(List<ClDeviceInfo> devices) {
        return choose(devices).describe();
    }

    private static String listing(List<ClDeviceInfo> devices) {
        StringBuilder b = new StringBuilder();
        for (ClDeviceInfo d : devices) {
            b.append(b.length() == 0 ? "" : "; ").append(d.describe());
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return index >= 0 ? "device index " + index
                : nameFragment != null ? "device name containing '" + nameFragment + "'" : "automatic device choice";
    }
}
