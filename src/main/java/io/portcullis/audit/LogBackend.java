package io.portcullis.audit;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The audit log: one JSON event a line, to standard output or to a file rotated as upstream's
 * (lumberjack's) rules: before a line would take the file past its size, it is renamed
 * {@code <name>-<UTC time>.<ext>} and a new file begun; then backups beyond the count to keep, or
 * older than the days to keep, are removed. New files are readable by their owner only (the log
 * names every user and resource); a rotated file's successor keeps its mode.
 */
final class LogBackend implements BufferedSink.Backend {
    private static final int BUFFER = 64 * 1024;
    private static final long MEGABYTE = 1024 * 1024;
    private static final long DEFAULT_MAX_SIZE_MB = 100;
    private static final DateTimeFormatter BACKUP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path file;
    private final int maxAgeDays;
    private final int maxBackups;
    private final long maxBytes;
    private final Clock clock;
    private final EventJson json;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
    private OutputStream out;
    private long size;

    private LogBackend(Path file, int maxAgeDays, int maxBackups, int maxSizeMb, Clock clock, EventJson json, OutputStream out) {
        this.file = file;
        this.maxAgeDays = maxAgeDays;
        this.maxBackups = maxBackups;
        this.maxBytes = (maxSizeMb == 0 ? DEFAULT_MAX_SIZE_MB : maxSizeMb) * MEGABYTE;
        this.clock = clock;
        this.json = json;
        this.out = out;
    }

    static LogBackend standardOutput(EventJson json) {
        return new LogBackend(null, 0, 0, 0, Clock.systemUTC(), json, new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), BUFFER));
    }

    static LogBackend open(Path file, int maxAgeDays, int maxBackups, int maxSizeMb, EventJson json) throws IOException {
        return open(file, maxAgeDays, maxBackups, maxSizeMb, json, Clock.systemUTC());
    }

    static LogBackend open(Path file, int maxAgeDays, int maxBackups, int maxSizeMb, EventJson json, Clock clock) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        LogBackend log = new LogBackend(file, maxAgeDays, maxBackups, maxSizeMb, clock, json, null);
        log.out = log.openFile(OWNER_ONLY);
        log.size = Files.size(file);
        return log;
    }

    @Override
    public void write(List<Event> batch) throws IOException {
        for (Event e : batch) {
            line.reset();
            json.write(line, e);
            line.write('\n');
            if (file != null && size > 0 && size + line.size() > maxBytes) rotate();
            line.writeTo(out);
            size += line.size();
        }
        out.flush();
    }

    private OutputStream openFile(Set<PosixFilePermission> permissions) throws IOException {
        boolean posix = Files.getFileAttributeView(file.toAbsolutePath().getParent(), PosixFileAttributeView.class) != null;
        if (posix && !Files.exists(file)) {
            FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(permissions);
            Files.createFile(file, mode);
        }
        return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE), BUFFER);
    }

    private void rotate() throws IOException {
        out.close();
        Set<PosixFilePermission> mode = Files.getFileAttributeView(file, PosixFileAttributeView.class) == null ? OWNER_ONLY
                : Files.getPosixFilePermissions(file);
        String[] parts = nameAndExtension();
        Path backup = file.resolveSibling(parts[0] + "-" + BACKUP_TIME.format(LocalDateTime.now(clock)) + parts[1]);
        Files.move(file, backup);
        out = openFile(mode);
        size = 0;
        removeOldBackups();
    }

    /** Backups beyond --audit-log-maxbackup (newest kept) and older than --audit-log-maxage days, by the time in their names. */
    private void removeOldBackups() throws IOException {
        if (maxBackups == 0 && maxAgeDays == 0) return;
        String[] parts = nameAndExtension();
        record Backup(Path path, Instant time) {}
        List<Backup> backups = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(file.toAbsolutePath().getParent())) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (!n.startsWith(parts[0] + "-") || !n.endsWith(parts[1])) continue;
                String time = n.substring(parts[0].length() + 1, n.length() - parts[1].length());
                try {
                    backups.add(new Backup(p, LocalDateTime.parse(time, BACKUP_TIME).toInstant(ZoneOffset.UTC)));
                } catch (DateTimeParseException e) {
                    // not one of ours
                }
            }
        }
        backups.sort(Comparator.comparing(Backup::time).reversed());
        Instant cutoff = clock.instant().minus(Duration.ofDays(maxAgeDays));
        for (int i = 0; i < backups.size(); i++) {
            Backup b = backups.get(i);
            if ((maxBackups > 0 && i >= maxBackups) || (maxAgeDays > 0 && b.time().isBefore(cutoff))) Files.deleteIfExists(b.path());
        }
    }

    /** "audit.log" is {"audit", ".log"}; a name without an extension has an empty one. */
    private String[] nameAndExtension() {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot <= 0 ? new String[] {n, ""} : new String[] {n.substring(0, dot), n.substring(dot)};
    }

    @Override
    public void close() throws IOException {
        if (file == null) out.flush();
        else out.close();
    }
}
