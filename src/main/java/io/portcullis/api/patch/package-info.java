/**
 * Patch semantics: JSON patch, merge patch, strategic merge patch (with the kinds' patch schemas)
 * and server-side apply with managedFields. May import api.
 */
package io.portcullis.api.patch;
