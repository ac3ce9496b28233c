/**
 * The generic registry ({@code ObjectStore}: metadata, optimistic concurrency, admission,
 * finalizers, lists), which knows no kind by name, and the kinds themselves: one file per kind
 * ({@code NamespaceKind}, {@code PodKind}, ...) built with {@code Kind} into a {@code Strategy}
 * (defaults, validation, status handling, deletion, columns, subresource handlers), listed in
 * {@code ServedKinds}; the review kinds' answers ({@code Reviews}) and TokenRequest. May import
 * admission, authz, authn, request, storage, tokens, pki and api.
 */
package io.portcullis.registry;
