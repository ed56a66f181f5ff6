package org.dspn4j.data.mnist;

/** The two MNIST splits, named by the prefix of their IDX files. */
public enum MnistSplit {
    /** {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}. */
    TRAIN("train"),
    /** {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}. */
    TEST("t10k");

    private final String prefix;

    MnistSplit(String prefix) {
        this.prefix = prefix;
    }

    /** {@code "train"} or {@code "t10k"}. */
    public String prefix() {
        return prefix;
    }

    /** Base name of the image file, without {@code .gz}. */
    public String imagesName() {
        return prefix + "-images-idx3-ubyte";
    }

    /** Base name of the label file, without {@code .gz}. */
    public String labelsName() {
        return prefix + "-labels-idx1-ubyte";
    }
}
