/**
 * Auditing, as kube-apiserver's audit.k8s.io/v1: the {@code Policy} that gives each request its
 * level, the {@code AuditEvent} a request fills in as it goes (one {@code Event} per stage), and
 * the sinks that write events off the request path: a bounded buffer in front of the JSON-lines
 * log (with rotation) and the webhook. May import authn, authz, request and api.
 */
package io.portcullis.audit;
