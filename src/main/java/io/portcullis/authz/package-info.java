/**
 * Who may do what: the {@code Authorizer} interface, its combinators, impersonation, the webhook
 * authorizer and upstream's 403 messages. May import authn, request, storage, tokens, pki and api.
 */
package io.portcullis.authz;
