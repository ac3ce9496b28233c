/**
 * Admission plugins (NamespaceLifecycle, ServiceAccount) and the order they run in: mutating
 * plugins, then validation, then validating plugins. May import authz, authn, request, storage,
 * tokens, pki and api.
 */
package io.portcullis.admission;
