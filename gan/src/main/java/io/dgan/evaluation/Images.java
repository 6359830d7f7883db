package io.dgan.evaluation;

import io.dgan.data.GaussianMixture;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** PNG pictures of samples: a grid of generated images, a scatter plot of 2-D samples over the mixture's modes. */
public final class Images {
    private Images() {
    }

    /** Images [N, C, H, W] with values in [-1, 1] as a grid of {@code columns} columns, 2-pixel gaps. */
    public static BufferedImage grid(INDArray images, int columns, int scale) {
        int n = (int) images.size(0);
        int c = (int) images.size(1);
        int h = (int) images.size(2);
        int w = (int) images.size(3);
        int rows = (n + columns - 1) / columns;
        int gap = 2;
        BufferedImage out = new BufferedImage(columns * (w * scale + gap) + gap, rows * (h * scale + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(40, 40, 40));
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.dispose();
        float[] v = images.castTo(DataType.FLOAT).dup('c').reshape(images.length()).toFloatVector();
        int plane = h * w;
        for (int i = 0; i < n; i++) {
            int ox = gap + (i % columns) * (w * scale + gap);
            int oy = gap + (i / columns) * (h * scale + gap);
            int base = i * c * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = y * w + x;
                    int r = toByte(v[base + p]);
                    int gr = c == 3 ? toByte(v[base + plane + p]) : r;
                    int b = c == 3 ? toByte(v[base + 2 * plane + p]) : r;
                    int rgb = (r << 16) | (gr << 8) | b;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            out.setRGB(ox + x * scale + dx, oy + y * scale + dy, rgb);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static int toByte(float v) {
        return Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
    }

    /** 2-D samples (blue) over the modes with their 3σ circles (red), in a square covering the modes. */
    public static BufferedImage scatter(INDArray samples, GaussianMixture mixture, int size) {
        double extent = 0;
        for (double[] m : mixture.modes()) {
            extent = Math.max(extent, Math.max(Math.abs(m[0]), Math.abs(m[1])));
        }
        extent = extent * 1.35 + 0.2;
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        double scale = size / (2 * extent);
        g.setColor(new Color(30, 90, 200, 90));
        int n = (int) samples.size(0);
        double[] xy = samples.castTo(DataType.DOUBLE).reshape(n * 2L).toDoubleVector();
        for (int i = 0; i < n; i++) {
            int px = (int) Math.round((xy[2 * i] + extent) * scale);
            int py = (int) Math.round((extent - xy[2 * i + 1]) * scale);
            g.fillOval(px - 2, py - 2, 4, 4);
        }
        g.setColor(new Color(200, 30, 30));
        g.setStroke(new BasicStroke(1.5f));
        int r = (int) Math.max(2, Math.round(3 * mixture.sigma() * scale));
        for (double[] m : mixture.modes()) {
            int px = (int) Math.round((m[0] + extent) * scale);
            int py = (int) Math.round((extent - m[1]) * scale);
            g.drawOval(px - r, py - r, 2 * r, 2 * r);
        }
        g.dispose();
        return out;
    }

    /** Writes a PNG atomically (temp file, then rename), so a reader never sees half a picture. */
    public static void writePng(BufferedImage image, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ImageIO.write(image, "png", tmp.toFile());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
