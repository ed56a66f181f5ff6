package org.dspn4j.experiment;

import java.util.List;

import org.dspn4j.autodiff.Autograd;
import org.dspn4j.model.Net;
import org.dspn4j.optim.Adam;
import org.dspn4j.tensor.Tensor;

/**
 * One optimisation step of the outer problem, as the authors' training loop ({@code dspn/train.py:main}, inside
 * {@code run}, at be3703b): forward (the DSPN
 * inner loop with createGraph), the outer loss, its gradient with respect to every parameter
 * (second order through the inner steps), and an Adam update.
 *
 * <p>A parameter the loss does not reach ({@code RNFSEncoder}'s unused {@code lin}) gets a zero
 * gradient, where PyTorch leaves its {@code grad} None and Adam skips it; its moments then stay 0 and
 * Adam's update leaves it unchanged, as there.
 */
public final class TrainStep {
    private final Net net;
    private final Adam adam;

    public TrainStep(Net net, Adam adam) {
        this.net = net;
        this.adam = adam;
    }

    /** The losses of one step, as plain numbers. */
    public record Result(double loss, double last, double[] setLossPerStep) {
    }

    /**
     * @param images     (B, 3, H, W) or null for MNIST
     * @param targetSet  (B, C, N)
     * @param targetMask (B, N)
     */
    public Result run(Tensor images, Tensor targetSet, Tensor targetMask) {
        net.train(true);
        Net.Output out = net.forward(images, targetSet, targetMask);
        Net.Loss loss = net.loss(out, targetSet, targetMask);
        List<Tensor> params = net.parameterValues();
        // the graph is not differentiated again: free each rule's saved tensors as the backward passes it
        Tensor[] grads = Autograd.grad(loss.total(), params.toArray(new Tensor[0]), false, false);
        adam.step(grads);
        return new Result(loss.total().item(), loss.last().item(), values(loss.setLoss()));
    }

    /** The losses of one batch in evaluation mode (no parameter update). */
    public static Result evaluate(Net net, Tensor images, Tensor targetSet, Tensor targetMask) {
        net.train(false);
        try (Autograd.Scope s = Autograd.noGrad()) {
            Net.Output out = net.forward(images, targetSet, targetMask);
            Net.Loss loss = net.loss(out, targetSet, targetMask);
            return new Result(loss.total().item(), loss.last().item(), values(loss.setLoss()));
        } finally {
            net.train(true);
        }
    }

    private static double[] values(List<Tensor> ts) {
        double[] d = new double[ts.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ts.get(i).item();
        }
        return d;
    }
}
