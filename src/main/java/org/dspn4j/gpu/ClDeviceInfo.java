package org.dspn4j.gpu;

import java.util.Locale;

/**
 * One OpenCL device as listed by {@link ClEngine#devices()}: what {@code dspn4j devices} prints and
 * what a {@link DeviceSelector} chooses from.
 *
 * @param index position in the listing (platforms in loader order, then devices in platform order)
 * @param platform OpenCL platform name
 * @param platformVersion OpenCL platform version string
 * @param vendor the platform's vendor (Aparapi does not expose the device vendor)
 * @param name device name
 * @param type {@code GPU}, {@code CPU}, {@code ACC} ...
 * @param computeUnits {@code CL_DEVICE_MAX_COMPUTE_UNITS}
 * @param globalMemBytes {@code CL_DEVICE_GLOBAL_MEM_SIZE}
 * @param maxAllocBytes {@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}: the largest single buffer, hence arena array
 * @param localMemBytes {@code CL_DEVICE_LOCAL_MEM_SIZE}
 * @param maxWorkGroupSize {@code CL_DEVICE_MAX_WORK_GROUP_SIZE}
 */
public record ClDeviceInfo(int index, String platform, String platformVersion, String vendor, String name,
                           String type, int computeUnits, long globalMemBytes, long maxAllocBytes,
                           long localMemBytes, int maxWorkGroupSize) {

    /** One line: {@code [0] NVIDIA H100 80GB HBM3 (GPU, NVIDIA Corporation, ...)}. */
    public String describe() {
        return String.format(Locale.ROOT, "[%d] %s (%s, %s; platform %s)", index, name, type, vendor, platform);
    }
}
