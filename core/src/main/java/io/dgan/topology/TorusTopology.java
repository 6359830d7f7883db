package io.dgan.topology;

/**
 * Two-dimensional torus rows × cols (worker r·cols + c), 1/5 on the diagonal and on each of the four neighbours
 * (r ± 1, c) and (r, c ± 1). Where a side is 2 the ±1 neighbours coincide and their weights add (2/5).
 * The default shape takes rows = the largest divisor of M not above √M, so the torus is as square as possible.
 */
final class TorusTopology {
    private static final double FIFTH = 1.0 / 5.0;

    private TorusTopology() {
    }

    static SparseMixingMatrix matrix(int workers, int requestedRows) {
        int rows = shape(workers, requestedRows);
        int cols = workers / rows;
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                b.setSelf(i, FIFTH);
                // Link to the next row and the next column only; addSymmetric supplies the previous ones.
                b.addSymmetric(i, ((r + 1) % rows) * cols + c, FIFTH);
                b.addSymmetric(i, r * cols + (c + 1) % cols, FIFTH);
            }
        }
        return b.build();
    }

    /** The number of rows: the requested one (validated) or the largest divisor of M with rows ≤ √M. */
    static int shape(int workers, int requestedRows) {
        if (requestedRows != 0) {
            if (requestedRows < 2 || workers % requestedRows != 0 || workers / requestedRows < 2) {
                throw new IllegalArgumentException("torus rows " + requestedRows + " must divide " + workers
                        + " workers with at least 2 rows and 2 columns");
            }
            return requestedRows;
        }
        if (workers < 4) {
            throw new IllegalArgumentException("torus needs at least 4 workers (2×2), got " + workers);
        }
        int rows = 1;
        for (int d = 2; (long) d * d <= workers; d++) {
            if (workers % d == 0) {
                rows = d;
            }
        }
        if (rows == 1) {
            throw new IllegalArgumentException("torus needs a workers count with a divisor ≥ 2 (rows × cols, both ≥ 2); "
                    + workers + " is prime");
        }
        return rows;
    }
}
