/**
 * Background loops that keep objects in step (default ServiceAccount, root CA ConfigMap, token
 * Secrets, namespace deletion, garbage collection); they read the watch cache and write through the
 * registry like any client. May import registry, admission, authz, authn, storage, tokens, pki and
 * api.
 */
package io.portcullis.controllers;
