/**
 * The command line: picocli commands turn kube-apiserver's flags into a {@link
 * io.portcullis.server.ServerConfig} and start a {@link io.portcullis.server.Server}, or run the
 * small helpers (hash-password). May import every other package; nothing imports it.
 */
package io.portcullis.cli;
