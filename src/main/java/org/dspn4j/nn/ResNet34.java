package org.dspn4j.nn;

import static org.dspn4j.autodiff.Ops.relu;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * The ResNet34 trunk as the authors take it from torchvision: {@code resnet34()} without
 * {@code avgpool} and {@code fc}, wrapped in an {@code nn.Sequential}
 * ({@code dspn/model.py:ConvEncoder} at be3703b; docs/reference-behaviour.md §4). Not pretrained.
 *
 * <pre>
 *   index  module                                  output for a (B, 3, 128, 128) input
 *   0      conv 3→64, 7×7, stride 2, padding 3     (B,  64, 64, 64)
 *   1      batch norm (64)
 *   2      ReLU (no state)
 *   3      max-pool 3×3, stride 2, padding 1       (B,  64, 32, 32)
 *   4      layer1: 3 BasicBlocks,  64 channels     (B,  64, 32, 32)
 *   5      layer2: 4 BasicBlocks, 128 channels     (B, 128, 16, 16)   first block stride 2 + downsample
 *   6      layer3: 6 BasicBlocks, 256 channels     (B, 256,  8,  8)   first block stride 2 + downsample
 *   7      layer4: 3 BasicBlocks, 512 channels     (B, 512,  4,  4)   first block stride 2 + downsample
 * </pre>
 * Each stride-2 stage maps a side of n to ⌈n/2⌉, so the output side is ⌈H/32⌉. Convolutions have no
 * bias; initialisation is Xavier-uniform for every convolution (the authors' re-initialisation,
 * {@code dspn/model.py:Net.__init__}) and 1/0 for batch norm.
 *
 * <p>State names (relative to this module): {@code 0.weight}, {@code 1.*}, {@code 4.0.conv1.weight},
 * …, {@code 5.0.downsample.0.weight}, {@code 5.0.downsample.1.*}, … — torchvision's names with
 * {@code conv1/bn1/layer1..4} replaced by the Sequential indices, as in the authors' checkpoints.
 */
public final class ResNet34 extends Module {
    /** Blocks per stage. */
    public static final int[] BLOCKS = {3, 4, 6, 3};
    /** Channels per stage. */
    public static final int[] WIDTHS = {64, 128, 256, 512};
    /** Output channels of the trunk. */
    public static final int OUT_CHANNELS = 512;

    private final Conv2d stem;
    private final BatchNorm2d stemBn;
    private final MaxPool2d pool;
    private final List<List<BasicBlock>> stages = new ArrayList<>();

    /** Builds the trunk, drawing every convolution weight from {@code rng} in state_dict order. */
    public ResNet34(Backend be, DType dt, RandomGenerator rng) {
        stem = child("0", new Conv2d(be, dt, rng, 3, 64, 7, 2, 3, false));
        stemBn = child("1", new BatchNorm2d(be, dt, 64));
        pool = child("3", new MaxPool2d(3, 2, 1));
        int in = 64;
        for (int s = 0; s < BLOCKS.length; s++) {
            Container stage = child(Integer.toString(4 + s), new Container());
            List<BasicBlock> blocks = new ArrayList<>();
            for (int b = 0; b < BLOCKS[s]; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                blocks.add(stage.add(Integer.toString(b), new BasicBlock(be, dt, rng, in, WIDTHS[s], stride)));
                in = WIDTHS[s];
            }
            stages.add(blocks);
        }
    }

    /** @param x (B, 3, H, W) @return (B, 512, ⌈H/32⌉, ⌈W/32⌉) */
    public Tensor forward(Tensor x) {
        List<Tensor> all = forwardAll(x);
        return all.get(all.size() - 1);
    }

    /**
     * The output of each of the eight Sequential entries, in order: [0] stem conv (B, 64, H/2, W/2),
     * [1] batch norm, [2] ReLU, [3] max-pool (B, 64, H/4, W/4), [4..7] layer1..layer4 (sides rounded
     * up). For tests and inspection; {@link #forward} is the last entry.
     */
    public List<Tensor> forwardAll(Tensor x) {
        if (x.rank() != 4 || x.size(1) != 3) {
            throw new IllegalArgumentException("ResNet34: expected images (B, 3, H, W), got " + Shape.str(x.shape()));
        }
        List<Tensor> out = new ArrayList<>(8);
        Tensor y = stem.forward(x);
        out.add(y);
        y = stemBn.forward(y);
        out.add(y);
        y = relu(y);
        out.add(y);
        y = pool.forward(y);
        out.add(y);
        for (List<BasicBlock> stage : stages) {
            for (BasicBlock b : stage) {
                y = b.forward(y);
            }
            out.add(y);
        }
        return out;
    }
}
