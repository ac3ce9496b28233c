package io.portcullis.authz;

public enum Decision { ALLOW, DENY, NO_OPINION }
