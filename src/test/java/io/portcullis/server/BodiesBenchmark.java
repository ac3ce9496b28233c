package io.portcullis.server;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import tools.jackson.databind.JsonNode;

/**
 * Reading a ConfigMap body that holds one string of 2.5 MiB, near the 3 MiB body limit: as JSON,
 * and as YAML in each scalar style, which a client may send to make the server spend CPU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BodiesBenchmark {
    @Param({"json", "yaml-block", "yaml-plain", "yaml-quoted"})
    public String form;

    private byte[] body;
    private boolean yaml;

    @Setup
    public void setUp() {
        String s = "y".repeat(5 << 19);
        String text = switch (form) {
            case "json" -> "{\"metadata\":{\"name\":\"a\"},\"data\":{\"a\":\"" + s + "\"}}";
            case "yaml-block" -> "metadata:\n  name: a\ndata:\n  a: |\n    " + s + "\n";
            case "yaml-plain" -> "metadata:\n  name: a\ndata:\n  a: " + s + "\n";
            case "yaml-quoted" -> "metadata:\n  name: a\ndata:\n  a: \"" + s + "\"\n";
            default -> throw new IllegalArgumentException(form);
        };
        body = text.getBytes(StandardCharsets.UTF_8);
        yaml = form.startsWith("yaml");
    }

    @Benchmark
    public JsonNode read() {
        return Bodies.tree(body, yaml, yaml ? "application/yaml" : "application/json");
    }
}
