package io.portcullis.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;

/**
 * The server's logging, set up in code rather than from an XML file, which would cost start-up
 * several hundred classes of Logback's configuration machinery: lines on standard error as
 * {@code 12:34:56.789 INFO  Server - message}, Netty and Vert.x at WARN, the rest at
 * {@code PORTCULLIS_LOG_LEVEL} (a system property or environment variable; INFO when unset).
 * A {@code logback.configurationFile} property or a {@code logback.xml} / {@code logback-test.xml}
 * on the class path is left to Logback's own configuration.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = LogSetup.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        Line line = new Line();
        line.setContext(context);
        line.start();
        encoder.setLayout(line);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("io.vertx").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        String level = System.getProperty("PORTCULLIS_LOG_LEVEL", System.getenv("PORTCULLIS_LOG_LEVEL"));
        root.setLevel(level == null ? Level.INFO : Level.toLevel(level));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code %d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n}, then the stack trace of a throwable. */
    static final class Line extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder out = new StringBuilder(128);
            TIME.formatTo(event.getInstant(), out);
            String level = event.getLevel().toString();
            out.append(' ').append(level).append(" ".repeat(Math.max(0, 5 - level.length()))).append(' ');
            String logger = event.getLoggerName();
            out.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(" - ").append(event.getFormattedMessage())
                    .append(System.lineSeparator());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) out.append(ThrowableProxyUtil.asString(thrown)).append(System.lineSeparator());
            return out.toString();
        }
    }
}
