package org.dspn4j.experiment;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.dspn4j.model.ModelConfig;
import org.dspn4j.text.JsonErrors;
import org.dspn4j.tensor.DType;

/** A {@link ModelConfig} as a flat JSON object (stored in run.json and in checkpoints). */
public final class ModelConfigJson {
    private ModelConfigJson() {
    }

    public static Map<String, Object> toMap(ModelConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", c.task().cliName());
        m.put("decoder", c.decoder().name().toLowerCase());
        m.put("set_size", c.setSize());
        m.put("latent", c.latent());
        m.put("hidden", c.hidden());
        m.put("iters", c.iters());
        m.put("inner_lr", c.innerLr());
        m.put("lambda", c.lambda());
        m.put("hungarian_all_steps", c.hungarianAllSteps());
        m.put("mask_plus_one", c.maskPlusOne());
        m.put("float32_ratios", c.float32Ratios());
        m.put("dtype", c.dtype().name());
        return m;
    }

    public static String toJson(ModelConfig c) {
        return RunRecord.toJson(toMap(c), false);
    }

    /** Parses what {@link #toJson} wrote; a missing or malformed field is named in the error. */
    public static ModelConfig parse(String json) {
        Map<String, String> f = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("model config: expected a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                p.nextToken();
                f.put(name, p.getText());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("model config: malformed JSON: " + JsonErrors.messageOf(e), e);
        }
        try {
            ModelConfig base = ModelConfig.paper(ModelConfig.Task.parse(get(f, "task")),
                    ModelConfig.DecoderKind.parse(get(f, "decoder")));
            DType dtype;
            try {
                dtype = DType.valueOf(get(f, "dtype"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model config: dtype must be F32 or F64, got '" + f.get("dtype") + "'");
            }
            ModelConfig c = new ModelConfig(base.task(), base.decoder(), atLeast(f, "set_size", 1),
                    atLeast(f, "latent", 1), atLeast(f, "hidden", 1), atLeast(f, "iters", 0),
                    finite(f, "inner_lr"), finite(f, "lambda"), bool(f, "hungarian_all_steps"),
                    bool(f, "mask_plus_one"), bool(f, "float32_ratios"), dtype);
            if (c.dtype() != DType.F32 && c.dtype() != DType.F64) {
                throw new IllegalArgumentException("model config: dtype must be F32 or F64, got " + c.dtype());
            }
            return c;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model config: " + e.getMessage(), e);
        }
    }

    private static int atLeast(Map<String, String> f, String key, int min) {
        int v;
        try {
            v = Integer.parseInt(get(f, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model config: " + key + " must be an integer, got '" + f.get(key) + "'");
        }
        if (v < min) {
            throw new IllegalArgumentException("model config: " + key + " must be at least " + min + ", got " + v);
        }
        return v;
    }

    private static double finite(Map<String, String> f, String key) {
        double v;
        try {
            v = Double.parseDouble(get(f, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model config: " + key + " must be a number, got '" + f.get(key) + "'");
        }
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("model config: " + key + " must be finite, got " + v);
        }
        return v;
    }

    private static boolean bool(Map<String, String> f, String key) {
        String v = get(f, key);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("model config: " + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static String get(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalArgumentException("model config: missing field '" + key + "'");
        }
        return v;
    }
}
