/**
 * The etcd store: keys laid out as kube-apiserver lays them out, values in JSON, etcd's revision
 * as resourceVersion, watches resumed from a revision, over gRPC (jetcd) with optional mutual TLS.
 * May import storage, pki and api.
 */
package io.portcullis.storage.etcd;
