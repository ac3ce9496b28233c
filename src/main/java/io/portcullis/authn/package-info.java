/**
 * Who is calling: the {@code Authenticator} interface, the credentials a request presents, one
 * class per plugin (client certificates, token file, ServiceAccount tokens, OIDC, webhook, basic,
 * anonymous) and the token cache. May import request, storage, tokens, pki and api.
 */
package io.portcullis.authn;
