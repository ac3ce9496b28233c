/**
 * RBAC: the authorizer over an index of bindings, ClusterRole aggregation, upstream's bootstrap
 * policy and the escalation check. May import what {@code authz} may.
 */
package io.portcullis.authz.rbac;
