package io.portcullis.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files of the data directory, which hold every Secret, token and key: directories are 0700 and
 * files 0600, fixed before any byte lands in them. A file's content goes to a fresh sibling file
 * created with that mode, which then atomically replaces the target.
 */
public final class SecureFiles {
    private static final Logger LOG = LoggerFactory.getLogger(SecureFiles.class);
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private SecureFiles() {}

    /** Writes the file with mode 0600 from the moment it exists, creating missing directories 0700. */
    public static void writePrivate(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        createPrivateDirectory(dir);
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        }
        try {
            Files.write(temp, content.getBytes(StandardCharsets.UTF_8));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Creates an empty file with mode 0600 when it does not exist; an existing one is left as it is. */
    public static void createPrivateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // kept: makePrivate tightens what an older start left
        } catch (UnsupportedOperationException e) {
            if (!Files.exists(file)) Files.createFile(file);
        }
    }

    /** Creates a directory, and every missing parent, with mode 0700; an existing one is left as it is. */
    public static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        }
    }

    /**
     * Makes a data directory its owner's alone: creates it 0700 when absent; otherwise takes
     * group and other permissions away from it and from everything below it (directories end at
     * most 0700, files at most 0600) and logs one warning naming each path tightened, with its
     * old and new mode. Symbolic links are neither followed nor changed. Does nothing more where
     * the file system has no POSIX permissions.
     */
    public static void makePrivate(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            createPrivateDirectory(dir);
            return;
        }
        Path root = dir.toRealPath();
        if (Files.getFileAttributeView(root, PosixFileAttributeView.class) == null) return;
        List<String> tightened = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                tighten(d, OWNER_DIR);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) tighten(f, OWNER_ONLY);
                return FileVisitResult.CONTINUE;
            }

            private void tighten(Path p, Set<PosixFilePermission> allowed) throws IOException {
                Set<PosixFilePermission> old = Files.readAttributes(p, PosixFileAttributes.class).permissions();
                if (allowed.containsAll(old)) return;
                Set<PosixFilePermission> now = EnumSet.noneOf(PosixFilePermission.class);
                now.addAll(old);
                now.retainAll(allowed);
                Files.setPosixFilePermissions(p, now);
                String name = p.equals(root) ? "." : root.relativize(p).toString();
                tightened.add(name + " " + PosixFilePermissions.toString(old) + " -> " + PosixFilePermissions.toString(now));
            }
        });
        if (!tightened.isEmpty()) {
            LOG.warn("data directory {} was open to other users; tightened to owner-only: {}", root, String.join(", ", tightened));
        }
    }
}
