package io.dgan.topology;

/** An undirected edge between two workers of a user-given graph, stored with {@code a < b}. */
public record Edge(int a, int b) {
    public Edge {
        if (a == b) {
            throw new IllegalArgumentException("edge " + a + "-" + b + " is a self loop");
        }
        if (a < 0 || b < 0) {
            throw new IllegalArgumentException("edge " + a + "-" + b + " has a negative worker index");
        }
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
    }

    @Override
    public String toString() {
        return a + "-" + b;
    }
}
