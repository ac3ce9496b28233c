/**
 * Background loops that keep objects in step (default ServiceAccount, root CA ConfigMap, token
 * Secrets, namespace deletion, garbage collection, ClusterRole aggregation), each a
 * {@code Controller} run from the server's one list, and {@code Bootstrap}, what every server
 * ensures once before it serves. They read the watch cache and write through the registry like any
 * client. May import registry, admission, authz, authn, storage, tokens, pki and api.
 */
package io.portcullis.controllers;
