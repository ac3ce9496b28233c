/**
 * The generic registry ({@code ObjectStore}: metadata, optimistic concurrency, admission,
 * finalizers, lists) and one {@code Strategy} per served kind ({@code Kinds}): defaults,
 * validation, status handling, table columns. May import admission, authz, authn, request, storage,
 * tokens, pki and api.
 */
package io.portcullis.registry;
