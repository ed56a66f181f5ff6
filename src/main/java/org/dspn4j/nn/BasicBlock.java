package org.dspn4j.nn;

import static org.dspn4j.autodiff.Ops.add;
import static org.dspn4j.autodiff.Ops.relu;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Tensor;

/**
 * torchvision's ResNet {@code BasicBlock} (He et al. 2016, expansion 1; docs/reference-behaviour.md
 * §4):
 * y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), where conv1 is 3×3 with the block's
 * stride, conv2 is 3×3 with stride 1 (both padding 1, no bias), and the shortcut is the identity,
 * or {@code downsample} = 1×1 convolution with the block's stride (no bias) + batch norm when the
 * stride is not 1 or the channel count changes.
 *
 * <p>State names: {@code conv1.weight} (out, in, 3, 3), {@code bn1.*}, {@code conv2.weight}
 * (out, out, 3, 3), {@code bn2.*}, and with a projection shortcut {@code downsample.0.weight}
 * (out, in, 1, 1), {@code downsample.1.*}.
 */
public final class BasicBlock extends Module {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d downConv;
    private final BatchNorm2d downBn;

    /**
     * @param in     input channels
     * @param out    output channels
     * @param stride 1, or 2 at the first block of stages 2–4
     */
    public BasicBlock(Backend be, DType dt, RandomGenerator rng, int in, int out, int stride) {
        conv1 = child("conv1", new Conv2d(be, dt, rng, in, out, 3, stride, 1, false));
        bn1 = child("bn1", new BatchNorm2d(be, dt, out));
        conv2 = child("conv2", new Conv2d(be, dt, rng, out, out, 3, 1, 1, false));
        bn2 = child("bn2", new BatchNorm2d(be, dt, out));
        if (stride != 1 || in != out) {
            Container down = child("downsample", new Container());
            downConv = down.add("0", new Conv2d(be, dt, rng, in, out, 1, stride, 0, false));
            downBn = down.add("1", new BatchNorm2d(be, dt, out));
        } else {
            downConv = null;
            downBn = null;
        }
    }

    /** @param x (B, in, H, W) @return (B, out, Ho, Wo), Ho = ⌈H / stride⌉ */
    public Tensor forward(Tensor x) {
        Tensor y = relu(bn1.forward(conv1.forward(x)));
        y = bn2.forward(conv2.forward(y));
        Tensor shortcut = downConv == null ? x : downBn.forward(downConv.forward(x));
        return relu(add(y, shortcut));
    }

    /** Whether the shortcut is a projection ({@code downsample}) rather than the identity. */
    public boolean hasDownsample() {
        return downConv != null;
    }
}
