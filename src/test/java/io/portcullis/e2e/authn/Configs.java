package io.portcullis.e2e.authn;

import io.portcullis.server.ServerConfig;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Copies of a {@link ServerConfig} with some flags changed, named as the record's components. */
final class Configs {
    private Configs() {}

    /** {@code with(base, "clientCaFile", path, "anonymousAuth", false)}: the base with those components replaced. */
    static ServerConfig with(ServerConfig base, Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("names and values must come in pairs");
        Map<String, Object> changes = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) changes.put((String) namesAndValues[i], namesAndValues[i + 1]);
        RecordComponent[] components = ServerConfig.class.getRecordComponents();
        Object[] values = new Object[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                String name = components[i].getName();
                values[i] = changes.containsKey(name) ? changes.remove(name) : components[i].getAccessor().invoke(base);
            }
            if (!changes.isEmpty()) throw new IllegalArgumentException("ServerConfig has no component " + changes.keySet());
            Constructor<ServerConfig> canonical = ServerConfig.class.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            return canonical.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy ServerConfig: " + e, e);
        }
    }
}
