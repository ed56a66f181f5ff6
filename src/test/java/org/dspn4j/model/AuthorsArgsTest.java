package org.dspn4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.dspn4j.io.NdArray;
import org.dspn4j.io.torch.TorchCheckpoint;
import org.dspn4j.tensor.DType;
import org.dspn4j.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** The authors' args to dspn4j's model settings, and the weights' shapes checked against them. */
class AuthorsArgsTest {
    private static final Path AUTHORS = Path.of("src", "test", "resources", "torch", "authors_mnist_dspn_2019");

    /** vars(args) of the authors' CLEVR script (scripts/clevr.sh at be3703b) for clevr-state, DSPN. */
    static Map<String, Object> clevrArgs() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("name", "dspn-clevr-state-1");
        a.put("encoder", "RNFSEncoder");
        a.put("decoder", "DSPN");
        a.put("epochs", 100L);
        a.put("latent", 512L);
        a.put("dim", 512L);
        a.put("lr", 0.0003);
        a.put("dataset", "clevr-state");
        a.put("supervised", true);
        a.put("baseline", false);
        a.put("mask_feature", true);
        a.put("inner_lr", 800L); // an int in a hand-made dict reads as a number too
        a.put("iters", 10L);
        a.put("huber_repr", 0.1);
        a.put("loss", "hungarian");
        return a;
    }

    @Test
    void theAuthorsMnistArgsGiveTheirModel() throws Exception {
        AuthorsArgs.Settings s = AuthorsArgs.settings(TorchCheckpoint.read(AUTHORS).args().orElseThrow());
        ModelConfig c = s.config();
        assertEquals(new ModelConfig(ModelConfig.Task.MNIST, ModelConfig.DecoderKind.DSPN, 342, 8, 16, 10, 800.0, 1.0, false, false,
                true, DType.F32), c);
        assertEquals(List.of(), s.notes());
    }

    @Test
    void clevrArgsAndBaselines() {
        ModelConfig c = AuthorsArgs.settings(clevrArgs()).config();
        assertEquals(new ModelConfig(ModelConfig.Task.CLEVR_STATE, ModelConfig.DecoderKind.DSPN, 10, 512, 512, 10, 800.0, 0.1, false,
                false, true, DType.F32), c);
        Map<String, Object> box = clevrArgs();
        box.put("dataset", "clevr-box");
        box.put("decoder", "MLPDecoder");
        box.put("baseline", true);
        AuthorsArgs.Settings s = AuthorsArgs.settings(box);
        assertEquals(ModelConfig.Task.CLEVR_BOX, s.config().task());
        assertEquals(ModelConfig.DecoderKind.MLP, s.config().decoder());
        assertEquals(List.of(), s.notes());
        box.put("decoder", "RNNDecoder");
        assertEquals(ModelConfig.DecoderKind.RNN, AuthorsArgs.settings(box).config().decoder());
    }

    @Test
    void settingsDspn4jCannotFollowAreErrorsNamingTheArgument() {
        Object[][] cases = {
            {"dataset", "omniglot", "args.dataset 'omniglot'"},
            {"encoder", "FSEncoderSized", "args.encoder 'FSEncoderSized' with dataset clevr-state: dspn4j builds RNFSEncoder"},
            {"decoder", "Transformer", "args.decoder 'Transformer'"},
            {"dim", "wide", "args.dim is wide, not an integer"},
            {"latent", 0L, "args.latent is 0, not a positive size"},
            {"iters", -1L, "args.iters is -1"},
            {"inner_lr", "fast", "args.inner_lr is fast, not a number"},
        };
        for (Object[] c : cases) {
            Map<String, Object> a = clevrArgs();
            a.put((String) c[0], c[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuthorsArgs.settings(a));
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
        }
        Map<String, Object> a = clevrArgs();
        a.remove("huber_repr");
        assertEquals("args has no 'huber_repr'", assertThrows(IllegalArgumentException.class, () -> AuthorsArgs.settings(a)).getMessage());
    }

    @Test
    void differencesThatKeepTheModelAreNotes() {
        Map<String, Object> a = clevrArgs();
        a.put("loss", "chamfer");
        a.put("mask_feature", false);
        a.put("baseline", true);
        List<String> notes = AuthorsArgs.settings(a).notes();
        assertEquals(3, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("args.loss is 'chamfer': dspn4j's clevr-state loss is hungarian"), notes.get(0));
        assertTrue(notes.get(1).startsWith("args.mask_feature is False"), notes.get(1));
        assertTrue(notes.get(2).contains("this run did not add the representation loss; dspn4j adds it"), notes.get(2));
    }

    @Test
    void theAuthorsWeightsFitTheirArgsAndADifferentSizeIsNamedWithBothShapes() throws Exception {
        TorchCheckpoint ckpt = TorchCheckpoint.read(AUTHORS);
        Map<String, NdArray> w = ckpt.weights();
        ModelConfig c = AuthorsArgs.settings(ckpt.args().orElseThrow()).config();
        try (CpuBackend be = new CpuBackend(1)) {
            WeightShapes.check(be, c, w); // fits
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightShapes.check(be, c.withSizes(8, 32), w));
            String m = e.getMessage();
            assertTrue(m.startsWith("weights do not fit the mnist dspn model (hidden 32, latent 8, N 342): wrong shape "
                    + "set_encoder.conv.0.weight expected (32, 3, 1), found (16, 3, 1)"), m);
            assertTrue(m.contains("set_decoder.encoder.conv.2.weight expected (32, 32, 1), found (16, 16, 1)"), m);
            assertTrue(!m.contains("\n"), m);

            Map<String, NdArray> bad = new LinkedHashMap<>(w);
            bad.remove("set_decoder.starting_mask");
            bad.put("set_decoder.extra", NdArray.of(new float[1], 1));
            bad.put("set_decoder.encoder.pool.weight", NdArray.of(new float[8 * 21], 8, 21));
            String m2 = assertThrows(IllegalArgumentException.class, () -> WeightShapes.check(be, c, bad)).getMessage();
            assertTrue(m2.contains("missing set_decoder.starting_mask"), m2);
            assertTrue(m2.contains("unknown set_decoder.extra"), m2);
            assertTrue(m2.contains("inconsistent set_decoder.encoder.pool.weight differs from set_encoder.pool.weight"), m2);

            // DSPN's second name of the encoder may be absent
            Map<String, NdArray> single = new LinkedHashMap<>(w);
            single.keySet().removeIf(k -> k.startsWith("set_decoder.encoder."));
            WeightShapes.check(be, c, single);
            // a baseline does not take DSPN's parameters
            String m3 = assertThrows(IllegalArgumentException.class,
                    () -> WeightShapes.check(be, c.withDecoder(ModelConfig.DecoderKind.MLP), w)).getMessage();
            assertTrue(m3.contains("unknown set_decoder.starting_set"), m3);
        }
    }
}
