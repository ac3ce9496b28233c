/**
 * Assembly and HTTP: {@code Server} wires the stages once, {@code Pipeline} walks a request through
 * them in upstream's order, {@code Router} decides a request's route and scope before
 * authorization, {@code Exchange} and {@code Connections} bound what a client may hold.
 * {@code Rest} (with {@code Watches} and {@code Patches}) speaks HTTP for the registry's verbs. May import every package
 * below it; only {@code cli} imports it.
 */
package io.portcullis.server;
