/**
 * The cluster's certificates and keys: CA, serving and client certificates, PEM, kubeconfigs,
 * bcrypt, owner-only files, TLS for webhooks. May import api.
 */
package io.portcullis.pki;
