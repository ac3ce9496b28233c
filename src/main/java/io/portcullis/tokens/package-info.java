/**
 * ServiceAccount JWTs: issuing, verifying, the issuer's discovery documents. May import pki and
 * api.
 */
package io.portcullis.tokens;
