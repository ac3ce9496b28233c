/**
 * The Kubernetes API's vocabulary shared by every stage: {@code Statuses} (every error a client
 * sees), {@code ResourceType}, schemas and validation, selectors, discovery and OpenAPI. Imports
 * nothing of the project but its own sub-packages.
 */
package io.portcullis.api;
