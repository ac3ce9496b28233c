/**
 * Protobuf request bodies: the {@code k8s\0} envelope and the served kinds' messages, turned into
 * JSON trees. May import api.
 */
package io.portcullis.api.protobuf;
