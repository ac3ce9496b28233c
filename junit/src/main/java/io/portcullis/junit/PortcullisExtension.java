package io.portcullis.junit;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * What {@link Portcullis} registers: starts (or, shared, finds) the server before the class's first
 * test, resets it after each test, stops it with the class (shared: with the run), and resolves
 * the parameters {@link Portcullis} lists, and before each test sets the test instance's fields of
 * those types that are still null. Clients it made for a test are closed after that test.
 */
public final class PortcullisExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PortcullisExtension.class);
    private static final String SERVER = "server";

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        if (store.get(SERVER) != null) return;   // a @Nested class: its enclosing class's server (the store looks there too)
        Portcullis settings = settings(context);
        if (settings.shared()) {
            String key = SERVER + " " + String.join(" ", settings.flags());
            Running shared = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> new Running(PortcullisServer.start(settings.flags())),
                    Running.class);
            shared.server.reset();   // what an earlier class left
            store.put(SERVER, new Borrowed(shared.server));
        } else {
            store.put(SERVER, new Running(PortcullisServer.start(settings.flags())));
        }
    }

    /** Fields, as parameters: set anew for each test (a reset removed the ServiceAccounts behind the last test's clients). */
    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Field f : ReflectionSupport.findFields(instance.getClass(), f -> !Modifier.isStatic(f.getModifiers()) && injectable(f.getType(), f),
                    HierarchyTraversalMode.TOP_DOWN)) {
                f.setAccessible(true);
                if (f.get(instance) == null || context.getStore(NAMESPACE).get(f) != null) {
                    f.set(instance, resolve(f.getType(), f, context));
                    context.getParent().orElse(context).getStore(NAMESPACE).put(f, Boolean.TRUE);   // ours: replaced for the next test
                }
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (settings(context).reset()) server(context).reset();
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
        return injectable(p.getParameter().getType(), p.getParameter());
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext context) {
        try {
            return resolve(p.getParameter().getType(), p.getParameter(), context);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot resolve " + p.getParameter() + ": " + e.getMessage(), e);
        }
    }

    private static boolean injectable(Class<?> type, AnnotatedElement element) {
        return type == PortcullisServer.class || Clients.supports(type) || (type == Path.class && element.isAnnotationPresent(Kubeconfig.class));
    }

    private static Object resolve(Class<?> type, AnnotatedElement element, ExtensionContext context) {
        PortcullisServer server = server(context);
        if (type == PortcullisServer.class) return server;
        Path kubeconfig = kubeconfig(server, element);
        if (type == Path.class) return kubeconfig;
        Object client = Clients.of(type, kubeconfig);
        if (client instanceof AutoCloseable c) context.getStore(NAMESPACE).put(new Object(), new Closing(c));
        return client;
    }

    /** The admin's kubeconfig, or that of the identity the element names with {@link AsUser} or {@link AsServiceAccount}. */
    static Path kubeconfig(PortcullisServer server, AnnotatedElement element) {
        Optional<AsUser> user = AnnotationSupport.findAnnotation(element, AsUser.class);
        Optional<AsServiceAccount> sa = AnnotationSupport.findAnnotation(element, AsServiceAccount.class);
        if (user.isPresent() && sa.isPresent()) throw new IllegalArgumentException("@AsUser and @AsServiceAccount together: choose one");
        if (user.isPresent()) return server.kubeconfigAsUser(user.get().value(), user.get().groups());
        if (sa.isPresent()) return server.kubeconfigAsServiceAccount(sa.get().value());
        return server.kubeconfig();
    }

    private static Portcullis settings(ExtensionContext context) {
        for (Optional<Class<?>> c = context.getTestClass(); c.isPresent(); c = Optional.ofNullable(c.get().getEnclosingClass())) {
            Optional<Portcullis> found = AnnotationSupport.findAnnotation(c.get(), Portcullis.class);
            if (found.isPresent()) return found.get();
        }
        throw new ExtensionConfigurationException(PortcullisExtension.class.getSimpleName() + " is registered without @"
                + Portcullis.class.getSimpleName() + " on " + context.getTestClass().map(Class::getName).orElse("the test class")
                + ": annotate the class @Portcullis instead");
    }

    private static PortcullisServer server(ExtensionContext context) {
        Object held = context.getStore(NAMESPACE).get(SERVER);
        if (held instanceof Running r) return r.server;
        if (held instanceof Borrowed b) return b.server;
        throw new ExtensionConfigurationException("no Portcullis server for " + context.getUniqueId()
                + ": a static @BeforeAll or a constructor runs before it starts; take PortcullisServer as a test method's parameter");
    }

    /** A server this store owns: stopped when the store closes (the class's, or the run's). */
    @SuppressWarnings("deprecation")
    private record Running(PortcullisServer server) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            server.close();
        }
    }

    /** A shared server, seen from one class: its store closing leaves it running. */
    private record Borrowed(PortcullisServer server) {}

    @SuppressWarnings("deprecation")
    private record Closing(AutoCloseable resource) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Exception {
            resource.close();
        }
    }
}
