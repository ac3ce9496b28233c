/**
 * {@code RequestInfo}: what a request asks, read from its method and URL as kube-apiserver reads
 * it. Imports nothing of the project.
 */
package io.portcullis.request;
