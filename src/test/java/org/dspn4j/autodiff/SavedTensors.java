package org.dspn4j.autodiff;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.dspn4j.tensor.Tensor;

/**
 * A measuring aid (used by {@code org.dspn4j.bench.GraphLiveSet}, not by the tests): the tensor data
 * that the backward rules of the graph behind a tensor keep alive, by op. It reads the tensors a rule
 * captured through reflection on the rule object; a storage kept by several rules is counted once,
 * under the first op met walking back from the output. It also gives what G1's region rounding adds:
 * an array of half a region or more is "humongous" and takes whole regions.
 */
public final class SavedTensors {
    private SavedTensors() {
    }

    public static String report(Tensor output) throws IllegalAccessException {
        Map<String, long[]> byOp = new TreeMap<>();
        Set<Object> storages = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        Node root = Node.of(output);
        stack.push(root);
        seen.add(root);
        long region = Long.parseLong(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("G1HeapRegionSize").getValue());
        long total = 0;
        long rounding = 0;
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (!n.isLeaf()) {
                for (Field f : n.rule.getClass().getDeclaredFields()) {
                    f.setAccessible(true);
                    if (f.get(n.rule) instanceof Tensor t && storages.add(t.storage())) {
                        long bytes = (long) t.numel() * (t.storage() instanceof float[] ? 4 : 8); // CpuBackend: float[] for F32, double[] otherwise
                        long[] e = byOp.computeIfAbsent(n.op, k -> new long[2]);
                        e[0] += bytes;
                        e[1]++;
                        total += bytes;
                        long object = bytes + 16; // array header
                        rounding += object >= region / 2 ? (object + region - 1) / region * region - bytes : 0;
                    }
                }
            }
            for (Node p : n.inputs) {
                if (p != null && seen.add(p)) {
                    stack.push(p);
                }
            }
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "graph: %d nodes, saved tensor data %.1f MB (+ %.1f MB rounding up to whole %d MiB G1 regions)%n",
                seen.size(), total / 1e6, rounding / 1e6, region >> 20));
        byOp.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0])).forEach(e -> b.append(
                String.format(Locale.ROOT, "  %-14s %7.1f MB in %d tensors%n", e.getKey(), e.getValue()[0] / 1e6, e.getValue()[1])));
        return b.toString();
    }
}
