package org.dspn4j.experiment;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.dspn4j.model.ModelConfig;
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
            throw new IllegalArgumentException("model config: malformed JSON: " + e.getMessage(), e);
        }
        try {
            ModelConfig base = ModelConfig.paper(ModelConfig.Task.parse(get(f, "task")),
                    ModelConfig.DecoderKind.parse(get(f, "decoder")));
            return new ModelConfig(base.task(), base.decoder(), Integer.parseInt(get(f, "set_size")),
                    Integer.parseInt(get(f, "latent")), Integer.parseInt(get(f, "hidden")),
                    Integer.parseInt(get(f, "iters")), Double.parseDouble(get(f, "inner_lr")),
                    Double.parseDouble(get(f, "lambda")), Boolean.parseBoolean(get(f, "hungarian_all_steps")),
                    Boolean.parseBoolean(get(f, "mask_plus_one")), Boolean.parseBoolean(get(f, "float32_ratios")),
                    DType.valueOf(get(f, "dtype")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model config: " + e.getMessage(), e);
        }
    }

    private static String get(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalArgumentException("model config: missing field '" + key + "'");
        }
        return v;
    }
}
