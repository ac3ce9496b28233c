/**
 * The command line: picocli commands turn kube-apiserver's flags into a {@link
 * io.portcullis.server.ServerConfig} and start a {@link io.portcullis.server.Server}, or run the
 * small helpers (hash-password); who-can and access-matrix ask a running server through the API
 * ({@code ApiClient}: the kubeconfig, HTTPS, discovery). May import every other package; nothing imports it.
 */
package io.portcullis.cli;
