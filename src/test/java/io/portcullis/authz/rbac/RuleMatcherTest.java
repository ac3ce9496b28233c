package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.rule;
import static io.portcullis.authz.rbac.Fixtures.urls;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuleMatcherTest {
    static final UserInfo ALICE = UserInfo.of("alice");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', nullValues = "~", textBlock = """
            exact verb, group and resource           ; get|  |pods              ; get   ;      ; pods       ;        ;      ; true
            star verb                                ; *|  |pods                ; delete;      ; pods       ;        ;      ; true
            other verb                               ; get|  |pods              ; list  ;      ; pods       ;        ;      ; false
            core group does not cover apps           ; get|  |deployments       ; get   ; apps ; deployments;        ;      ; false
            star group                               ; get|*|deployments        ; get   ; apps ; deployments;        ;      ; true
            star resource                            ; get|  |*                 ; get   ;      ; secrets    ;        ;      ; true
            star resource covers subresources        ; get|  |*                 ; get   ;      ; pods       ; log    ;      ; true
            pods does not cover pods/log             ; get|  |pods              ; get   ;      ; pods       ; log    ;      ; false
            pods/log covers pods/log                 ; get|  |pods/log          ; get   ;      ; pods       ; log    ;      ; true
            pods/log does not cover pods             ; get|  |pods/log          ; get   ;      ; pods       ;        ;      ; false
            */log covers pods/log                    ; get|  |*/log             ; get   ;      ; pods       ; log    ;      ; true
            */log does not cover pods/exec           ; get|  |*/log             ; get   ;      ; pods       ; exec   ;      ; false
            */log does not cover pods                ; get|  |*/log             ; get   ;      ; pods       ;        ;      ; false
            */status does not cover pods/xstatus     ; get|  |*/status          ; get   ;      ; pods       ; xstatus;      ; false
            resourceNames allow the named get        ; get|  |pods|a,b          ; get   ;      ; pods       ;        ; b    ; true
            resourceNames refuse other names         ; get|  |pods|a,b          ; get   ;      ; pods       ;        ; c    ; false
            resourceNames never match an unnamed list; list|  |pods|a           ; list  ;      ; pods       ;        ;      ; false
            resourceNames never match an unnamed watch; watch|  |pods|a         ; watch ;      ; pods       ;        ;      ; false
            resourceNames allow a named watch        ; watch|  |pods|a          ; watch ;      ; pods       ;        ; a    ; true
            resourceNames never match create         ; create|  |pods|a         ; create;      ; pods       ;        ;      ; false
            no resourceNames matches any name        ; get|  |pods              ; get   ;      ; pods       ;        ; z    ; true
            """)
    void resourceRules(String name, String rule, String verb, String group, String resource, String sub, String resName, boolean want) {
        Attributes a = Attributes.resource(ALICE, verb, group, resource, sub, "ns", resName);
        assertThat(RuleMatcher.ruleAllows(a, rule(rule))).isEqualTo(want);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            exact path                 ; get ; /healthz        ; get ; /healthz      ; true
            other path                 ; get ; /healthz        ; get ; /healthz/etcd ; false
            star                       ; get ; *               ; get ; /anything     ; true
            trailing star prefix       ; get ; /api/*          ; get ; /api/v1       ; true
            prefix needs the slash     ; get ; /api/*          ; get ; /api          ; false
            star without slash         ; get ; /api*           ; get ; /apis/apps    ; true
            verb must match            ; get ; /healthz        ; post; /healthz      ; false
            star verb                  ; *   ; /healthz        ; post; /healthz      ; true
            """)
    void nonResourceRules(String name, String verbs, String url, String verb, String path, boolean want) {
        assertThat(RuleMatcher.ruleAllows(Attributes.nonResource(ALICE, verb, path), urls(verbs, url))).isEqualTo(want);
    }

    @org.junit.jupiter.api.Test
    void aNonResourceRuleNeverAllowsAResourceRequest() {
        assertThat(RuleMatcher.ruleAllows(Attributes.resource(ALICE, "get", "", "pods", "", "ns", ""), urls("*", "*"))).isFalse();
        assertThat(RuleMatcher.ruleAllows(Attributes.nonResource(ALICE, "get", "/api"), rule("*|*|*"))).isFalse();
    }
}
