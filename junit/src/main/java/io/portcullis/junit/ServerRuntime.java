package io.portcullis.junit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The server's classes and jars (packed by portcullis-junit-server under {@code META-INF/portcullis/})
 * in one class loader whose parent is the platform class loader: the server sees the JDK and its
 * own jars, nothing of the test's class path. Made once per JVM, so a second server loads nothing anew.
 * From a jar, the packed files are extracted once into the temporary directory, under a name that
 * changes with the jar.
 */
final class ServerRuntime {
    static final String ROOT = "META-INF/portcullis/";
    private static final String MARKER = ROOT + "classes/io/portcullis/cli/Embedded.class";
    /** In an extracted copy: the jar it came from. */
    private static final String SOURCE = "extracted-from";
    private static ClassLoader loader;

    private ServerRuntime() {}

    static synchronized ClassLoader loader() {
        if (loader == null) loader = new URLClassLoader("portcullis-server", urls(root()), ClassLoader.getPlatformClassLoader());
        return loader;
    }

    /** The directory holding classes/ and lib/. */
    private static Path root() {
        URL marker = ServerRuntime.class.getClassLoader().getResource(MARKER);
        if (marker == null) {
            throw new IllegalStateException("the packed server (" + MARKER + ") is not on the test class path: "
                    + "io.portcullis:portcullis-junit-server comes with io.portcullis:portcullis-junit; was it excluded?");
        }
        try {
            if (marker.getProtocol().equals("file")) return Path.of(marker.toURI()).resolve("../../../../../").normalize();
            if (marker.getProtocol().equals("jar")) return extracted(Path.of(((JarURLConnection) marker.openConnection()).getJarFileURL().toURI()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the packed server at " + marker, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("the packed server is at " + marker + ", neither a file nor in a jar");
    }

    private static Path extracted(Path jar) throws IOException {
        String id = Integer.toHexString((jar.toAbsolutePath() + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis()).hashCode());
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "portcullis-junit-" + id);
        if (Files.isDirectory(target)) return target;
        // another test JVM may extract at the same time: each writes its own copy, the first rename wins
        Path partial = Files.createTempDirectory(target.getParent(), target.getFileName() + ".partial");
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.getName().startsWith(ROOT) || e.isDirectory()) continue;
                Path to = partial.resolve(e.getName().substring(ROOT.length())).normalize();
                if (!to.startsWith(partial)) throw new IOException("an entry outside its directory: " + e.getName());
                Files.createDirectories(to.getParent());
                try (InputStream in = file.getInputStream(e)) {
                    Files.copy(in, to);
                }
            }
        }
        Files.writeString(partial.resolve(SOURCE), jar.toAbsolutePath().toString());
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
            if (!Files.isDirectory(target)) throw e;
            delete(partial);
        }
        forgetEarlierCopies(jar, target);
        return target;
    }

    /** Copies extracted from an earlier build of the same jar path: nothing runs them any more (60 MB each). */
    private static void forgetEarlierCopies(Path jar, Path current) {
        try (Stream<Path> siblings = Files.list(current.getParent())) {
            for (Path dir : siblings.filter(d -> d.getFileName().toString().startsWith("portcullis-junit-")
                    && !d.getFileName().toString().contains(".partial") && !d.equals(current)).toList()) {
                Path source = dir.resolve(SOURCE);
                if (Files.isRegularFile(source) && Files.readString(source).equals(jar.toAbsolutePath().toString())) delete(dir);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: the temporary directory is cleaned by the system too
        }
    }

    private static URL[] urls(Path root) {
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> jars = Files.list(root.resolve("lib"))) {
            urls.add(root.resolve("classes").toUri().toURL());
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) urls.add(jar.toUri().toURL());
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the packed server's jars in " + root, e);
        }
        return urls.toArray(URL[]::new);
    }

    static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) p.toFile().delete();
        } catch (IOException | UncheckedIOException e) {
            // best effort: left to the system's cleaning of its temporary directory
        }
    }
}
