package io.portcullis.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fast run ({@code -DexcludedGroups=e2e}) never starts a server: only {@link TestServer} calls
 * {@code Server.start} (besides the benchmarks' main methods), and it refuses a class that is not
 * {@link EndToEnd}.
 */
class EndToEndTagTest {
    /**
     * Server.start's name and descriptor, as they stand in the constant pool of every class that
     * calls it; built from the classes so that this test's own constant pool does not hold the descriptor.
     */
    static final List<String> SERVER_START = List.of("start",
            "(" + descriptor(ServerConfig.class) + ")" + descriptor(Server.class));

    static String descriptor(Class<?> c) {
        return "L" + c.getName().replace('.', '/') + ";";
    }

    @Test
    void onlyTheFixtureAndBenchmarkMainsStartAServer() throws Exception {
        Path classes = Path.of(TestServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> starters = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String constants = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                if (!SERVER_START.stream().allMatch(constants::contains)) continue;
                String name = classes.relativize(file).toString().replace(".class", "").replace('/', '.');
                if (!isBenchmarkMain(Class.forName(name, false, getClass().getClassLoader()))) starters.add(name);
            }
        }
        assertThat(starters).as("classes that call Server.start").containsExactly(TestServer.class.getName());
    }

    static boolean isBenchmarkMain(Class<?> c) {
        try {
            return Modifier.isStatic(c.getMethod("main", String[].class).getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    @Test
    void theFixtureRefusesAClassThatIsNotEndToEnd() {
        ExtensionContext untagged = (ExtensionContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ExtensionContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getTags" -> Set.of();
                    case "getRequiredTestClass" -> EndToEndTagTest.class;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        assertThatThrownBy(() -> TestServer.embedded().beforeAll(untagged))
                .hasMessage(EndToEndTagTest.class.getName() + " starts a server: annotate it @EndToEnd, so that the fast run "
                        + "(-DexcludedGroups=e2e) leaves it out");
    }
}
