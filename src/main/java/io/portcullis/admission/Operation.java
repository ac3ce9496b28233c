package io.portcullis.admission;

public enum Operation { CREATE, UPDATE, DELETE, CONNECT }
