package io.portcullis.controllers;

import io.portcullis.registry.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Running controllers: started in the list's order, stopped in reverse by {@link #close()}. */
public final class Controllers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Controllers.class);
    private final List<AutoCloseable> running = new ArrayList<>();

    private Controllers() {}

    public static Controllers start(ObjectStore objects, List<Controller> controllers) {
        Controllers c = new Controllers();
        try {
            for (Controller controller : controllers) c.running.add(controller.start(objects));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                LOG.warn("stopping a controller: {}", e.getMessage());
            }
        }
        running.clear();
    }
}
