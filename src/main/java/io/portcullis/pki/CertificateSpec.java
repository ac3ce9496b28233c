package io.portcullis.pki;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What a certificate says: subject CN and O values, subject alternative names (IP literals and
 * DNS names, told apart per entry), validity window and extended key usages. Tests use the
 * withers to make expired, not-yet-valid, or wrong-usage certificates.
 */
public record CertificateSpec(String commonName, List<String> organizations, List<String> subjectAltNames,
                              Instant notBefore, Instant notAfter, Set<Usage> usages) {
    public enum Usage { CLIENT_AUTH, SERVER_AUTH }

    public CertificateSpec {
        if (commonName == null) throw new IllegalArgumentException("commonName is required");
        organizations = List.copyOf(organizations);
        subjectAltNames = List.copyOf(subjectAltNames);
        usages = Set.copyOf(usages);
        if (notBefore == null || notAfter == null) throw new IllegalArgumentException("validity window is required");
        if (!notAfter.isAfter(notBefore)) throw new IllegalArgumentException("notAfter must be after notBefore");
    }

    public static CertificateSpec client(String cn, List<String> orgs, Instant notBefore, Instant notAfter) {
        return new CertificateSpec(cn, orgs, List.of(), notBefore, notAfter, Set.of(Usage.CLIENT_AUTH));
    }

    public static CertificateSpec server(String cn, List<String> sans, Instant notBefore, Instant notAfter) {
        return new CertificateSpec(cn, List.of(), sans, notBefore, notAfter, Set.of(Usage.SERVER_AUTH));
    }

    public CertificateSpec withValidity(Instant from, Instant until) {
        return new CertificateSpec(commonName, organizations, subjectAltNames, from, until, usages);
    }

    public CertificateSpec withUsages(Set<Usage> newUsages) {
        return new CertificateSpec(commonName, organizations, subjectAltNames, notBefore, notAfter, newUsages);
    }

    public CertificateSpec withSubjectAltNames(List<String> sans) {
        return new CertificateSpec(commonName, organizations, sans, notBefore, notAfter, usages);
    }
}
