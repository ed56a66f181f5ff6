package org.dspn4j.model;

import static org.dspn4j.autodiff.Ops.reshape;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.math3.random.RandomGenerator;
import org.dspn4j.nn.BatchNorm2d;
import org.dspn4j.nn.Container;
import org.dspn4j.nn.Conv2d;
import org.dspn4j.nn.Module;
import org.dspn4j.nn.ResNet34;
import org.dspn4j.tensor.Backend;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.Shape;
import org.dspn4j.tensor.Tensor;

/**
 * The CLEVR image encoder (the authors' {@code dspn/model.py:ConvEncoder} at be3703b;
 * docs/reference-behaviour.md §4): a ResNet34 trunk (not pretrained) followed by a small head that
 * reduces the 4×4 map of a 128×128 image to one D-vector.
 *
 * <pre>
 *   layers  ResNet34 up to layer4        (B, 3, 128, 128) → (B, 512, 4, 4)
 *   end.0   conv 512→512, 3×3, stride 2, padding 1, bias   → (B, 512, 2, 2)
 *   end.1   batch norm (512)                                → (B, 512, 2, 2)
 *   end.2   conv 512→D, 2×2, bias                           → (B, D, 1, 1) → reshaped to (B, D)
 * </pre>
 * NOTE: there is no ReLU in the head, as in the authors' code. The input images are
 * RGB in [0, 1] without mean/std normalisation. Any side from 97 to 128 pixels gives the 4×4 map,
 * and any side from 65 to 96 gives 3×3; both reach 1×1 (other sizes are rejected, since the authors'
 * flattening would then not give D features).
 *
 * <p>In training mode the batch norms use batch statistics, so {@code end.0.bias} — a constant
 * shift right before a training-mode batch norm — has a gradient that is mathematically zero
 * (docs/reference-behaviour.md §9).
 *
 * <p>State names (the authors' state_dict under {@code input_encoder.}): {@code layers.*} as in
 * {@link ResNet34}, {@code end.0.weight} (512, 512, 3, 3), {@code end.0.bias} (512), {@code end.1.*}
 * (512 each; {@code num_batches_tracked} ()), {@code end.2.weight} (D, 512, 2, 2), {@code end.2.bias} (D).
 */
public final class ConvEncoder extends Module implements ImageEncoder {
    private final ResNet34 layers;
    private final Conv2d end0;
    private final BatchNorm2d end1;
    private final Conv2d end2;
    private final int latent;

    /**
     * Builds the encoder, drawing every convolution weight from {@code rng} in state_dict order
     * (Xavier-uniform, as the authors' {@code dspn/model.py:Net.__init__};
     * docs/reference-behaviour.md §4).
     *
     * @param latent D (512 in the authors' CLEVR scripts)
     */
    public ConvEncoder(Backend be, DType dt, RandomGenerator rng, int latent) {
        if (latent < 1) {
            throw new IllegalArgumentException("ConvEncoder: latent size must be positive, got " + latent);
        }
        this.latent = latent;
        layers = child("layers", new ResNet34(be, dt, rng));
        Container end = child("end", new Container());
        end0 = end.add("0", new Conv2d(be, dt, rng, ResNet34.OUT_CHANNELS, 512, 3, 2, 1, true));
        end1 = end.add("1", new BatchNorm2d(be, dt, 512));
        end2 = end.add("2", new Conv2d(be, dt, rng, 512, latent, 2, 1, 0, true));
    }

    /**
     * @param images (B, 3, H, W), values in [0, 1]; H and W between 65 and 128
     * @return (B, D)
     */
    @Override
    public Tensor encode(Tensor images) {
        List<Tensor> all = activations(images);
        return reshape(all.get(all.size() - 1), images.size(0), latent);
    }

    /**
     * Every intermediate output, for tests and inspection: the eight trunk entries
     * {@code layers.0 … layers.7} (see {@link ResNet34#forwardAll}), then {@code end.0} (B, 512, 2, 2),
     * {@code end.1} (B, 512, 2, 2) and {@code end.2} (B, D, 1, 1). In training mode this updates the
     * batch-norm running statistics, like {@link #encode}.
     *
     * @param images (B, 3, H, W)
     */
    public List<Tensor> activations(Tensor images) {
        if (images.rank() != 4 || images.size(1) != 3) {
            throw new IllegalArgumentException("ConvEncoder: expected images (B, 3, H, W), got " + Shape.str(images.shape()));
        }
        int h = images.size(2);
        int w = images.size(3);
        if (h < 65 || h > 128 || w < 65 || w > 128) {
            throw new IllegalArgumentException("ConvEncoder: images " + Shape.str(images.shape())
                    + " must have sides between 65 and 128 so the head reaches 1×1 (the authors use 128×128)");
        }
        List<Tensor> out = new ArrayList<>(layers.forwardAll(images));
        Tensor y = end0.forward(out.get(out.size() - 1));
        out.add(y);
        y = end1.forward(y);
        out.add(y);
        out.add(end2.forward(y));
        return out;
    }

    /** D. */
    public int latent() {
        return latent;
    }

    /** The ResNet34 trunk ({@code layers}). */
    public ResNet34 trunk() {
        return layers;
    }
}
